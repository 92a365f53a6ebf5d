// The stats' JSON shape and text report.
import Foundation

extension CheckpointStats: JSONReportable {
    /// `{"path", "format", "tensors", "bytes", "roles": [{"role", "tensors",
    /// "elements", "bytes", "fraction"}], "stats": [{"key", "dtype", "shape", "role",
    /// "elements", "bytes", "min", "max", "mean", "std", "nan", "pos_inf", "neg_inf",
    /// "zeros", "message"}]}`; statistics are null when there is no finite element.
    public var jsonValue: JSONValue {
        func num(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
        return json(stats: .array(tensors.map { s in
            .object([
                ("key", .string(s.key)), ("dtype", .string(s.dtype.name)), ("shape", .array(s.shape.map { .int(Int64($0)) })),
                ("role", .string(s.role.rawValue)), ("elements", .int(Int64(s.elements))), ("bytes", .int(Int64(s.bytes))),
                ("min", num(s.min)), ("max", num(s.max)), ("mean", num(s.mean)), ("std", num(s.std)),
                ("nan", .int(Int64(s.nan))), ("pos_inf", .int(Int64(s.positiveInfinity))),
                ("neg_inf", .int(Int64(s.negativeInfinity))), ("zeros", .int(Int64(s.zeros))),
                ("message", s.message.map { .string($0) } ?? .null),
            ])
        }))
    }

    /// The report with `stats` as its per-tensor array.
    private func json(stats: JSONValue) -> JSONValue {
        let total = totalBytes
        return .object([
            ("path", .string(path)), ("format", .string(format)), ("tensors", .int(Int64(count))),
            ("bytes", .int(Int64(total))),
            ("roles", .array(roles.map { r in
                .object([("role", .string(r.role.rawValue)), ("tensors", .int(Int64(r.tensors))),
                         ("elements", .int(Int64(r.elements))), ("bytes", .int(Int64(r.bytes))),
                         ("fraction", .double(total == 0 ? 0 : Double(r.bytes) / Double(total)))])
            })),
            ("stats", stats),
        ])
    }

    /// Bytes as people read them (`1.5 MiB`).
    static func size(_ n: Int) -> String {
        var b = ReportBytes { _ in }
        b.size(n)
        return String(decoding: b.held, as: UTF8.self)
    }

    /// The report: one line per tensor (left out with `quiet`), then the breakdown by role.
    public func text(quiet: Bool = false) -> String {
        var out: [UInt8] = []
        writeText(quiet: quiet) { out += $0 }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes ``text(quiet:)`` in pieces of about 64 KiB, made as they go: the
    /// report of 100,000 tensors never exists as one string.
    ///
    /// - Parameters:
    ///   - quiet: Only the breakdown by role.
    ///   - write: Receives the text's bytes, in order (no trailing newline).
    public func writeText(quiet: Bool = false, _ write: (UnsafeRawBufferPointer) -> Void) {
        withoutActuallyEscaping(write) { write in
            var b = ReportBytes(write)
            if !quiet {
                var width = 0
                switch storage {
                case .listed(let t): width = t.map(\.key.count).max() ?? 0
                case .compact(let c):
                    // ASCII keys: characters are bytes.
                    for i in c.rows.indices { width = Swift.max(width, Int(c.index.keyStarts[i + 1] - c.index.keyStarts[i])) }
                }
                for i in 0..<count {
                    if case .compact(let c) = storage, c.rows[i].detail < 0 {
                        c.writeTextRow(i, width: width, &b)
                        b.flush()
                        continue
                    }
                    let s = tensor(i)
                    b.text(s.key)
                    let pad = Swift.max(0, width - s.key.count)
                    for _ in 0..<pad { b.byte(UInt8(ascii: " ")) }
                    b.raw("  "); b.text(s.dtype.name); b.raw(" "); b.shapeText(s.shape)
                    b.raw("  "); b.text(s.role.rawValue); b.raw("  "); b.size(s.bytes)
                    if let message = s.message {
                        b.raw("  not read: "); b.text(message)
                    } else {
                        b.statistics(min: s.min, max: s.max, mean: s.mean, std: s.std, zeros: s.zeros, nan: s.nan,
                                     positiveInfinity: s.positiveInfinity, negativeInfinity: s.negativeInfinity)
                    }
                    b.raw("\n")
                    b.flush()
                }
                b.raw("\n")
            }
            let total = totalBytes
            b.int(count); b.raw(" tensors, "); b.size(total); b.raw(" ("); b.text(format); b.raw(" "); b.text(path); b.raw(")")
            for r in roles where r.tensors > 0 {
                let pct = total == 0 ? 0 : 100 * Double(r.bytes) / Double(total)
                b.raw("\n  "); b.text(r.role.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)); b.raw(" ")
                b.printf("F", 1, pct); b.raw("%  "); b.size(r.bytes); b.raw(" in "); b.int(r.tensors)
                b.raw(r.tensors == 1 ? " tensor" : " tensors")
            }
            b.flush(force: true)
        }
    }

    /// Writes ``jsonValue`` serialized (pretty), byte for byte, with one tensor's
    /// object made at a time: the report of 100,000 tensors never exists as one value.
    ///
    /// - Parameter write: Receives the text's bytes, in order (no trailing newline).
    public func writeJSON(_ write: (UnsafeRawBufferPointer) -> Void) {
        withoutActuallyEscaping(write) { write in
            var b = ReportBytes(write)
            b.document(json(stats: .string("\u{0}stats")), slots: ["\u{0}stats"]) { b, _ in
                b.array(count: count, 1) { b, i in
                    if case .compact(let c) = storage, c.rows[i].detail < 0 {
                        c.writeJSONRow(i, &b)
                        return
                    }
                    let s = tensor(i)
                    b.raw("{")
                    b.field("key", 3, first: true); b.quoted(s.key)
                    b.field("dtype", 3); b.quoted(s.dtype.name)
                    b.field("shape", 3); b.intArray(s.shape, 3)
                    b.field("role", 3); b.quoted(s.role.rawValue)
                    b.field("elements", 3); b.int(s.elements)
                    b.field("bytes", 3); b.int(s.bytes)
                    b.field("min", 3); b.double(s.min)
                    b.field("max", 3); b.double(s.max)
                    b.field("mean", 3); b.double(s.mean)
                    b.field("std", 3); b.double(s.std)
                    b.field("nan", 3); b.int(s.nan)
                    b.field("pos_inf", 3); b.int(s.positiveInfinity)
                    b.field("neg_inf", 3); b.int(s.negativeInfinity)
                    b.field("zeros", 3); b.int(s.zeros)
                    b.field("message", 3)
                    if let m = s.message { b.quoted(m) } else { b.raw("null") }
                    b.newline(2); b.raw("}")
                }
            }
            b.flush(force: true)
        }
    }
}

extension ReportBytes {
    /// ``CheckpointStats/size(_:)``.
    mutating func size(_ n: Int) {
        let units: [StaticString] = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n), u = 0
        while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
        if u == 0 { int(n); raw(" bytes"); return }
        printf("f", 1, v); raw(" "); raw(units[u])
    }

    /// A row's statistics as the text report prints them: min, max, mean and std,
    /// then the counts that are not zero; nothing when there are no statistics
    /// and no NaN or infinity.
    mutating func statistics(min: Double?, max: Double?, mean: Double?, std: Double?, zeros: Int, nan: Int,
                             positiveInfinity: Int, negativeInfinity: Int) {
        guard min != nil || nan + positiveInfinity + negativeInfinity > 0 else { return }
        raw("  min "); g(min); raw(" max "); g(max); raw(" mean "); g(mean); raw(" std "); g(std)
        var first = true
        func count(_ n: Int, _ label: StaticString) {
            guard n > 0 else { return }
            raw(first ? "  " : ", ")
            first = false
            int(n); raw(label)
        }
        count(zeros, " zeros"); count(nan, " NaN"); count(positiveInfinity, " +Inf"); count(negativeInfinity, " -Inf")
    }

    /// A statistic as the text report prints it (`%.6g`, `0`, `-` for none).
    mutating func g(_ d: Double?) {
        guard let d else { raw("-"); return }
        if d == 0 { raw("0"); return }
        printf("g", 6, d)
    }
}
