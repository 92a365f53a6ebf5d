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
    public typealias Progress = @Sendable (_ done: Int, _ total: Int, _ bytes: Int) -> Void

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
        /// `V1` or `V2`.
        public var sourceFormat: String
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
    }

    // MARK: - One checkpoint

    /// Migrates one checkpoint to a V2 bundle at `destination`.
    ///
    /// - Parameters:
    ///   - source: A V1 file, a V1 `-?????-of-N` pattern or sharded prefix, or a V2 prefix.
    ///   - destination: The V2 prefix to write.
    ///   - options: Shards, slices, damage and overwrite policy.
    /// - Returns: What was written.
    /// - Throws: ``MetaGraphKitError``: `notFound` (no source), `exists` (destination
    ///   present without `overwrite`), `badChecksum`/`corrupt` (damaged source without
    ///   `skipDamaged`), `unsupported`, `io`. Nothing is left behind on a throw.
    @discardableResult
    public static func migrate(source: String, destination: String, options: Options = Options()) throws -> Summary {
        try migrate(source: source, destination: destination, options: options, within: nil)
    }

    /// ``migrate(source:destination:options:)`` as part of a larger output (a
    /// migrated directory): the checkpoint's files are handed to `outer`.
    static func migrate(source: String, destination: String, options: Options,
                        within outer: OutputTransaction?) throws -> Summary {
        let started = Date()
        let existing = BundleWriter.existingFiles(of: destination)
        if !existing.isEmpty, !options.overwrite {
            throw MetaGraphKitError(.exists,
                "\(destination): the destination exists (\(existing[0])); use --overwrite to replace it")
        }
        let parent = PathRules.dirname(destination)
        var info = stat()
        guard stat(parent.isEmpty ? "." : parent, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw MetaGraphKitError(.notFound, "\(destination): the directory \(parent) does not exist")
        }
        let isV2 = FileIO.exists(source + ".index")
        if isV2, PathRules.absolute(source) == PathRules.absolute(destination) {
            throw MetaGraphKitError(.invalidArgument, "\(destination): the destination is the source")
        }
        var writerOptions = BundleWriter.Options()
        writerOptions.shards = options.shards
        let writer = try BundleWriter(prefix: destination, options: writerOptions, within: outer)
        let copier = Copier(writer: writer, options: options)
        if isV2 {
            try copier.copyV2(BundleReader(prefix: source))
        } else {
            try copier.copyV1(TensorSliceReader(pattern: source))
        }
        // Replaces an old checkpoint at the destination (data files of another shard
        // count included) only once the new one is complete.
        let result = try writer.finish()
        return Summary(source: source, destination: destination, sourceFormat: isV2 ? "V2" : "V1",
                       tensors: copier.tensors, slices: copier.slices, bytes: result.dataBytes,
                       files: result.files, seconds: Date().timeIntervalSince(started), skipped: copier.skipped)
    }
}

// MARK: - Copying

/// Copies tensors from a reader into a writer, one at a time.
final class Copier {
    let writer: BundleWriter
    let options: Migration.Options
    var tensors = 0
    var slices = 0
    var skipped: [Migration.SkippedTensor] = []
    private var done = 0

    init(writer: BundleWriter, options: Migration.Options) {
        self.writer = writer
        self.options = options
    }

    /// Runs one tensor's copy as a writer transaction; damage is skipped when asked.
    private func tensor(_ name: String, total: Int, release: [MappedFile], _ body: () throws -> Int) throws {
        defer {
            for file in release { file.releaseResidentPages() }
            done += 1
            options.progress?(done, total, writer.bytesWritten)
        }
        do {
            var sliceCount = 0
            try writer.transaction { sliceCount = try body() }
            tensors += 1
            slices += sliceCount
        } catch let e as MetaGraphKitError where options.skipDamaged && Self.isDamage(e) {
            skipped.append(.init(name: name, reason: e.message))
        }
    }

    static func isDamage(_ e: MetaGraphKitError) -> Bool {
        [.badChecksum, .corrupt, .truncated, .notAProtobuf].contains(e.code)
    }

    // MARK: V1

    func copyV1(_ reader: TensorSliceReader) throws {
        let names = reader.items.keys.sorted()
        let files = reader.tables.map(\.file)
        for name in names {
            let item = reader.items[name]!
            try tensor(name, total: names.count, release: files) {
                guard item.dtype == .string || item.dtype.elementSize != nil else {
                    throw MetaGraphKitError.unsupported(reader.pattern, "\(name) has dtype \(item.dtype), which V2 bundles cannot hold")
                }
                let partitioned = !(item.slices.count == 1
                    && (try? item.slices[0].slice.shape(in: item.shape, file: "", key: "")) == item.shape)
                if options.mergeSlices && partitioned {
                    try writer.add(reader.tensor(name), name: name)
                    return 0
                }
                for (slice, file) in item.slices {
                    try copyV1Slice(reader, item, slice, file: file)
                }
                return partitioned ? item.slices.count : 0
            }
        }
    }

    /// Open descriptors of source files, for copying large payloads with pread.
    private var descriptors = SourceDescriptors()

    func sourceDescriptor(_ file: MappedFile) throws -> Int32 { try descriptors.descriptor(file.path) }

