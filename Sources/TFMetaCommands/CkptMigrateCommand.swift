import ArgumentParser
import Foundation
import MetaGraphKit
#if canImport(Glibc)
import Glibc
#endif

extension CkptCommand {
    /// `tfmeta ckpt migrate SRC DST [--shards N] [--merge-slices] [--skip-damaged] [--overwrite] [--json]`.
    ///
    /// JSON shape (one checkpoint): `{"source", "destination", "source_format",
    /// "tensors", "slices", "bytes", "seconds", "files", "skipped": [{"name",
    /// "reason"}], "meta_graph": {"source", "destination", "outcome", "note"}|null}`; directory mode: `{"source", "destination", "state_file",
    /// "tensors", "bytes", "seconds", "checkpoints": [...], "meta_graphs": [{"source",
    /// "destination", "outcome", "note"}], "missing": [...]}`.
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Convert a V1 checkpoint (or a whole checkpoint directory) to V2, tensor by tensor.",
            discussion: """
                SRC is a V1 file, a V1 shard pattern (PREFIX-?????-of-NNNNN) or sharded prefix, or a V2 \
                prefix (re-sharded, checksums re-checked); DST is the V2 prefix to write, and SRC's .meta, if any, \
                comes along as DST.meta with its saver switched to V2. When SRC is a \
                directory, every checkpoint its state file lists is migrated into the directory DST, each \
                .meta is carried along with its V1 saver (sharded or not) rewritten to save and restore V2, and DST/checkpoint \
                is written with relative paths. Memory stays bounded by the largest slice. Partitioned \
                variables keep their slices unless --merge-slices. Payloads of 1 MiB and more are copied on \
                --jobs threads (sharded sources spread over the cores), into places fixed in advance: the \
                output is the same byte for byte for any --jobs (--skip-damaged copies in turn). Nothing is \
                left behind on failure or Ctrl-C; SRC is never modified.
                """
        )

        @Argument(help: "The source checkpoint (V1 file or pattern, V2 prefix) or checkpoint directory.")
        var source: String

        @Argument(help: "The V2 prefix to write, or the destination directory in directory mode.")
        var destination: String

        @OptionGroup var writing: CheckpointOutputOptions

        @Flag(name: .long, help: "Write partitioned variables as whole tensors instead of keeping their slices.")
        var mergeSlices = false

        @Flag(name: .long, help: "Leave out (and list) tensors whose checksum fails instead of stopping.")
        var skipDamaged = false

        @OptionGroup var threads: JobsOption

        @Option(name: .long, help: ArgumentHelp("Copy only the tensors stored in data file I of a V2 SRC (file I of a V1 pattern): one unit of a migration spread over machines; `ckpt merge` (or TensorFlow's MergeV2Checkpoints) joins the units.", valueName: "I"))
        var sourceShard: Int?

        @OptionGroup var output: JSONOption

        func run() throws {
            var options = Migration.Options(writing: writing.writeOptions())
            options.mergeSlices = mergeSlices
            options.skipDamaged = skipDamaged
            options.jobs = threads.count
            options.sourceShard = sourceShard
            // A checkpoint directory is migrated whole; a SavedModel directory is its variables/variables.
            var isDirectory: ObjCBool = false
            if Foundation.FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue,
               InputIdentification.identify(source).kind != .savedModelDirectory {
                let summary = try Migration.migrateDirectory(source: source, destination: destination, options: options)
                print(output.json ? summary.jsonValue.serialized(pretty: true) : summary.text)
            } else {
                let summary = try Migration.migrate(source: source, destination: destination, options: options)
                print(output.json ? summary.jsonValue.serialized(pretty: true) : summary.textWithMetaGraph)
            }
        }
    }
}
