// The diff's JSON shape and its text report.
import Foundation

extension CheckpointDiff: JSONReportable {
    /// Counts of the outcomes.
    public var counts: [(String, Int)] {
        func n(_ s: Status) -> Int { tensors.filter { $0.status == s }.count }
        return [("identical", n(.identical)), ("close", n(.close)), ("different", n(.different)),
                ("dtype_changed", n(.dtypeChanged)), ("shape_changed", n(.shapeChanged)), ("unreadable", n(.unreadable)),
                ("only_in_a", onlyInA.count), ("only_in_b", onlyInB.count)]
    }

    /// `{"a", "b", "format_a", "format_b", "rtol", "atol", "equal", "counts": {…},
    /// "only_in_a": [{"key", "dtype", "shape"}], "only_in_b": […], "dropped_b": [str],
    /// "unmatched_rules": [str],
    /// "tensors": [{"key", "key_b", "status", "dtype_a", "dtype_b", "shape_a", "shape_b",
    /// "identical_bytes", "elements", "differing", "not_close", "max_abs_diff",
    /// "mean_abs_diff", "max_diff_at", "a_value", "b_value", "allclose", "message"}]}`.
    public var jsonValue: JSONValue {
        func entry(_ e: TensorEntry) -> JSONValue {
            .object([("key", .string(e.key)), ("dtype", .string(e.dtype.name)), ("shape", .array(e.shape.map { .int(Int64($0)) }))])
        }
        func num(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
        return .object([
            ("a", .string(a)), ("b", .string(b)), ("format_a", .string(formatA)), ("format_b", .string(formatB)),
            ("rtol", .double(options.rtol)), ("atol", .double(options.atol)), ("equal", .bool(equal)),
            ("counts", .object(counts.map { ($0.0, .int(Int64($0.1))) })),
            ("only_in_a", .array(onlyInA.map(entry))), ("only_in_b", .array(onlyInB.map(entry))),
            ("dropped_b", .array(droppedB.map { .string($0) })),
            ("unmatched_rules", .array(unmatchedRules.map { .string($0) })),
            ("tensors", .array(tensors.map { t in
                .object([
                    ("key", .string(t.key)), ("key_b", .string(t.keyB)), ("status", .string(t.status.rawValue)),
                    ("dtype_a", .string(t.dtypeA.name)), ("dtype_b", .string(t.dtypeB.name)),
                    ("shape_a", .array(t.shapeA.map { .int(Int64($0)) })), ("shape_b", .array(t.shapeB.map { .int(Int64($0)) })),
                    ("identical_bytes", t.identicalBytes.map { .bool($0) } ?? .null),
                    ("elements", .int(Int64(t.elements))), ("differing", .int(Int64(t.differing))),
                    ("not_close", .int(Int64(t.notClose))),
                    ("max_abs_diff", num(t.maxAbsDiff)), ("mean_abs_diff", num(t.meanAbsDiff)),
                    ("max_diff_at", t.maxAt.map { .array($0.map { .int(Int64($0)) }) } ?? .null),
                    ("a_value", num(t.valueA)), ("b_value", num(t.valueB)),
                    ("allclose", .bool(t.allclose)), ("message", t.message.map { .string($0) } ?? .null),
                ])
            })),
        ])
    }

    /// The report: one line per key that is not identical (all keys with
    /// `verbose`), then the counts and the verdict.
    public func text(verbose: Bool = false) -> String {
        var lines: [String] = []
        func g(_ d: Double) -> String { d == 0 ? "0" : JSONValue.double(d).serialized().replacingOccurrences(of: "\"", with: "") }
        for e in onlyInA { lines.append("only in A: \(e.key)  \(e.dtype.name) \(e.shape)") }
        for e in onlyInB { lines.append("only in B: \(e.key)  \(e.dtype.name) \(e.shape)") }
        for t in tensors where verbose || t.status != .identical {
            let name = t.key == t.keyB ? t.key : "\(t.key) (B: \(t.keyB))"
            switch t.status {
            case .shapeChanged:
                lines.append("shape changed: \(name)  \(t.dtypeA.name) \(t.shapeA) -> \(t.dtypeB.name) \(t.shapeB)")
            case .unreadable:
                lines.append("not compared: \(name): \(t.message ?? "")")
            case .identical:
                lines.append("identical: \(name)  \(t.dtypeA.name) \(t.shapeA)")
            case .dtypeChanged where t.maxAbsDiff == nil && t.elements == 0 && t.message != nil:
                lines.append("dtype changed: \(name)  \(t.dtypeA.name) -> \(t.dtypeB.name) (\(t.message!))")
            default:
                var s = t.status == .dtypeChanged ? "dtype changed: \(name)  \(t.dtypeA.name) -> \(t.dtypeB.name) \(t.shapeA)"
                    : "\(t.status.rawValue): \(name)  \(t.dtypeA.name) \(t.shapeA)"
                if let m = t.maxAbsDiff, let at = t.maxAt {
                    s += "  max |Δ| \(g(m)) at \(at) (\(g(t.valueA ?? .nan)) vs \(g(t.valueB ?? .nan))), mean |Δ| \(g(t.meanAbsDiff ?? 0))"
                }
                s += ", \(t.differing) of \(t.elements) elements differ"
                if t.notClose > 0 { s += ", \(t.notClose) not close" }
                lines.append(s)
            }
        }
        let c = Dictionary(counts, uniquingKeysWith: { a, _ in a })
        var summary = "\(c["identical"]!) identical, \(c["close"]!) close, \(c["different"]!) different"
        for (k, label) in [("dtype_changed", "dtype changed"), ("shape_changed", "shape changed"), ("unreadable", "not compared"),
                           ("only_in_a", "only in A"), ("only_in_b", "only in B")] where c[k]! > 0 {
            summary += ", \(c[k]!) \(label)"
        }
        if !droppedB.isEmpty { summary += ", \(droppedB.count) of B dropped by the rules" }
        lines.append(summary)
        lines.append(equal ? "EQUAL within rtol \(g(options.rtol)), atol \(g(options.atol))"
                           : "DIFFERENT (rtol \(g(options.rtol)), atol \(g(options.atol)))")
        return lines.joined(separator: "\n")
    }
}
