// The match report as JSON (shape documented on MatchReport) and as text.

extension MatchReport {
    /// The report as JSON, in the shape documented on ``MatchReport``.
    public var jsonValue: JSONValue {
        func shape(_ s: [Int]?) -> JSONValue { s.map { .array($0.map { .int(Int64($0)) }) } ?? .null }
        func pair(_ p: Pair) -> JSONValue {
            .object([("source", .string(p.source)), ("name", .string(p.name)), ("target", .string(p.target.key)),
                     ("full_name", .string(p.target.fullName)), ("dtype", .string(p.dtype.name)),
                     ("shape", shape(p.shape)), ("via", .string(p.via.rawValue))])
        }
        func mismatch(_ p: Pair) -> JSONValue {
            .object([("source", .string(p.source)), ("name", .string(p.name)), ("target", .string(p.target.key)),
                     ("full_name", .string(p.target.fullName)),
                     ("source_dtype", .string(p.dtype.name)), ("source_shape", shape(p.shape)),
                     ("target_dtype", .string(p.target.dtype.name)), ("target_shape", shape(p.target.shape))])
        }
        return .object([
            ("source", .string(source)), ("target", .string(target)), ("target_kind", .string(targetKind.rawValue)),
            ("counts", .object([("matched", .int(Int64(matched.count))), ("mismatched", .int(Int64(mismatched.count))),
                                ("missing", .int(Int64(missing.count))), ("unused", .int(Int64(unused.count))),
                                ("dropped", .int(Int64(dropped.count)))])),
            ("matched", .array(matched.map(pair))),
            ("mismatched", .array(mismatched.map(mismatch))),
            ("missing", .array(missing.map { m in
                .object([("target", .string(m.target.key)), ("full_name", .string(m.target.fullName)),
                         ("dtype", .string(m.target.dtype.name)), ("shape", shape(m.target.shape)),
                         ("suggestion", m.suggestion.map { s in
                             let e = unusedEntry(s.source)
                             return .object([("source", .string(s.source)), ("name", .string(s.name)),
                                             ("dtype", .string(e?.dtype.name ?? "")), ("shape", shape(e?.shape))])
                         } ?? .null)])
            })),
            ("unused", .array(unused.map { u in
                .object([("source", .string(u.source)), ("name", .string(u.name)), ("dtype", .string(u.dtype.name)),
                         ("shape", shape(u.shape)),
                         ("suggestion", u.suggestion.map { t in
                             .object([("target", .string(t.key)), ("full_name", .string(t.fullName)),
                                      ("dtype", .string(t.dtype.name)), ("shape", shape(t.shape))])
                         } ?? .null)])
            })),
            ("dropped", .array(dropped.map { .string($0) })),
        ])
    }

    private func unusedEntry(_ source: String) -> Unused? { unused.first { $0.source == source } }

    /// The report as lines of text: one section per list, a summary line last.
    public var text: String {
        func shape(_ s: [Int]?) -> String { s.map { "\($0)" } ?? "?" }
        var lines: [String] = []
        if !matched.isEmpty {
            lines.append("matched:")
            for p in matched {
                let renamed = p.name == p.source ? "" : " (as \(p.name))"
                let via = p.via == .fullName ? "" : "  [\(p.via)]"
                lines.append("  \(p.source)\(renamed) -> \(p.target.key)  \(p.dtype.name) \(shape(p.shape))\(via)")
            }
        }
        if !mismatched.isEmpty {
            lines.append("dtype or shape disagree:")
            for p in mismatched {
                let renamed = p.name == p.source ? "" : " (as \(p.name))"
                lines.append("  \(p.source)\(renamed) \(p.dtype.name) \(shape(p.shape)) -> \(p.target.key) \(p.target.dtype.name) \(shape(p.target.shape))")
            }
        }
        if !missing.isEmpty {
            lines.append("missing from the checkpoint:")
            for m in missing {
                let name = m.target.fullName.isEmpty || m.target.fullName == m.target.key ? "" : " (\(m.target.fullName))"
                let hint = m.suggestion.map { "  maybe \($0.source)" } ?? ""
                lines.append("  \(m.target.key)\(name)  \(m.target.dtype.name) \(shape(m.target.shape))\(hint)")
            }
        }
        if !unused.isEmpty {
            lines.append("unused checkpoint keys:")
            for u in unused {
                let hint = u.suggestion.map { "  maybe \($0.fullName.isEmpty ? $0.key : $0.fullName)" } ?? ""
                let renamed = u.name == u.source ? "" : " (as \(u.name))"
                lines.append("  \(u.source)\(renamed)  \(u.dtype.name) \(shape(u.shape))\(hint)")
            }
        }
        if !dropped.isEmpty {
            lines.append("dropped:")
            lines += dropped.map { "  \($0)" }
        }
        lines.append("\(matched.count) matched, \(mismatched.count) disagree, \(missing.count) missing, \(unused.count) unused, \(dropped.count) dropped")
        return lines.joined(separator: "\n")
    }
}
