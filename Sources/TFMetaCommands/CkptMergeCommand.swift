import ArgumentParser
import MetaGraphKit

extension CkptCommand {
    /// `tfmeta ckpt merge PART... DST [--remove-parts] [--overwrite] [--json]`.
    ///
    /// JSON shape: `{"parts": [...], "destination", "entries", "data_files",
    /// "linked_data_files", "data_bytes", "index_bytes", "removed_parts", "seconds"}`.
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Merge partial V2 checkpoints into one, as TensorFlow's MergeV2Checkpoints does.",
            discussion: """
                Each PART is a V2 prefix: a unit written by `ckpt migrate SRC PART --source-shard I`, or \
                the per-device bundle of a sharded save. The merged index is TensorFlow's byte for byte \
                (entries sorted, data files numbered in the order first met, the slices of a partitioned \
                tensor held by several parts joined). No payload is read or copied: the merged data files \
                are hard links to the parts' where the file system allows, copies otherwise. The parts are \
                left as they are unless --remove-parts, which deletes them once DST is in place. A tensor \
                held whole by two parts is an error.
                """)

        @Argument(help: ArgumentHelp("The parts to merge, in order, then the V2 prefix to write.", valueName: "PART... DST"))
        var paths: [String]

        @Flag(name: .long, help: "Delete the parts' files once the merged checkpoint is in place.")
        var removeParts = false

        @OptionGroup var overwrite: OverwriteOption
        @OptionGroup var output: JSONOption

        func validate() throws {
            guard paths.count >= 2 else { throw ValidationError("Give at least one part and the destination prefix.") }
        }

        func run() throws {
            var options = CheckpointMerge.Options()
            options.overwrite = overwrite.overwrite
            options.removeParts = removeParts
            let result = try CheckpointMerge.merge(parts: Array(paths.dropLast()), into: paths[paths.count - 1], options: options)
            print(output.json ? result.jsonValue.serialized(pretty: true) : result.text)
        }
    }
}
