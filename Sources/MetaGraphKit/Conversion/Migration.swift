// V1 → V2 (and V2 → V2 re-sharding) checkpoint migration, tensor by tensor.
// The V1 side follows tensor_slice_reader.cc / saved_tensor_slice_util.h, the V2
// side BundleWriter (FORMATS.md §2–3).
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Converts checkpoints to the V2 format without holding them in memory.
///
/// Each tensor is read, checked and written before the next one is touched; source
/// pages are handed back to the kernel after each tensor, so peak memory is the
/// largest single slice (plus, with ``Options/mergeSlices``, the largest merged
/// tensor), whatever the checkpoint's size. The source is never modified; the
/// destination appears only when everything succeeded.
public enum Migration {
    /// Called after each tensor of a long copy: tensors done, tensors in all, and
    /// bytes written so far (the CLI draws it on stderr when that is a terminal).
    public typealias Progress = CopyProgress

    /// What to do while migrating.
    public struct Options: Sendable {
        /// Number of data files to write.
        public var shards = 1
        /// Write partitioned tensors whole instead of keeping their slices.
        public var mergeSlices = false
        /// Leave out tensors whose checksum fails (listed in the summary) instead of failing.
        public var skipDamaged = false
        /// Replace an existing destination.
        public var overwrite = false
        /// Called after each tensor with (tensors done, tensors in all, bytes written).
        public var progress: Progress?
        /// Threads that copy large payloads (1 MiB and more) at once; the
        /// checkpoint written is the same byte for byte whatever the number. One
        /// copies every tensor in turn, as does ``skipDamaged``.
        public var jobs = ShardScheduler.defaultJobs
        /// Copy only the tensors (and slices) stored in this data file of a V2
        /// source, or this file of a V1 pattern (`PREFIX-0000I-of-N`): one unit of a
        /// migration spread over several machines. Each unit is a V2 checkpoint of
        /// its own (a partitioned tensor's entry lists only the unit's slices);
        /// ``CheckpointMerge/merge(parts:into:options:)`` (or TensorFlow's
        /// `MergeV2Checkpoints`) joins the units into one (see the README, "Many
        /// shards, many cores, many machines"). Not with ``mergeSlices``.
        public var sourceShard: Int?
        /// Payloads at least this large are copied on the ``jobs`` threads (tests
        /// lower it to send every payload there).
        var parallelMinimumSize = Int(CheckpointCopier.kernelCopyThreshold)

        /// One shard, slices kept, stop at the first damaged tensor, no overwrite.
        public init() {}
    }

    /// A tensor left out by ``Options/skipDamaged``.
    public struct SkippedTensor: Sendable, Hashable {
        /// The tensor's name.
        public let name: String
        /// Why it was left out.
        public let reason: String
    }

    /// The result of migrating one checkpoint.
    public struct Summary: Sendable {
        /// The source as given.
        public var source: String
        /// The destination prefix.
        public var destination: String
        /// The source's format: ``CheckpointFormat/v1`` or ``CheckpointFormat/v2``.
        public var sourceFormat: CheckpointFormat
        /// Tensors written (a partitioned tensor counts once).
        public var tensors: Int
        /// Slice entries written (0 when nothing is partitioned or slices are merged).
        public var slices: Int
        /// Payload bytes written to the data files.
        public var bytes: Int
        /// Files written, index first.
        public var files: [String]
        /// Wall-clock seconds.
        public var seconds: Double
        /// Tensors left out because they are damaged.
        public var skipped: [SkippedTensor]
        /// The `.meta` carried along with the checkpoint (its saver switched to V2), if
        /// one was beside it.
        public var metaGraph: MetaGraphResult? = nil
    }

    // MARK: - One checkpoint

