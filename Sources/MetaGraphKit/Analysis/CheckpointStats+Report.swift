// The stats' JSON shape and text report.
import Foundation

extension CheckpointStats: JSONReportable {
    /// `{"path", "format", "tensors", "bytes", "roles": [{"role", "tensors",
    /// "elements", "bytes", "fraction"}], "stats": [{"key", "dtype", "shape", "role",
    /// "elements", "bytes", "min", "max", "mean", "std", "nan", "pos_inf", "neg_inf",
    /// "zeros", "message"}]}`; statistics are null when there is no finite element.
    public var jsonValue: JSONValue {
        let total = totalBytes
        func num(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
        return .object([
            ("path", .string(path)), ("format", .string(format)), ("tensors", .int(Int64(tensors.count))),
            ("bytes", .int(Int64(total))),
            ("roles", .array(roles.map { r in
                .object([("role", .string(r.role.rawValue)), ("tensors", .int(Int64(r.tensors))),
                         ("elements", .int(Int64(r.elements))), ("bytes", .int(Int64(r.bytes))),
                         ("fraction", .double(total == 0 ? 0 : Double(r.bytes) / Double(total)))])
            })),
            ("stats", .array(tensors.map { s in
                .object([
                    ("key", .string(s.key)), ("dtype", .string(s.dtype.name)), ("shape", .array(s.shape.map { .int(Int64($0)) })),
                    ("role", .string(s.role.rawValue)), ("elements", .int(Int64(s.elements))), ("bytes", .int(Int64(s.bytes))),
                    ("min", num(s.min)), ("max", num(s.max)), ("mean", num(s.mean)), ("std", num(s.std)),
                    ("nan", .int(Int64(s.nan))), ("pos_inf", .int(Int64(s.positiveInfinity))),
                    ("neg_inf", .int(Int64(s.negativeInfinity))), ("zeros", .int(Int64(s.zeros))),
                    ("message", s.message.map { .string($0) } ?? .null),
                ])
            })),
        ])
    }

    /// Bytes as people read them (`1.5 MiB`).
    static func size(_ n: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n), u = 0
        while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) bytes" : String(format: "%.1f %@", v, units[u])
    }

    /// The report: one line per tensor (left out with `quiet`), then the breakdown by role.
    public func text(quiet: Bool = false) -> String {
        func g(_ d: Double?) -> String {
            guard let d else { return "-" }
            return d == 0 ? "0" : String(format: "%.6g", d)
        }
        var lines: [String] = []
        if !quiet {
            let width = tensors.map(\.key.count).max() ?? 0
            for s in tensors {
                let pad = String(repeating: " ", count: Swift.max(0, width - s.key.count))
                var line = "\(s.key)\(pad)  \(s.dtype.name) \(s.shape)  \(s.role.rawValue)  \(Self.size(s.bytes))"
                if let message = s.message { line += "  not read: \(message)" } else if s.min != nil || s.nan + s.positiveInfinity + s.negativeInfinity > 0 {
                    line += "  min \(g(s.min)) max \(g(s.max)) mean \(g(s.mean)) std \(g(s.std))"
                    var counts: [String] = []
                    if s.zeros > 0 { counts.append("\(s.zeros) zeros") }
                    if s.nan > 0 { counts.append("\(s.nan) NaN") }
                    if s.positiveInfinity > 0 { counts.append("\(s.positiveInfinity) +Inf") }
                    if s.negativeInfinity > 0 { counts.append("\(s.negativeInfinity) -Inf") }
                    if !counts.isEmpty { line += "  " + counts.joined(separator: ", ") }
                }
                lines.append(line)
            }
            lines.append("")
        }
        let total = totalBytes
        lines.append("\(tensors.count) tensors, \(Self.size(total)) (\(format) \(path))")
        for r in roles where r.tensors > 0 {
            let pct = total == 0 ? 0 : 100 * Double(r.bytes) / Double(total)
            let name = r.role.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            lines.append("  \(name) \(String(format: "%5.1f", pct))%  \(Self.size(r.bytes)) in \(r.tensors) tensor\(r.tensors == 1 ? "" : "s")")
        }
        return lines.joined(separator: "\n")
    }
}
