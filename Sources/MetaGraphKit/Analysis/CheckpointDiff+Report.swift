// The diff's JSON shape and its text report.
import Foundation

extension CheckpointDiff: JSONReportable {
    /// Counts of the outcomes.
    public var counts: [(String, Int)] {
        var c: [Status: Int] = [:]
        for i in 0..<tensorCount { c[status(i), default: 0] += 1 }
        func n(_ s: Status) -> Int { c[s] ?? 0 }
        return [("identical", n(.identical)), ("close", n(.close)), ("different", n(.different)),
                ("dtype_changed", n(.dtypeChanged)), ("shape_changed", n(.shapeChanged)), ("unreadable", n(.unreadable)),
                ("only_in_a", onlyInACount), ("only_in_b", onlyInBCount)]
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
        return json(onlyInA: .array(onlyInA.map(entry)), onlyInB: .array(onlyInB.map(entry)), tensors: .array(tensors.map { t in
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
            }))
    }

    /// The report with the given per-key arrays.
    private func json(onlyInA: JSONValue, onlyInB: JSONValue, tensors: JSONValue) -> JSONValue {
        .object([
            ("a", .string(a)), ("b", .string(b)), ("format_a", .string(formatA)), ("format_b", .string(formatB)),
            ("rtol", .double(options.rtol)), ("atol", .double(options.atol)), ("equal", .bool(equal)),
            ("counts", .object(counts.map { ($0.0, .int(Int64($0.1))) })),
            ("only_in_a", onlyInA), ("only_in_b", onlyInB),
            ("dropped_b", .array(droppedB.map { .string($0) })),
            ("unmatched_rules", .array(unmatchedRules.map { .string($0) })),
            ("tensors", tensors),
        ])
    }

    /// Writes ``jsonValue`` serialized (pretty), byte for byte, with one key's
    /// object made at a time: the report of 100,000 keys never exists as one value.
    ///
    /// - Parameter write: Receives the text's bytes, in order (no trailing newline).
    public func writeJSON(_ write: (UnsafeRawBufferPointer) -> Void) {
        withoutActuallyEscaping(write) { write in
            var b = ReportBytes(write)
            let slots = ["\u{0}only_in_a", "\u{0}only_in_b", "\u{0}tensors"]
            let value = json(onlyInA: .string(slots[0]), onlyInB: .string(slots[1]), tensors: .string(slots[2]))
            func entry(_ b: inout ReportBytes, _ e: TensorEntry) {
                b.raw("{")
                b.field("key", 3, first: true); b.quoted(e.key)
                b.field("dtype", 3); b.quoted(e.dtype.name)
                b.field("shape", 3); b.intArray(e.shape, 3)
                b.newline(2); b.raw("}")
            }
            b.document(value, slots: slots) { b, slot in
                switch slot {
                case 0: b.array(count: onlyInACount, 1) { b, i in entry(&b, onlyInA(i)) }
                case 1: b.array(count: onlyInBCount, 1) { b, i in entry(&b, onlyInB(i)) }
                default:
                    b.array(count: tensorCount, 1) { b, i in
                        if case .compact(let c) = storage, c.rows[i].detail < 0 {
                            c.writeIdentical(i, &b)
                            return
                        }
                        let t = tensor(i)
                        b.raw("{")
                        b.field("key", 3, first: true); b.quoted(t.key)
                        b.field("key_b", 3); b.quoted(t.keyB)
                        b.field("status", 3); b.quoted(t.status.rawValue)
                        b.field("dtype_a", 3); b.quoted(t.dtypeA.name)
                        b.field("dtype_b", 3); b.quoted(t.dtypeB.name)
                        b.field("shape_a", 3); b.intArray(t.shapeA, 3)
                        b.field("shape_b", 3); b.intArray(t.shapeB, 3)
                        b.field("identical_bytes", 3); b.bool(t.identicalBytes)
                        b.field("elements", 3); b.int(t.elements)
                        b.field("differing", 3); b.int(t.differing)
                        b.field("not_close", 3); b.int(t.notClose)
                        b.field("max_abs_diff", 3); b.double(t.maxAbsDiff)
                        b.field("mean_abs_diff", 3); b.double(t.meanAbsDiff)
                        b.field("max_diff_at", 3)
                        if let at = t.maxAt { b.intArray(at, 3) } else { b.raw("null") }
                        b.field("a_value", 3); b.double(t.valueA)
                        b.field("b_value", 3); b.double(t.valueB)
                        b.field("allclose", 3); b.bool(t.allclose)
                        b.field("message", 3)
                        if let m = t.message { b.quoted(m) } else { b.raw("null") }
                        b.newline(2); b.raw("}")
                    }
                }
            }
            b.flush(force: true)
        }
    }