    /// Copies one stored V1 slice. Packed float/double/complex values and
    /// `tensor_content` already are the bundle's bytes and are streamed from the
    /// mapped file; other types go through the TensorProto decoder.
    private func copyV1Slice(_ reader: TensorSliceReader, _ item: TensorSliceReader.Item, _ slice: TensorSlice, file index: Int) throws {
        let table = reader.tables[index]
        let key = OrderedCode.tensorNameSliceKey(name: item.name, slice: slice)
        let sliceShape = try slice.shape(in: item.shape, file: table.name, key: item.name)
        let count = try Tensor.elementCount(sliceShape, file: table.name, key: item.name)
        if try copyLargeV1Payload(reader, item, slice: slice, file: index) { return }
        let direct: Bool = try table.withValue(forKey: key) { value in
            guard let value else {
                throw MetaGraphKitError.sliceNotStored(table.name, key: item.name, slice: slice)
            }
            guard let size = item.dtype.elementSize, let payload = try TensorSliceReader.rawValues(value, dtype: item.dtype, count: count, size: size, file: table.name, key: item.name)
            else { return false }
            try writer.addSliceStreaming(name: item.name, dtype: item.dtype, fullShape: item.shape, slice: slice) {
                try $0.write(payload)
            }
            return true
        }
        if direct { return }
        switch try reader.sliceValues(item, slice, file: index) {
        case .bytes(let b):
            try b.withUnsafeBytes { try writer.addSlice(name: item.name, dtype: item.dtype, fullShape: item.shape, slice: slice, bytes: $0) }
        case .strings(let s):
            try writer.addSlice(name: item.name, fullShape: item.shape, slice: slice, strings: s)
        }
    }

    /// The fast path for a large verbatim payload (≥ 1 MiB of packed float, double,
    /// complex or `tensor_content` bytes) in an uncompressed block: the payload is
    /// copied with `pread`/`write` while its CRC is computed, and the block CRC is
    /// then checked by combining the payload CRC with the CRCs of the bytes before
    /// and after it. The payload is read from memory once and its pages are never
    /// mapped. Returns false (nothing written) when the path does not apply; the
    /// checked path then handles the slice.
    private func copyLargeV1Payload(_ reader: TensorSliceReader, _ item: TensorSliceReader.Item,
                                    slice: TensorSlice, file index: Int) throws -> Bool {
        guard let payload = reader.verbatimPayload(item, slice, file: index) else { return false }
        let fd = try sourceDescriptor(payload.table.file)
        try writer.addSliceStreaming(name: item.name, dtype: item.dtype, fullShape: item.shape, slice: slice) { stream in
            try stream.copy(from: fd, offset: payload.offset, count: payload.count)
            guard payload.blockCRC(payloadCRC: stream.crc) == payload.storedCRC else {
                throw payload.checksumError("slice \(slice) of \(item.name)")
            }
        }
        return true
    }

    // MARK: V2

    func copyV2(_ reader: BundleReader) throws {
        let hidden = reader.sliceKeys()
        let keys = reader.keys.filter { !hidden.contains(TableKey($0)) && $0.first != 0 }
        for keyBytes in keys {
            let entry = reader.entries[keyBytes]!
            let name = BundleReader.display(keyBytes)
            let files = (0..<reader.header.numShards).compactMap { try? reader.shard($0) }
            try tensor(name, total: keys.count, release: files) {
                if entry.slices.isEmpty {
                    try copyV2Plain(reader, entry, name: name, slice: nil, fullShape: entry.shape)
                    return 0
                }
                if options.mergeSlices {
                    try writer.add(reader.tensor(keyBytes), name: name)
                    return 0
                }
                for slice in entry.slices {
                    let sliceKey = OrderedCode.tensorNameSliceKey(name: name, slice: slice)
                    guard let sliceEntry = reader.entries[sliceKey] else {
                        throw MetaGraphKitError.sliceNotStored(reader.indexName, key: name, slice: slice)
                    }
                    try copyV2Plain(reader, sliceEntry, name: name, slice: slice, fullShape: entry.shape)
                }
                return entry.slices.count
            }
        }
    }

    /// Copies one stored payload, re-checking its CRC on the way.
    func copyV2Plain(_ reader: BundleReader, _ entry: BundleEntry, name: String, slice: TensorSlice?, fullShape: [Int]) throws {
        let label = slice.map { "\(name) slice \($0)" } ?? name
        switch entry.dtype {
        case .string:
            let strings = try reader.plainTensor(entry, key: label).strings ?? []
            if let slice {
                try writer.addSlice(name: name, fullShape: fullShape, slice: slice, strings: strings)
            } else {
                try writer.add(name: name, shape: entry.shape, strings: strings)
            }
        case .variant where slice == nil:
            try reader.withPayload(entry, key: label) { payload in
                try reader.checkVariant(entry, key: label, payload: payload, path: reader.dataFileName(entry.shardID))
                try writer.addRaw(name: name, dtype: entry.dtype, shape: entry.shape, payload: payload, maskedCRC: entry.crc32c)
            }
        case let d where d.elementSize != nil:
            // Large payloads: pread/write from the data file, never mapped.
            let fd = entry.size >= 1 << 20 ? try sourceDescriptor(reader.shard(entry.shardID)) : -1
            try reader.withPayload(entry, key: label, checkCRC: false) { payload in
                let produce: (inout PayloadStream) throws -> Void = { stream in
                    if fd >= 0 {
                        try stream.copy(from: fd, offset: Int(entry.offset), count: payload.count)
                    } else {
                        try stream.write(payload)
                    }
                    guard CRC32C.mask(stream.crc) == entry.crc32c else {
                        throw reader.checksumError(reader.dataFileName(entry.shardID), label, entry)
                    }
                }
                if let slice {
                    try writer.addSliceStreaming(name: name, dtype: d, fullShape: fullShape, slice: slice, produce)
                } else {
                    try writer.addStreaming(name: name, dtype: d, shape: entry.shape, produce)
                }
            }
        default:
            throw MetaGraphKitError.unsupported(reader.indexName, "\(label) has dtype \(entry.dtype), which is not copied")
        }
    }
}
