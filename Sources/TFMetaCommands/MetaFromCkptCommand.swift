import ArgumentParser
import MetaGraphKit

extension MetaCommand {
    /// `tfmeta meta from-ckpt PREFIX OUT.meta [--resource|--ref] [--overwrite] [--json]`.
    struct FromCkpt: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "from-ckpt",
            abstract: "Write a variables-only MetaGraphDef (with a V2 saver) for a checkpoint that has no .meta.",
            discussion: """
                One variable per checkpoint key, with its dtype and shape (a partitioned tensor becomes \
                TF1 partitioned variables KEY/part_N with save_slice_info), the variables and \
                trainable_variables collections (model weights are trainable; optimizer slots, EMA and \
                counters are not), and the save/restore subgraph tf.compat.v1.train.Saver builds. \
                tf.compat.v1.train.import_meta_graph(OUT) then saver.restore(sess, PREFIX) works. \
                No computation is recovered: the graph holds variables only. \
                JSON: {"checkpoint", "output", "variables", "keys", "skipped": [{"key", "reason"}], "renamed": [{"key", "name"}]}.
                """)

        @OptionGroup var checkpoint: CheckpointArgument
        @Argument(help: "The .meta to write (.pbtxt for text).")
        var output: String
        @Flag(name: .long, help: "Resource variables: VarHandleOp (the default).")
        var resource = false
        @Flag(name: .long, help: "Reference variables: VariableV2, as TF1 graphs had.")
        var ref = false

        var kind: MetaGraphFromCheckpoint.VariableKind { ref ? .ref : .resource }

        func validate() throws {
            if resource && ref { throw ValidationError("Give --resource or --ref, not both.") }
        }
        @Flag(name: .long, help: "Replace an existing output.")
        var overwrite = false
        @OptionGroup var json: JSONOption

        func run() throws {
            let r = try MetaGraphFromCheckpoint.write(checkpoint: checkpoint.checkpoint, output: output, kind: kind, overwrite: overwrite)
            if json.json {
                print(JSONValue.object([
                    ("checkpoint", .string(r.checkpoint)), ("output", .string(r.output)),
                    ("variables", .int(Int64(r.variables))), ("keys", .int(Int64(r.keys))),
                    ("skipped", .array(r.skipped.map { .object([("key", .string($0.key)), ("reason", .string($0.reason))]) })),
                    ("renamed", .array(r.renamed.map { .object([("key", .string($0.key)), ("name", .string($0.name))]) })),
                ]).serialized(pretty: true))
                return
            }
            for s in r.skipped { FileHandle.standardErrorWrite("skipped \(s.key): \(s.reason)\n") }
            for n in r.renamed { FileHandle.standardErrorWrite("\(n.key): variable named \(n.name) (not a valid op name)\n") }
            print("wrote \(r.output): \(r.variables) \(kind.rawValue) variables for \(r.keys) keys of \(r.checkpoint), with a V2 saver (no computation)")
        }
    }
}
