// What `tfmeta meta inspect` reports: a `.meta` or SavedModel file summarized,
// as JSON and as text.
import Foundation

/// A `.meta` file or SavedModel summarized without decoding every node
/// (``MetaGraphFile/inspect(_:)``).
///
/// The JSON shape (``jsonValue``) is stable: `{"file", "kind": "meta_graph" |
/// "saved_model", "encoding": "binary" | "text", "meta_graphs":
/// [``MetaGraphSummary/jsonValue``]}`.
public struct MetaGraphInspection: Sendable, Hashable, JSONReportable {
    /// The file read (for a SavedModel directory, its `saved_model.pb` or `.pbtxt`).
    public var path: String
    /// Whether it is a MetaGraphDef or a SavedModel.
    public var kind: MetaGraphFile.Kind
    /// The encoding it was read in.
    public var encoding: ProtoFileEncoding
    /// One summary per meta graph (one for a `.meta`).
    public var summaries: [MetaGraphSummary]

    /// The report as JSON, in the shape documented on the type.
    public var jsonValue: JSONValue {
        .object([
            ("file", .string(path)),
            ("kind", .string(kind.rawValue)),
            ("encoding", .string(encoding.rawValue)),
            ("meta_graphs", .array(summaries.map(\.jsonValue))),
        ])
    }

    /// The report for people: the file, then per meta graph its tags, versions, ops,
    /// collections, signatures, saver, assets and object graph.
    public var text: String {
        var lines: [String] = []
        lines.append("File: \(path) (\(kind.rawValue), \(encoding.rawValue))")
        for (i, s) in summaries.enumerated() {
            if summaries.count > 1 || kind == .savedModel {
                lines.append("")
                lines.append("Meta graph \(i + 1) of \(summaries.count), tags: \(s.tags.isEmpty ? "(none)" : s.tags.joined(separator: ", "))")
            } else {
                lines.append("Tags: \(s.tags.isEmpty ? "(none)" : s.tags.joined(separator: ", "))")
            }
            lines += s.textLines
        }
        return lines.joined(separator: "\n")
    }
}

extension MetaGraphSummary {
    /// The lines of `meta inspect`'s text for one meta graph, after its tags.
    var textLines: [String] {
        var lines: [String] = []
        let git = tensorflowGitVersion.isEmpty ? "" : " (\(tensorflowGitVersion))"
        lines.append("TensorFlow: \(tensorflowVersion.isEmpty ? "unknown" : tensorflowVersion)\(git)")
        lines.append("Graph: \(nodeCount) nodes, \(functionCount) functions, producer \(graphProducer), \(strippedOpCount) ops in the stripped op list\(strippedDefaultAttrs ? ", default attrs stripped" : "")")
        if !opHistogram.isEmpty {
            let top = opHistogram.prefix(12).map { "\($0.op) \($0.count)" }.joined(separator: ", ")
            let more = opHistogram.count > 12 ? ", … \(opHistogram.count - 12) more" : ""
            lines.append("Ops: \(top)\(more)")
        }
        if collections.isEmpty {
            lines.append("Collections: (none)")
        } else {
            lines.append("Collections:")
            let width = collections.map(\.name.count).max() ?? 0
            for c in collections {
                lines.append("  \(c.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(c.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  \(c.count)")
            }
        }
        if signatures.isEmpty {
            lines.append("Signatures: (none)")
        } else {
            lines.append("Signatures:")
            for sig in signatures {
                lines.append("  \(sig.key) (\(sig.methodName))")
                for (label, infos) in [("input", sig.inputs), ("output", sig.outputs)] {
                    for t in infos {
                        let shape = t.shape.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? "unknown rank"
                        lines.append("    \(label) \(t.key): \(t.dtype) \(shape) \(t.name)")
                    }
                }
            }
        }
        if let saver {
            lines.append("Saver: \(saver.version), filename \(saver.filenameTensorName), save \(saver.saveTensorName), restore \(saver.restoreOpName), max_to_keep \(saver.maxToKeep), sharded \(saver.sharded ? "yes" : "no")")
        } else {
            lines.append("Saver: (none)")
        }
        if assetFileCount > 0 { lines.append("Assets: \(assetFileCount)") }
        lines.append("Object graph: \(hasObjectGraph ? "yes" : "no")")
        return lines
    }
}
