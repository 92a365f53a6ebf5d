// `tfmeta report`: one self-contained HTML page of a checkpoint or a graph. The page
// is Report/Templates/ (embedded by Scripts/embed-report-templates) with the data
// as one JSON block; nothing is loaded from outside, so it opens offline.
import Foundation

/// Writes a self-contained HTML report of a checkpoint, a `.meta` or a SavedModel.
///
/// For a checkpoint the page shows the bytes by role and by scope (a zoomable
/// treemap), every tensor with its statistics and NaN/±Inf/all-zero flags (a
/// sortable, searchable table), each tensor's value histogram, and the object
/// graph. For a graph it shows the scopes with op counts, device placement,
/// variables, the SaverDef and what it restores, collections and signatures. A
/// SavedModel directory gets both: its meta graphs and its `variables/variables`.
public enum HTMLReport {
    /// Bins of each tensor's value histogram.
    public static let histogramBins = 32

    /// What was written: the summary `tfmeta report --json` prints.
    public struct Result: Sendable, JSONReportable {
        /// The HTML file.
        public var output: String
        /// The input as given.
        public var input: String
        /// `checkpoint`, `meta_graph` or `saved_model`.
        public var kind: String
        /// The checkpoint's statistics, when the input is or holds a checkpoint.
        public var stats: CheckpointStats?
        /// Meta graphs shown, and their nodes.
        public var graphs = 0
        public var nodes = 0
        /// Bytes of the HTML file.
        public var htmlBytes = 0

        /// `{"output", "input", "kind", "html_bytes", "tensors", "bytes", "roles":
        /// [{"role", "tensors", "bytes"}], "flags": {"nan", "pos_inf", "neg_inf",
        /// "all_zero", "unread"} (tensors with each), "flagged": [{"key", "flags":
        /// [String]}], "graphs", "nodes"}`; `tensors`, `bytes` and the flags are 0 and
        /// `roles`/`flagged` empty for a graph without a checkpoint.
        public var jsonValue: JSONValue {
            let tensors = stats?.tensors ?? []
            func count(_ f: String) -> JSONValue { .int(Int64(tensors.filter { HTMLReport.flags($0).contains(f) }.count)) }
            return .object([
                ("output", .string(output)), ("input", .string(input)), ("kind", .string(kind)),
                ("html_bytes", .int(Int64(htmlBytes))),
                ("tensors", .int(Int64(tensors.count))), ("bytes", .int(Int64(stats?.totalBytes ?? 0))),
                ("roles", .array((stats?.roles ?? []).filter { $0.tensors > 0 }.map {
                    .object([("role", .string($0.role.rawValue)), ("tensors", .int(Int64($0.tensors))), ("bytes", .int(Int64($0.bytes)))])
                })),
                ("flags", .object([("nan", count("NaN")), ("pos_inf", count("+Inf")), ("neg_inf", count("-Inf")),
                                   ("all_zero", count("all-zero")), ("unread", count("unread"))])),
                ("flagged", .array(tensors.compactMap { t in
                    let f = HTMLReport.flags(t)
                    return f.isEmpty ? nil : .object([("key", .string(t.key)), ("flags", .array(f.map { .string($0) }))])
                })),
                ("graphs", .int(Int64(graphs))), ("nodes", .int(Int64(nodes))),
            ])
        }

        /// One paragraph for people.
        public var text: String {
            var parts: [String] = []
            if let stats {
                let flagged = stats.tensors.filter { !HTMLReport.flags($0).isEmpty }.count
                parts.append("\(stats.tensors.count) tensors, \(CheckpointStats.size(stats.totalBytes))"
                             + (flagged > 0 ? ", \(flagged) flagged (NaN, ±Inf, all zero or unread)" : ""))
            }
            if graphs > 0 { parts.append("\(graphs) meta graph\(graphs == 1 ? "" : "s"), \(nodes) nodes") }
            return "wrote \(output) (\(CheckpointStats.size(htmlBytes))): \(kind) \(input): " + parts.joined(separator: "; ")
        }
    }

    /// The flags the page shows for a tensor: `unread`, `NaN`, `+Inf`, `-Inf`, `all-zero`.
    public static func flags(_ t: CheckpointStats.TensorStats) -> [String] {
        var f: [String] = []
        if t.message != nil { f.append("unread") }
        if t.nan > 0 { f.append("NaN") }
        if t.positiveInfinity > 0 { f.append("+Inf") }
        if t.negativeInfinity > 0 { f.append("-Inf") }
        if t.elements > 0, t.zeros == t.elements { f.append("all-zero") }
        return f
    }