    /// Migrates one checkpoint to a V2 bundle at `destination`.
    ///
    /// - Parameters:
    ///   - source: A V1 file, a V1 `-?????-of-N` pattern or sharded prefix, or a V2 prefix.
    ///   - destination: The V2 prefix to write.
    ///   - options: Shards, slices, damage and overwrite policy, threads.
    /// - Returns: What was written.
    /// - Throws: ``MetaGraphKitError``: `notFound` (no source), `exists` (destination
    ///   present without `overwrite`), `invalidArgument` (the destination is or
    ///   overlaps the source), `badChecksum`/`corrupt` (damaged source without
    ///   `skipDamaged`), `unsupported`, `io`. Nothing is left behind on a throw.
    ///
    /// The checkpoint's `.meta` (TensorFlow's `meta_graph_filename`: the prefix, a V1
    /// `-?????-of-N` suffix removed, plus `.meta`), when there is one, is carried along
    /// to `destination.meta` with its saver switched to V2, as a directory migration
    /// does (a SessionBundle export has no state file); both appear together or not at all.
    @discardableResult
    public static func migrate(source: String, destination: String, options: Options = Options()) throws -> Summary {
        let meta = CheckpointFiles.metaGraphFilename(for: source)
        let metaOut = destination + ".meta"
        guard FileIO.exists(meta), PathRules.absolute(meta) != PathRules.absolute(metaOut) else {
            return try migrate(source: source, destination: destination, options: options, within: nil)
        }
        try OutputDestination.check(metaOut, overwrite: options.overwrite, sources: [source, meta])
        let transaction = OutputTransaction()
        do {
            var summary = try migrate(source: source, destination: destination, options: options, within: transaction)
            summary.metaGraph = try migrateMetaGraph(source: meta, destination: metaOut, within: transaction)
            transaction.commit()
            return summary
        } catch {
            transaction.rollback()
            throw error
        }
    }

    /// ``migrate(source:destination:options:)`` as part of a larger output (a
    /// migrated directory): the checkpoint's files are handed to `outer`.
    static func migrate(source: String, destination: String, options: Options,
                        within outer: OutputTransaction?) throws -> Summary {
        let started = Date()
        // Before anything is written: not onto the source (a V1 file and a V2 prefix
        // of one name would both be read back as "the checkpoint"), not over an
        // existing checkpoint without --overwrite.
        try OutputDestination.check(destination, kind: .checkpoint, overwrite: options.overwrite, sources: [source])
        let parent = PathRules.dirname(destination)
        var info = stat()
        guard stat(parent.isEmpty ? "." : parent, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw MetaGraphKitError.noOutputDirectory(destination, parent: parent)
        }
        // The sources are opened before anything is written; an input of another
        // kind (a .meta, an archive, an LFS pointer…) is named as what it is.
        let (bundle, slices): (BundleReader?, TensorSliceReader?) = try CheckpointReader.explaining(source, as: .checkpoint) {
            let resolved = try CheckpointReader.resolveInput(source)
            if resolved != source {
                try OutputDestination.check(destination, kind: .checkpoint, overwrite: options.overwrite, sources: [resolved])
            }
            return FileIO.exists(resolved + ".index")
                ? (try BundleReader(prefix: resolved), nil) : (nil, try TensorSliceReader(pattern: resolved))
        }
        let isV2 = bundle != nil
        if let unit = options.sourceShard {
            guard !options.mergeSlices else {
                throw MetaGraphKitError.invalidArgument(source, "--source-shard copies stored slices; it cannot merge them")
            }
            if let bundle {
                guard unit >= 0, unit < bundle.header.numShards else {
                    throw MetaGraphKitError.invalidArgument(bundle.indexName, "there is no data file \(unit): the checkpoint has \(bundle.header.numShards) (0…\(bundle.header.numShards - 1))")
                }
            } else if let slices {
                // A V1 pattern's files, in shard order: file I is PREFIX-0000I-of-N.
                guard unit >= 0, unit < slices.tables.count else {
                    throw MetaGraphKitError.invalidArgument(slices.pattern, "there is no file \(unit): the checkpoint has \(slices.tables.count) (0…\(slices.tables.count - 1))")
                }
            }
        }
        var writerOptions = BundleWriter.Options()
        writerOptions.shards = options.shards
        let writer = try BundleWriter(prefix: destination, options: writerOptions, within: outer)
        let copier = CheckpointCopier(writer: writer, options: options)
        if options.jobs > 1, !options.skipDamaged {
            copier.deferring = (options.jobs, options.parallelMinimumSize)
        }
        if let bundle {
            try copier.copyV2(bundle)
        } else if let slices {
            try copier.copyV1(slices)
        }
        // Replaces an old checkpoint at the destination (data files of another shard
        // count included) only once the new one is complete.
        let result = try writer.finish()
        return Summary(source: source, destination: destination, sourceFormat: isV2 ? .v2 : .v1,
                       tensors: copier.tensors, slices: copier.slices, bytes: result.dataBytes,
                       files: result.files, seconds: Date().timeIntervalSince(started), skipped: copier.skipped)
    }
}
