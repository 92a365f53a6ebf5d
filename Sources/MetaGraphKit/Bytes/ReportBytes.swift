// The per-key parts of the `ckpt diff`, `ckpt stats` and `ckpt list` reports
// written as bytes, in pieces of 64 KiB: no JSONValue tree, no one String of the whole report.
// Every piece is byte for byte what ``JSONValue/serialized(pretty:)`` (or the text
// report's String interpolation) makes of the same value.
internal import CMetaGraphSupport

/// A byte buffer of 64 KiB handed to `write` whenever the next piece would not
/// fit: appending is a bounds check and a copy into memory it owns (no array,
/// no uniqueness check or growth per byte), so the reports of 100,000 keys are
/// written at the speed of their bytes.
struct ReportBytes: ~Copyable {
    static let capacity = 1 << 16
    private let start: UnsafeMutablePointer<UInt8>
    /// Bytes held, not yet handed over.
    private(set) var count = 0
    let write: (UnsafeRawBufferPointer) -> Void

    init(_ write: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.write = write
        start = .allocate(capacity: Self.capacity)
    }

    deinit { start.deallocate() }

    /// The bytes held, not yet handed over.
    var held: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: count) }

    /// Hands the buffer over when it is nearly full (or always, with `force`).
    mutating func flush(force: Bool = false) {
        guard force || count >= Self.capacity - 2048, count > 0 else { return }
        write(UnsafeRawBufferPointer(start: start, count: count))
        count = 0
    }

    /// Room for `n` more bytes (n at most ``capacity``).
    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if count + n > Self.capacity { flush(force: true) }
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        reserve(1)
        start[count] = b
        count += 1
    }

    @inline(__always)
    mutating func bytes(_ p: UnsafeRawBufferPointer) {
        guard p.count > 0 else { return }
        if p.count > Self.capacity / 2 {
            flush(force: true)
            write(p)
            return
        }
        reserve(p.count)
        UnsafeMutableRawPointer(start + count).copyMemory(from: p.baseAddress!, byteCount: p.count)
        count += p.count
    }

    @inline(__always)
    mutating func raw(_ s: StaticString) {
        bytes(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    mutating func int(_ v: Int) {
        if v >= 0, v < 10 { byte(UInt8(ascii: "0") + UInt8(v)); return }
        // Digits backwards into a scratch of 20, then copied.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { d in
            var m = v.magnitude
            var i = 20
            repeat {
                i -= 1
                d[i] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
            } while m > 0
            if v < 0 { byte(UInt8(ascii: "-")) }
            bytes(UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(d)[i...]))
        }
    }

    /// A newline and `level` indentation steps of two spaces.
    @inline(__always)
    mutating func newline(_ level: Int) {
        let n = 1 + 2 * level
        guard n <= 64 else {
            byte(UInt8(ascii: "\n"))
            for _ in 0..<(2 * level) { byte(UInt8(ascii: " ")) }
            return
        }
        reserve(n)
        start[count] = UInt8(ascii: "\n")
        (start + count + 1).initialize(repeating: UInt8(ascii: " "), count: n - 1)
        count += n
    }

    /// A JSON string literal, escaped as ``JSONValue`` escapes it.
    mutating func quoted(_ s: String) {
        var s = s
        s.withUTF8 { quoted(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Valid UTF-8 bytes as a JSON string literal, escaped as ``JSONValue`` escapes it.
    mutating func quoted(bytes key: UnsafeRawBufferPointer) {
        byte(UInt8(ascii: "\""))
        JSONValue.escape(key) { bytes($0) }
        byte(UInt8(ascii: "\""))
    }

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
        if !first { byte(UInt8(ascii: ",")) }
        newline(level)
        byte(UInt8(ascii: "\""))
        raw(name)
        raw("\": ")
    }

    /// A pretty JSON array of integers whose first element goes at `level + 1`.
    mutating func intArray<C: Collection<Int>>(_ values: C, _ level: Int) {
        if values.isEmpty { raw("[]"); return }
        byte(UInt8(ascii: "["))
        var first = true
        for v in values {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            newline(level + 1)
            int(v)
        }
        newline(level)
        byte(UInt8(ascii: "]"))
    }

    /// A shape as Swift prints an `[Int]` (`[2, 3]`).
    mutating func shapeText<C: Collection<Int>>(_ dims: C) {
        byte(UInt8(ascii: "["))
        var first = true
        for d in dims {
            if !first { raw(", ") }
            first = false
            int(d)
        }
        byte(UInt8(ascii: "]"))
    }

    /// A pretty array whose `count` elements `element` writes at `level + 1`
    /// (each starting where its value goes, after the newline and indentation).
    mutating func array(count: Int, _ level: Int, _ element: (inout ReportBytes, Int) -> Void) {
        if count == 0 { raw("[]"); return }
        byte(UInt8(ascii: "["))
        for i in 0..<count {
            if i > 0 { byte(UInt8(ascii: ",")) }
            newline(level + 1)
            element(&self, i)
            flush()
        }
        newline(level)
        byte(UInt8(ascii: "]"))
    }

    /// `printf`'s formatting of one double (as `String(format:)` prints it):
    /// `"%.<precision>g"` for `conversion` "g", `"%.<precision>f"` for "f", and
    /// `"%5.<precision>f"` for "F".
    mutating func printf(_ conversion: Unicode.Scalar, _ precision: Int, _ d: Double) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let n = mgk_format_double(buffer.baseAddress!, 64, Int32(precision), CChar(conversion.value), d)
            guard n > 0 else { return }
            bytes(UnsafeRawBufferPointer(start: buffer.baseAddress!, count: min(Int(n), 63)))
        }
    }

    /// Writes `document` (a pretty-printed JSON value whose per-key arrays are the
    /// placeholder strings `slots`) with each placeholder replaced by what
    /// `fill(slot index)` writes. A placeholder is a string starting with a NUL,
    /// which no other value of a report holds serialized (JSON escapes it).
    mutating func document(_ document: JSONValue, slots: [String], _ fill: (inout ReportBytes, Int) -> Void) {
        let serialized = document.serialized(pretty: true)
        var rest = Substring(serialized)
        while true {
            var best: (Range<Substring.Index>, Int)?
            for (n, slot) in slots.enumerated() {
                var quoted = ""
                JSONValue.quote(slot, into: &quoted)
                if let r = rest.firstRange(of: quoted), best == nil || r.lowerBound < best!.0.lowerBound { best = (r, n) }
            }
            guard let (range, n) = best else { break }
            text(String(rest[..<range.lowerBound]))
            fill(&self, n)
            rest = rest[range.upperBound...]
        }
        text(String(rest))
    }
}