    /// Reads `input` and writes the report to `output`, atomically.
    ///
    /// - Parameters:
    ///   - input: A checkpoint (any format ``CheckpointReader`` opens), a `.meta`
    ///     (binary or text), a `saved_model.pb`/`.pbtxt` or a SavedModel directory.
    ///   - output: The HTML file to write.
    ///   - overwrite: Replace an existing `output`.
    /// - Returns: What was written.
    /// - Throws: ``MetaGraphKitError`` `exists` when `output` exists without
    ///   `overwrite`; the reader's errors for a damaged input (nothing is written).
    public static func write(input: String, output: String, overwrite: Bool = false) throws -> Result {
        if FileIO.exists(output), !overwrite {
            throw MetaGraphKitError.outputExists(output, "the destination exists")
        }
        var (html, result) = try render(input: input)
        result.output = output
        let bytes = Array(html.utf8)
        result.htmlBytes = bytes.count
        try FileIO.writeAtomically(bytes, to: output)
        return result
    }

    /// The page for `input`, without writing it.
    ///
    /// - Parameter input: As for ``write(input:output:overwrite:)``.
    /// - Returns: The HTML and the summary (its `output` is empty).
    /// - Throws: The readers' ``MetaGraphKitError``s.
    public static func render(input: String) throws -> (html: String, result: Result) {
        var result = Result(output: "", input: input, kind: "checkpoint")
        var fields: [(String, JSONValue)] = [("version", .int(1))]
        var graphs: [JSONValue] = []
        var subtitle: [String] = []
        if let graphFile = graphPath(input) {
            let file = try MetaGraphFile.read(graphFile)
            result.kind = file.kind == .savedModel ? "saved_model" : "meta_graph"
            var metaGraphs: [(String, ProtoMessage)] = []
            if file.kind == .savedModel {
                let model = try SavedModel(file.message, path: file.path)
                for tags in model.tagSets {
                    metaGraphs.append(("Meta graph [\(tags.joined(separator: ", "))]", try model.metaGraph(tags: tags).message))
                }
            } else {
                metaGraphs.append(("Meta graph", file.message))
            }
            for (i, (title, m)) in metaGraphs.enumerated() {
                let (g, nodes) = try graphJSON(m, index: i, title: title, file: file.path)
                graphs.append(g)
                result.nodes += nodes
            }
            result.graphs = metaGraphs.count
            subtitle.append("\(result.kind == "saved_model" ? "SavedModel" : "MetaGraphDef") \(file.path): \(metaGraphs.count) meta graph\(metaGraphs.count == 1 ? "" : "s"), \(result.nodes) nodes")
            // A SavedModel's variables are a checkpoint beside it.
            let dir = FileIO.isDirectory(input) ? input : (graphFile as NSString).deletingLastPathComponent
            let variables = (dir as NSString).appendingPathComponent("variables/variables")
            if file.kind == .savedModel, FileIO.exists(variables + ".index") {
                let (c, stats) = try checkpointJSON(variables)
                fields.append(("checkpoint", c))
                result.stats = stats
                subtitle.append("variables: \(stats.tensors.count) tensors, \(CheckpointStats.size(stats.totalBytes))")
            }
        } else {
            let (c, stats) = try checkpointJSON(input)
            fields.append(("checkpoint", c))
            result.stats = stats
            subtitle.append("\(stats.format) checkpoint \(stats.path): \(stats.tensors.count) tensors, \(CheckpointStats.size(stats.totalBytes))")
        }
        let title = "tfmeta report: " + ((input as NSString).lastPathComponent.isEmpty ? input : (input as NSString).lastPathComponent)
        fields.append(("title", .string(title)))
        fields.append(("subtitle", .string(subtitle.joined(separator: " · "))))
        fields.append(("graphs", .array(graphs)))
        return (page(title: title, data: .object(fields)), result)
    }

    /// The graph file `input` names, or nil when it is a checkpoint: a SavedModel
    /// directory, or a file ending in `.meta`, `.pb`, `.pbtxt` (a `.pb` or `.pbtxt`
    /// other than `saved_model.*` is read as a MetaGraphDef).
    static func graphPath(_ input: String) -> String? {
        if FileIO.isDirectory(input) {
            for name in ["saved_model.pb", "saved_model.pbtxt"] {
                let p = (input as NSString).appendingPathComponent(name)
                if FileIO.exists(p) { return p }
            }
            return nil
        }
        let ext = (input as NSString).pathExtension.lowercased()
        return ["meta", "pb", "pbtxt"].contains(ext) && FileIO.exists(input) ? input : nil
    }

