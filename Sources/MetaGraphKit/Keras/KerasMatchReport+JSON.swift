// The `ckpt to-keras` report, as text and as JSON.

extension KerasMatchReport: JSONReportable {
    private static func ints(_ s: [Int]) -> JSONValue { .array(s.map { .int(Int64($0)) }) }
    private static func str(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

    /// JSON: `{"source", "template", "complete", "pairs": [{"template", "layer_class",
    /// "variable", "source", "reasons": [str], "transform", "dtype", "shape"}],
    /// "unmatched": [{"template", "layer_class", "variable", "dtype", "shape",
    /// "candidates": [str], "note": str|null}], "unused_sources": [str], "dropped": [str],
    /// "optimizer": {"template_has_optimizer", "left_out": [str]}}`; absent values are null.
    public var jsonValue: JSONValue {
        .object([
            ("source", .string(source)), ("template", .string(template)), ("complete", .bool(complete)),
            ("pairs", .array(pairs.map { p in
                .object([("template", .string(p.template)), ("layer_class", Self.str(p.layerClass)),
                         ("variable", Self.str(p.variable)), ("source", Self.str(p.source)),
                         ("reasons", .array(p.reasons.map { .string($0) })), ("transform", Self.str(p.transform)),
                         ("dtype", .string(p.dtype.name)), ("shape", Self.ints(p.shape))])
            })),
            ("unmatched", .array(unmatched.map { u in
                .object([("template", .string(u.template)), ("layer_class", Self.str(u.layerClass)),
                         ("variable", Self.str(u.variable)), ("dtype", .string(u.dtype.name)), ("shape", Self.ints(u.shape)),
                         ("candidates", .array(u.candidates.map { .string($0) })), ("note", Self.str(u.note))])
            })),
            ("unused_sources", .array(unusedSources.map { .string($0) })),
            ("dropped", .array(dropped.map { .string($0) })),
            ("optimizer", .object([("template_has_optimizer", .bool(templateHasOptimizer)),
                                   ("left_out", .array(optimizerLeftOut.map { .string($0) }))])),
        ])
    }

    /// One line per template variable, then what is unmatched, unused or left out.
    public var text: String {
        var lines: [String] = []
        let width = pairs.map(\.template.count).max() ?? 0
        for p in pairs {
            let pad = String(repeating: " ", count: max(0, width - p.template.count))
            let what = [p.layerClass, p.variable].compactMap { $0 }.joined(separator: " ")
            let from = p.source ?? "(template value)"
            let transform = p.transform.map { ", \($0)" } ?? ""
            lines.append("\(p.template)\(pad)  ← \(from)  [\(p.reasons.joined(separator: ", "))\(transform)]  \(what) \(p.dtype.name)\(p.shape)")
        }
        for u in unmatched {
            let what = [u.layerClass, u.variable].compactMap { $0 }.joined(separator: " ")
            let near = u.candidates.isEmpty ? "no source of that shape" : "closest: " + u.candidates.joined(separator: ", ")
            lines.append("UNMATCHED \(u.template) (\(what) \(u.dtype.name)\(u.shape)); \(near)" + (u.note.map { "; \($0)" } ?? ""))
        }
        if !unusedSources.isEmpty { lines.append("unused source keys: " + unusedSources.joined(separator: ", ")) }
        if !dropped.isEmpty { lines.append("dropped: " + dropped.joined(separator: ", ")) }
        if !optimizerLeftOut.isEmpty {
            lines.append("optimizer state left out (\(templateHasOptimizer ? "not matched to the template's optimizer" : "the template has no optimizer variables")): "
                + optimizerLeftOut.joined(separator: ", "))
        }
        lines.append("\(pairs.count) of \(pairs.count + unmatched.count) template variables matched" + (complete ? "" : "; \(unmatched.count) unset (use --fill-from-template to keep the template's values)"))
        return lines.joined(separator: "\n")
    }
}

extension KerasConversion.Result: JSONReportable {
    /// JSON: `{"destination", "tensors", "bytes", "match": <report>}` (destination null when nothing was written).
    public var jsonValue: JSONValue {
        .object([("destination", destination.map { .string($0) } ?? .null), ("tensors", .int(Int64(tensors))),
                 ("bytes", .int(Int64(bytes))), ("match", report.jsonValue)])
    }

    /// The report, then what was written.
    public var text: String {
        report.text + (destination.map { "\nwrote \($0): \(tensors) tensors, \(bytes) bytes" } ?? "")
    }
}