    /// The report: one line per key that is not identical (all keys with
    /// `verbose`), then the counts and the verdict.
    public func text(verbose: Bool = false) -> String {
        var out: [UInt8] = []
        writeText(verbose: verbose) { out += $0 }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes ``text(verbose:)`` in pieces of about 64 KiB, made as they go: an
    /// identical tensor's line is not even made unless `verbose` asks for it.
    ///
    /// - Parameters:
    ///   - verbose: List identical tensors too.
    ///   - write: Receives the text's bytes, in order (no trailing newline).
    public func writeText(verbose: Bool = false, _ write: (UnsafeRawBufferPointer) -> Void) {
        withoutActuallyEscaping(write) { write in
            var b = ReportBytes(write)
            func g(_ d: Double) -> String { d == 0 ? "0" : JSONValue.double(d).serialized().replacingOccurrences(of: "\"", with: "") }
            func only(_ label: StaticString, _ e: TensorEntry) {
                b.raw(label); b.text(e.key); b.raw("  "); b.text(e.dtype.name); b.raw(" "); b.shapeText(e.shape); b.raw("\n")
                b.flush()
            }
            for i in 0..<onlyInACount { only("only in A: ", onlyInA(i)) }
            for i in 0..<onlyInBCount { only("only in B: ", onlyInB(i)) }
            for i in 0..<tensorCount where verbose || status(i) != .identical {
                let t = tensor(i)
                let name = t.key == t.keyB ? t.key : "\(t.key) (B: \(t.keyB))"
                switch t.status {
                case .shapeChanged:
                    b.text("shape changed: \(name)  \(t.dtypeA.name) \(t.shapeA) -> \(t.dtypeB.name) \(t.shapeB)")
                case .unreadable:
                    b.text("not compared: \(name): \(t.message ?? "")")
                case .identical:
                    b.raw("identical: "); b.text(name); b.raw("  "); b.text(t.dtypeA.name); b.raw(" "); b.shapeText(t.shapeA)
                case .dtypeChanged where t.maxAbsDiff == nil && t.elements == 0 && t.message != nil:
                    b.text("dtype changed: \(name)  \(t.dtypeA.name) -> \(t.dtypeB.name) (\(t.message!))")
                default:
                    var s = t.status == .dtypeChanged ? "dtype changed: \(name)  \(t.dtypeA.name) -> \(t.dtypeB.name) \(t.shapeA)"
                        : "\(t.status.rawValue): \(name)  \(t.dtypeA.name) \(t.shapeA)"
                    if let m = t.maxAbsDiff, let at = t.maxAt {
                        s += "  max |Δ| \(g(m)) at \(at) (\(g(t.valueA ?? .nan)) vs \(g(t.valueB ?? .nan))), mean |Δ| \(g(t.meanAbsDiff ?? 0))"
                    }
                    s += ", \(t.differing) of \(t.elements) elements differ"
                    if t.notClose > 0 { s += ", \(t.notClose) not close" }
                    b.text(s)
                }
                b.raw("\n")
                b.flush()
            }
            let c = Dictionary(counts, uniquingKeysWith: { a, _ in a })
            var summary = "\(c["identical"]!) identical, \(c["close"]!) close, \(c["different"]!) different"
            for (k, label) in [("dtype_changed", "dtype changed"), ("shape_changed", "shape changed"), ("unreadable", "not compared"),
                               ("only_in_a", "only in A"), ("only_in_b", "only in B")] where c[k]! > 0 {
                summary += ", \(c[k]!) \(label)"
            }
            if !droppedB.isEmpty { summary += ", \(droppedB.count) of B dropped by the rules" }
            b.text(summary)
            b.raw("\n")
            b.text(equal ? "EQUAL within rtol \(g(options.rtol)), atol \(g(options.atol))"
                         : "DIFFERENT (rtol \(g(options.rtol)), atol \(g(options.atol)))")
            b.flush(force: true)
        }
    }
}