    /// The template filled in: the data as JSON with every `<` escaped, so no
    /// string in it can close the script element.
    static func page(title: String, data: JSONValue) -> String {
        let json = data.serialized().replacingOccurrences(of: "<", with: "\\u003c")
        let escapedTitle = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        var html = ReportTemplates.html
        // The data last, so nothing in it is taken for a placeholder.
        for (name, value) in [("{{TITLE}}", escapedTitle), ("{{CSS}}", ReportTemplates.css), ("{{JS}}", ReportTemplates.js)] {
            html = html.replacingOccurrences(of: name, with: value)
        }
        guard let r = html.range(of: "{{DATA}}") else { return html }
        return html.replacingCharacters(in: r, with: json)
    }

    // MARK: - Checkpoint

    static func checkpointJSON(_ path: String) throws -> (JSONValue, CheckpointStats) {
        let stats = try CheckpointStats.compute(path, histogramBins: histogramBins)
        func num(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
        let columns = ["key", "dtype", "shape", "role", "elements", "bytes", "min", "max", "mean", "std",
                       "nan", "pos_inf", "neg_inf", "zeros", "message", "histogram"]
        let rows: [JSONValue] = stats.tensors.map { s in
            .array([
                .string(s.key), .string(s.dtype.name), .string(s.shape.map(String.init).joined(separator: ",")),
                .string(s.role.rawValue), .int(Int64(s.elements)), .int(Int64(s.bytes)),
                num(s.min), num(s.max), num(s.mean), num(s.std),
                .int(Int64(s.nan)), .int(Int64(s.positiveInfinity)), .int(Int64(s.negativeInfinity)), .int(Int64(s.zeros)),
                s.message.map { .string($0) } ?? .null, .array(s.histogram.map { .int(Int64($0)) }),
            ])
        }
        var objectGraph: JSONValue = .null
        let reader = try CheckpointReader(path: path)
        if let graph = try? reader.objectGraph() {
            objectGraph = .object([("nodes", .array(graph.nodes.map { n in
                .object([
                    ("children", .array(n.children.map { .array([.int(Int64($0.nodeID)), .string($0.localName)]) })),
                    ("attributes", .array(n.attributes.map { .array([.string($0.name), .string($0.fullName), .string($0.checkpointKey)]) })),
                    ("slots", .array(n.slotVariables.map {
                        .array([.int(Int64($0.originalVariableNodeID)), .string($0.slotName), .int(Int64($0.slotVariableNodeID))])
                    })),
                ])
            }))])
        }
        let json: JSONValue = .object([
            ("path", .string(stats.path)), ("format", .string(stats.format)), ("bytes", .int(Int64(stats.totalBytes))),
            ("roles", .array(stats.roles.map {
                .object([("role", .string($0.role.rawValue)), ("tensors", .int(Int64($0.tensors))),
                         ("elements", .int(Int64($0.elements))), ("bytes", .int(Int64($0.bytes)))])
            })),
            ("columns", .array(columns.map { .string($0) })), ("tensors", .array(rows)),
            ("object_graph", objectGraph),
        ])
        return (json, stats)
    }

    // MARK: - Graph

    static func graphJSON(_ m: ProtoMessage, index: Int, title: String, file: String) throws -> (JSONValue, Int) {
        let summary = try MetaGraphSummary(m)
        let snapshot = try GraphSnapshot(m)
        let variables = try MetaGraphVariables.list(m, file: file)
        let saver = try SaverCheck.check(m)
        // What the saver restores: the variables its restore ops assign, under its scope.
        var restores: [String] = []
        if saver.saver != nil {
            let prefix = saver.scope.isEmpty ? "" : saver.scope + "/"
            var seen = Set<String>()
            for n in snapshot.nodes where n.name.hasPrefix(prefix)
                && ["Assign", "AssignVariableOp"].contains(n.op) {
                guard var target = n.inputs.first, !target.hasPrefix("^") else { continue }
                if let colon = target.lastIndex(of: ":") { target = String(target[..<colon]) }
                if seen.insert(target).inserted { restores.append(target) }
            }
        }
        let json: JSONValue = .object([
            ("index", .int(Int64(index))), ("title", .string(title)),
            ("summary", summary.jsonValue), ("saver", saver.jsonValue),
            ("restores", .array(restores.map { .string($0) })),
            ("variables", .array(variables.map(\.jsonValue))),
            ("nodes", .array(snapshot.nodes.map { .array([.string($0.name), .string($0.op), .string($0.device)]) })),
        ])
        return (json, snapshot.nodes.count)
    }
}
