import ArgumentParser
import Foundation
import MetaGraphKit

/// `tfmeta meta`: MetaGraphDef (.meta) and SavedModel files.
struct MetaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta",
        abstract: "Inspect and convert MetaGraphDef (.meta) and SavedModel files.",
        subcommands: [Inspect.self, Convert.self, Rescope.self, Variables.self, Saver.self, Extract.self, Diff.self,
                      FromCkpt.self]
    )
}

extension MetaCommand {
    /// `tfmeta meta inspect FILE [--json]`
    ///
    /// JSON shape: `{"file", "kind": "meta_graph"|"saved_model", "encoding": "binary"|"text",
    /// "meta_graphs": [MetaGraphSummary.jsonValue]}` (see the README).
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarize a .meta file (binary or text) or a SavedModel.",
            discussion: """
                Prints tags, TensorFlow version, node count and op histogram, collections \
                with their kinds and sizes, signatures, the saver, and whether a SavedModel \
                object graph is present. FILE may be a SavedModel directory.
                """
        )

        @Argument(help: "A .meta file, a saved_model.pb, or a SavedModel directory.")
        var file: String

        @OptionGroup var output: JSONOption

        func run() throws {
            let meta = try MetaGraphFile.inspect(file)
            print(output.json ? meta.jsonValue.serialized(pretty: true) : meta.text)
        }
    }

    /// `tfmeta meta convert IN OUT [--to binary|text|json]`
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a .meta or saved_model.pb between binary, text and JSON.",
            discussion: """
                The output encoding follows OUT's extension (.meta/.pb binary, .pbtxt/.txt \
                text, .json JSON) unless --to says otherwise. OUT is written atomically; the \
                input is never modified.
                """
        )

        @Argument(help: "The input: .meta (binary or text), saved_model.pb, or a SavedModel directory.")
        var input: String

        @Argument(help: "The output file.")
        var output: String

        @Option(name: .long, help: "The output encoding: binary, text or json (default: from OUT's extension).")
        var to: String?

        @OptionGroup var writing: OverwriteOption

        func validate() throws {
            if let to, ProtoFileEncoding(rawValue: to) == nil {
                throw ValidationError("--to must be binary, text or json, not '\(to)'")
            }
        }

        func run() throws {
            let meta = try MetaGraphFile.read(input)
            let encoding = to.flatMap(ProtoFileEncoding.init(rawValue:)) ?? ProtoFileEncoding.implied(by: output)
            try meta.write(to: output, as: encoding, overwrite: writing.overwrite)
            print("Wrote \(output) (\(encoding.rawValue), \(meta.kind.rawValue))")
        }
    }
}
