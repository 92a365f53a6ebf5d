// The per-key parts of the `ckpt diff` and `ckpt stats` reports written as bytes,
// in pieces of about 64 KiB: no JSONValue tree, no one String of the whole report.
// Every piece is byte for byte what ``JSONValue/serialized(pretty:)`` (or the text
// report's String interpolation) makes of the same value.
internal import CMetaGraphSupport

/// A byte buffer handed to `write` whenever it is nearly 64 KiB.
struct ReportBytes {
    var out: [UInt8] = []
    let write: (UnsafeRawBufferPointer) -> Void

    init(_ write: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.write = write
        out.reserveCapacity(1 << 16)
    }

    /// Hands the buffer over when it is nearly full (or always, with `force`).
    mutating func flush(force: Bool = false) {
        guard force || out.count >= (1 << 16) - 2048, !out.isEmpty else { return }
        out.withUnsafeBytes(write)
        out.removeAll(keepingCapacity: true)
    }

    mutating func raw(_ s: StaticString) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func text(_ s: String) { out.append(contentsOf: s.utf8) }

    mutating func int(_ v: Int) {
        if v >= 0, v < 10 { out.append(UInt8(ascii: "0") + UInt8(v)); return }
        out.append(contentsOf: String(v).utf8)
    }

    /// A newline and `level` indentation steps of two spaces.
    mutating func newline(_ level: Int) {
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<(2 * level) { out.append(UInt8(ascii: " ")) }
    }

    /// A JSON string literal, escaped as ``JSONValue`` escapes it.
    mutating func quoted(_ s: String) { CheckpointReader.appendQuoted(s, to: &out) }

    /// ASCII key bytes as a JSON string literal.
    mutating func quoted(bytes: UnsafeRawBufferPointer) { CheckpointReader.appendQuoted(bytes: bytes, to: &out) }

    /// A JSON number as ``JSONValue/double(_:)`` prints it (nil: `null`).
    mutating func double(_ d: Double?) {
        guard let d else { raw("null"); return }
        if d.isNaN { raw("\"NaN\"") } else if d.isInfinite { d < 0 ? raw("\"-Infinity\"") : raw("\"Infinity\"") } else {
            if d == 0 { d.sign == .minus ? raw("-0.0") : raw("0"); return }
            text(JSONValue.shortest(d))
        }
    }

    mutating func bool(_ b: Bool?) {
        guard let b else { raw("null"); return }
        b ? raw("true") : raw("false")
    }

    /// `"name": ` of an object's field at `level`, after a comma unless `first`.
    mutating func field(_ name: StaticString, _ level: Int, first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        newline(level)
        out.append(UInt8(ascii: "\""))
        raw(name)
        raw("\": ")
    }

    /// A pretty JSON array of integers whose first element goes at `level + 1`.
    mutating func intArray<C: Collection<Int>>(_ values: C, _ level: Int) {
        if values.isEmpty { raw("[]"); return }
        out.append(UInt8(ascii: "["))
        var first = true
        for v in values {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            newline(level + 1)
            int(v)
        }
        newline(level)
        out.append(UInt8(ascii: "]"))
    }

    /// A shape as Swift prints an `[Int]` (`[2, 3]`).
    mutating func shapeText<C: Collection<Int>>(_ dims: C) {
        out.append(UInt8(ascii: "["))
        var first = true
        for d in dims {
            if !first { raw(", ") }
            first = false
            int(d)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A pretty array whose `count` elements `element` writes at `level + 1`
    /// (each starting where its value goes, after the newline and indentation).
    mutating func array(count: Int, _ level: Int, _ element: (inout ReportBytes, Int) -> Void) {
        if count == 0 { raw("[]"); return }
        out.append(UInt8(ascii: "["))
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            newline(level + 1)
            element(&self, i)
            flush()
        }
        newline(level)
        out.append(UInt8(ascii: "]"))
    }

    /// `printf`'s formatting of one double (as `String(format:)` prints it):
    /// `"%.<precision>g"` for `conversion` "g", `"%.<precision>f"` for "f", and
    /// `"%5.<precision>f"` for "F".
    mutating func printf(_ conversion: Unicode.Scalar, _ precision: Int, _ d: Double) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let n = mgk_format_double(buffer.baseAddress!, 64, Int32(precision), CChar(conversion.value), d)
            guard n > 0 else { return }
            UnsafeRawBufferPointer(start: buffer.baseAddress!, count: min(Int(n), 63)).withMemoryRebound(to: UInt8.self) {
                out.append(contentsOf: $0)
            }
        }
    }

    /// Writes `document` (a pretty-printed JSON value whose per-key arrays are the
    /// placeholder strings `slots`) with each placeholder replaced by what
    /// `fill(slot index)` writes. A placeholder is a string starting with a NUL,
    /// which no other value of a report holds serialized (JSON escapes it).
    mutating func document(_ document: JSONValue, slots: [String], _ fill: (inout ReportBytes, Int) -> Void) {
        let text = document.serialized(pretty: true)
        var rest = Substring(text)
        while true {
            var best: (Range<Substring.Index>, Int)?
            for (n, slot) in slots.enumerated() {
                var quoted = ""
                JSONValue.quote(slot, into: &quoted)
                if let r = rest.firstRange(of: quoted), best == nil || r.lowerBound < best!.0.lowerBound { best = (r, n) }
            }
            guard let (range, n) = best else { break }
            out.append(contentsOf: rest[..<range.lowerBound].utf8)
            fill(&self, n)
            rest = rest[range.upperBound...]
        }
        out.append(contentsOf: rest.utf8)
    }
}
