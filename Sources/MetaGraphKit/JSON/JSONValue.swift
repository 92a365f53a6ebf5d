// A small JSON value with ordered object keys, for the stable `--json` reports.
import Foundation

/// A JSON value whose objects keep their keys in the order given, so reports have a
/// stable, documented shape.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// An integer, printed exactly.
    case int(Int64)
    /// An unsigned integer, printed exactly.
    case uint(UInt64)
    /// A floating-point number: printed in the shortest form that round-trips, and
    /// as the strings `"NaN"`, `"Infinity"`, `"-Infinity"` where JSON has no number.
    case double(Double)
    /// A 32-bit float, printed in the shortest form that round-trips as a float.
    case float(Float)
    case string(String)
    case array([JSONValue])
    /// An object; keys in this order.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }

    /// The JSON text.
    ///
    /// - Parameter pretty: Indent with two spaces (reports) or print on one line.
    /// - Returns: The JSON text, without a trailing newline.
    public func serialized(pretty: Bool = false) -> String {
        var out = ""
        write(into: &out, pretty: pretty, indent: 0)
        return out
    }

    /// Appends the JSON text to `out`; with `stream`, its placeholder strings stand
    /// for streamed arrays and the text is handed on in pieces (JSONValue+Stream.swift).
    func write(into out: inout String, pretty: Bool, indent: Int, stream: JSONStreamContext? = nil) {
        func items(_ count: Int, _ item: (Int, inout String) -> Void) {
            if count == 0 { out += "[]"; return }
            out += "["
            for i in 0..<count {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                item(i, &out)
                stream?.flush(&out)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .double(let d):
            if d.isNaN { out += "\"NaN\"" } else if d.isInfinite { out += d < 0 ? "\"-Infinity\"" : "\"Infinity\"" } else { out += JSONValue.shortest(d) }
        case .float(let f):
            if f.isNaN { out += "\"NaN\"" } else if f.isInfinite { out += f < 0 ? "\"-Infinity\"" : "\"Infinity\"" } else { out += JSONValue.shortest(f) }
        case .string(let s):
            if let array = stream?.arrays[s] {
                items(array.count) { i, out in array.element(i).write(into: &out, pretty: pretty, indent: indent + 1) }
            } else {
                JSONValue.quote(s, into: &out)
            }
        case .array(let values):
            items(values.count) { i, out in values[i].write(into: &out, pretty: pretty, indent: indent + 1, stream: stream) }
        case .object(let fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSONValue.quote(key, into: &out)
                out += pretty ? ": " : ":"
                value.write(into: &out, pretty: pretty, indent: indent + 1, stream: stream)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    /// Swift's `description` of a finite floating-point value is the shortest form
    /// that round-trips; JSON wants no `inf`, and integers print without `.0`.
    static func shortest<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) -> String {
        var s = value.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        if s == "-0" { return "-0.0" }
        return s
    }

    /// Appends `s` as a JSON string literal.
    static func quote(_ s: String, into out: inout String) {
        out += "\""
        var s = s
        s.withUTF8 { bytes in
            escape(UnsafeRawBufferPointer(bytes)) { out += String(decoding: $0, as: UTF8.self) }
        }
        out += "\""
    }

    /// The one escaper of JSON string literals: hands on the inside of the literal
    /// of valid UTF-8 `bytes` in pieces, runs that need no escape as they are (so
    /// non-ASCII text passes unchanged) and `"`, `\\`, `\n`, `\r`, `\t`, the other
    /// control characters and DEL escaped (`\u001f`, lowercase hex).
    @inline(__always)
    static func escape(_ bytes: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) -> Void) {
        guard let base = bytes.baseAddress else { return }
        let hex: StaticString = "0123456789abcdef"
        var run = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b >= 0x20, b != 0x7f, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\") { i += 1; continue }
            if i > run { emit(UnsafeRawBufferPointer(start: base + run, count: i - run)) }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 6) { e in
                e[0] = UInt8(ascii: "\\")
                var n = 2
                switch b {
                case UInt8(ascii: "\""): e[1] = b
                case UInt8(ascii: "\\"): e[1] = b
                case UInt8(ascii: "\n"): e[1] = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): e[1] = UInt8(ascii: "r")
                case UInt8(ascii: "\t"): e[1] = UInt8(ascii: "t")
                default:
                    e[1] = UInt8(ascii: "u"); e[2] = UInt8(ascii: "0"); e[3] = UInt8(ascii: "0")
                    e[4] = hex.utf8Start[Int(b >> 4)]; e[5] = hex.utf8Start[Int(b & 15)]
                    n = 6
                }
                emit(UnsafeRawBufferPointer(start: e.baseAddress!, count: n))
            }
            i += 1
            run = i
        }
        if bytes.count > run { emit(UnsafeRawBufferPointer(start: base + run, count: bytes.count - run)) }
    }
}
