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
            if output.json {
                print(JSONValue.object([
                    ("file", .string(meta.path)),
                    ("kind", .string(meta.kind.rawValue)),
                    ("encoding", .string(meta.encoding.rawValue)),
                    ("meta_graphs", .array(meta.summaries.map(\.jsonValue))),
                ]).serialized(pretty: true))
            } else {
                print(MetaReport.text(path: meta.path, kind: meta.kind, encoding: meta.encoding, meta.summaries))
            }
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


/// The human-readable form of `meta inspect`.
enum MetaReport {
    static func text(path: String, kind: MetaGraphFile.Kind, encoding: ProtoFileEncoding,
                     _ summaries: [MetaGraphSummary]) -> String {
        var lines: [String] = []
        lines.append("File: \(path) (\(kind.rawValue), \(encoding.rawValue))")
        for (i, s) in summaries.enumerated() {
            if summaries.count > 1 || kind == .savedModel {
                lines.append("")
                lines.append("Meta graph \(i + 1) of \(summaries.count), tags: \(s.tags.isEmpty ? "(none)" : s.tags.joined(separator: ", "))")
            } else {
                lines.append("Tags: \(s.tags.isEmpty ? "(none)" : s.tags.joined(separator: ", "))")
            }
            let git = s.tensorflowGitVersion.isEmpty ? "" : " (\(s.tensorflowGitVersion))"
            lines.append("TensorFlow: \(s.tensorflowVersion.isEmpty ? "unknown" : s.tensorflowVersion)\(git)")
            lines.append("Graph: \(s.nodeCount) nodes, \(s.functionCount) functions, producer \(s.graphProducer), \(s.strippedOpCount) ops in the stripped op list\(s.strippedDefaultAttrs ? ", default attrs stripped" : "")")
            if !s.opHistogram.isEmpty {
                let top = s.opHistogram.prefix(12).map { "\($0.op) \($0.count)" }.joined(separator: ", ")
                let more = s.opHistogram.count > 12 ? ", … \(s.opHistogram.count - 12) more" : ""
                lines.append("Ops: \(top)\(more)")
            }
            if s.collections.isEmpty {
                lines.append("Collections: (none)")
            } else {
                lines.append("Collections:")
                let width = s.collections.map(\.name.count).max() ?? 0
                for c in s.collections {
                    lines.append("  \(c.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(c.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  \(c.count)")
                }
            }
            if s.signatures.isEmpty {
                lines.append("Signatures: (none)")
            } else {
                lines.append("Signatures:")
                for sig in s.signatures {
                    lines.append("  \(sig.key) (\(sig.methodName))")
                    for (label, infos) in [("input", sig.inputs), ("output", sig.outputs)] {
                        for t in infos {
                            let shape = t.shape.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? "unknown rank"
                            lines.append("    \(label) \(t.key): \(t.dtype) \(shape) \(t.name)")
                        }
                    }
                }
            }
            if let saver = s.saver {
                lines.append("Saver: \(saver.version), filename \(saver.filenameTensorName), save \(saver.saveTensorName), restore \(saver.restoreOpName), max_to_keep \(saver.maxToKeep), sharded \(saver.sharded ? "yes" : "no")")
            } else {
                lines.append("Saver: (none)")
            }
            if s.assetFileCount > 0 { lines.append("Assets: \(s.assetFileCount)") }
            lines.append("Object graph: \(s.hasObjectGraph ? "yes" : "no")")
        }
        return lines.joined(separator: "\n")
    }
}
