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
            // Flags are counted from each tensor's numbers: no key is made but the flagged ones'.
            var counts: [String: Int64] = [:]
            var flagged: [JSONValue] = []
            if let stats {
                for i in 0..<stats.count {
                    let f = HTMLReport.flags(stats.counts(i))
                    guard !f.isEmpty else { continue }
                    for name in f { counts[name, default: 0] += 1 }
                    flagged.append(.object([("key", .string(stats.tensor(i).key)), ("flags", .array(f.map { .string($0) }))]))
                }
            }
            func count(_ f: String) -> JSONValue { .int(counts[f] ?? 0) }
            return .object([
                ("output", .string(output)), ("input", .string(input)), ("kind", .string(kind)),
                ("html_bytes", .int(Int64(htmlBytes))),
                ("tensors", .int(Int64(stats?.count ?? 0))), ("bytes", .int(Int64(stats?.totalBytes ?? 0))),
                ("roles", .array((stats?.roles ?? []).filter { $0.tensors > 0 }.map {
                    .object([("role", .string($0.role.rawValue)), ("tensors", .int(Int64($0.tensors))), ("bytes", .int(Int64($0.bytes)))])
                })),
                ("flags", .object([("nan", count("NaN")), ("pos_inf", count("+Inf")), ("neg_inf", count("-Inf")),
                                   ("all_zero", count("all-zero")), ("unread", count("unread"))])),
                ("flagged", .array(flagged)),
                ("graphs", .int(Int64(graphs))), ("nodes", .int(Int64(nodes))),
            ])
        }

        /// One paragraph for people.
        public var text: String {
            var parts: [String] = []
            if let stats {
                let flagged = (0..<stats.count).filter { !HTMLReport.flags(stats.counts($0)).isEmpty }.count
                parts.append("\(stats.count) tensors, \(CheckpointStats.size(stats.totalBytes))"
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
    /// The page is written as it is made: the per-tensor and per-node arrays go
    /// out row by row, so memory follows the checkpoint's compact statistics, not
    /// the size of the page.
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
        var (page, result) = try prepare(input: input)
        result.output = output
        let file = try AtomicOutputFile(path: output)
        var failure: Error?
        page.write { bytes in
            guard failure == nil else { return }
            do { try file.write(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
        result.htmlBytes = file.offset
        try file.commit(sync: true)
        return result
    }

    /// The page for `input`, without writing it.
    ///
    /// - Parameter input: As for ``write(input:output:overwrite:)``.
    /// - Returns: The HTML and the summary (its `output` is empty).
    /// - Throws: The readers' ``MetaGraphKitError``s.
    public static func render(input: String) throws -> (html: String, result: Result) {
        let (page, result) = try prepare(input: input)
        var bytes: [UInt8] = []
        page.write { bytes.append(contentsOf: $0) }
        return (String(decoding: bytes, as: UTF8.self), result)
    }

    /// The page's parts for `input`, and the summary.
    static func prepare(input: String) throws -> (Page, Result) {
        var result = Result(output: "", input: input, kind: "checkpoint")
        var fields: [(String, JSONValue)] = [("version", .int(1))]
        var graphs: [JSONValue] = []
        var arrays: [String: JSONStreamedArray] = [:]
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
                let (g, nodes) = try graphJSON(m, index: i, title: title, file: file.path, arrays: &arrays)
                graphs.append(g)
                result.nodes += nodes
            }
            result.graphs = metaGraphs.count
            subtitle.append("\(result.kind == "saved_model" ? "SavedModel" : "MetaGraphDef") \(file.path): \(metaGraphs.count) meta graph\(metaGraphs.count == 1 ? "" : "s"), \(result.nodes) nodes")
            // A SavedModel's variables are a checkpoint beside it.
            let dir = FileIO.isDirectory(input) ? input : (graphFile as NSString).deletingLastPathComponent
            let variables = (dir as NSString).appendingPathComponent("variables/variables")
            if file.kind == .savedModel, FileIO.exists(variables + ".index") {
                let (c, stats) = try checkpointJSON(variables, arrays: &arrays)
                fields.append(("checkpoint", c))
                result.stats = stats
                subtitle.append("variables: \(stats.count) tensors, \(CheckpointStats.size(stats.totalBytes))")
            }
        } else {
            let (c, stats) = try checkpointJSON(input, arrays: &arrays)
            fields.append(("checkpoint", c))
            result.stats = stats
            subtitle.append("\(stats.format) checkpoint \(stats.path): \(stats.count) tensors, \(CheckpointStats.size(stats.totalBytes))")
        }
        let title = "tfmeta report: " + ((input as NSString).lastPathComponent.isEmpty ? input : (input as NSString).lastPathComponent)
        fields.append(("title", .string(title)))
        fields.append(("subtitle", .string(subtitle.joined(separator: " · "))))
        fields.append(("graphs", .array(graphs)))
        return (Page(title: title, data: .object(fields), arrays: arrays), result)
    }

    /// The template filled in, written in pieces: the data as JSON with every `<`
    /// escaped, so no string in it can close the script element.
    struct Page {
        /// The template up to the data, and after it.
        let head: String, tail: String
        /// Nil when the template has no `{{DATA}}`.
        let data: JSONValue?
        /// The per-tensor and per-node arrays of `data`, by their placeholders.
        let arrays: [String: JSONStreamedArray]

        init(title: String, data: JSONValue, arrays: [String: JSONStreamedArray]) {
            let escapedTitle = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            var html = ReportTemplates.html
            // The data last, so nothing in it is taken for a placeholder.
            for (name, value) in [("{{TITLE}}", escapedTitle), ("{{CSS}}", ReportTemplates.css), ("{{JS}}", ReportTemplates.js)] {
                html = html.replacingOccurrences(of: name, with: value)
            }
            if let r = html.range(of: "{{DATA}}") {
                head = String(html[..<r.lowerBound])
                tail = String(html[r.upperBound...])
                self.data = data
            } else {
                head = html
                tail = ""
                self.data = nil
            }
            self.arrays = arrays
        }

        static let escapedLessThan = Array("\\u003c".utf8)

        /// Hands the page's bytes to `sink`, in order.
        func write(_ sink: (UnsafeRawBufferPointer) -> Void) {
            var head = head, tail = tail
            head.withUTF8 { sink(UnsafeRawBufferPointer($0)) }
            data?.writeSerialized(pretty: false, arrays: arrays) { piece in
                // `<` is one byte in UTF-8 and never part of another character.
                var from = 0
                for (i, byte) in piece.enumerated() where byte == UInt8(ascii: "<") {
                    sink(UnsafeRawBufferPointer(rebasing: piece[from..<i]))
                    Page.escapedLessThan.withUnsafeBytes(sink)
                    from = i + 1
                }
                sink(UnsafeRawBufferPointer(rebasing: piece[from...]))
            }
            tail.withUTF8 { sink(UnsafeRawBufferPointer($0)) }
        }
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

    // MARK: - Checkpoint

    /// The checkpoint's part of the data; its `tensors` rows and object-graph
    /// nodes are streamed arrays (added to `arrays`).
    static func checkpointJSON(_ path: String, arrays: inout [String: JSONStreamedArray]) throws -> (JSONValue, CheckpointStats) {
        let stats = try CheckpointStats.compute(path, histogramBins: histogramBins)
        func num(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
        let columns = ["key", "dtype", "shape", "role", "elements", "bytes", "min", "max", "mean", "std",
                       "nan", "pos_inf", "neg_inf", "zeros", "message", "histogram"]
        let rowsSlot = "\u{0}tensors \(arrays.count)"
        arrays[rowsSlot] = JSONStreamedArray(count: stats.count) { i in
            let s = stats.tensor(i)
            return .array([
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
            let nodesSlot = "\u{0}object graph \(arrays.count)"
            let nodes = graph.nodes
            arrays[nodesSlot] = JSONStreamedArray(count: nodes.count) { i in
                let n = nodes[i]
                return .object([
                    ("children", .array(n.children.map { .array([.int(Int64($0.nodeID)), .string($0.localName)]) })),
                    ("attributes", .array(n.attributes.map { .array([.string($0.name), .string($0.fullName), .string($0.checkpointKey)]) })),
                    ("slots", .array(n.slotVariables.map {
                        .array([.int(Int64($0.originalVariableNodeID)), .string($0.slotName), .int(Int64($0.slotVariableNodeID))])
                    })),
                ])
            }
            objectGraph = .object([("nodes", .string(nodesSlot))])
        }
        let json: JSONValue = .object([
            ("path", .string(stats.path)), ("format", .string(stats.format)), ("bytes", .int(Int64(stats.totalBytes))),
            ("roles", .array(stats.roles.map {
                .object([("role", .string($0.role.rawValue)), ("tensors", .int(Int64($0.tensors))),
                         ("elements", .int(Int64($0.elements))), ("bytes", .int(Int64($0.bytes)))])
            })),
            ("columns", .array(columns.map { .string($0) })), ("tensors", .string(rowsSlot)),
            ("object_graph", objectGraph),
        ])
        return (json, stats)
    }

    // MARK: - Graph

    /// Meta graph `index`'s part of the data; its `nodes` are a streamed array
    /// (added to `arrays`).
    static func graphJSON(_ m: ProtoMessage, index: Int, title: String, file: String,
                          arrays: inout [String: JSONStreamedArray]) throws -> (JSONValue, Int) {
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
        let nodes = snapshot.nodes
        let nodesSlot = "\u{0}nodes \(arrays.count)"
        arrays[nodesSlot] = JSONStreamedArray(count: nodes.count) { i in
            .array([.string(nodes[i].name), .string(nodes[i].op), .string(nodes[i].device)])
        }
        let json: JSONValue = .object([
            ("index", .int(Int64(index))), ("title", .string(title)),
            ("summary", summary.jsonValue), ("saver", saver.jsonValue),
            ("restores", .array(restores.map { .string($0) })),
            ("variables", .array(variables.map(\.jsonValue))),
            ("nodes", .string(nodesSlot)),
        ])
        return (json, snapshot.nodes.count)
    }
}
