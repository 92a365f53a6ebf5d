// String escapes of the text format: writing them as Python does, reading all C forms.

/// C-style escaping as Python's `text_encoding.CEscape` does it.
enum TextFormatEscaping {
    /// One byte the way `CEscape(…, as_utf8=False)` writes it.
    static func escapeByte(_ byte: UInt8, into out: inout [UInt8]) {
        switch byte {
        case 0x0a: out.append(0x5c); out.append(0x6e)  // \n
        case 0x0d: out.append(0x5c); out.append(0x72)  // \r
        case 0x09: out.append(0x5c); out.append(0x74)  // \t
        case 0x22, 0x27, 0x5c: out.append(0x5c); out.append(byte)  // \" \' \\
        case 0x20...0x7e: out.append(byte)
        default:
            out.append(0x5c)
            out.append(0x30 + (byte >> 6))
            out.append(0x30 + ((byte >> 3) & 7))
            out.append(0x30 + (byte & 7))
        }
    }

    /// Whether every byte is printable ASCII other than `"`, `'` and `\`, so that
    /// both escapings copy the bytes as they are (most names and strings are).
    static func needsNoEscaping(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in bytes where b < 0x20 || b > 0x7e || b == 0x22 || b == 0x27 || b == 0x5c {
            return false
        }
        return true
    }

    /// A bytes field: every byte outside printable ASCII as `\ooo`.
    static func escapeBytes(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        if needsNoEscaping(bytes) { out.append(contentsOf: bytes); return }
        for b in bytes { escapeByte(b, into: &out) }
    }

    /// A string field with `as_utf8=True`: valid UTF-8 sequences stay as they are,
    /// ASCII is escaped as for bytes, each byte of invalid UTF-8 becomes `\ooo`.
    static func escapeUTF8(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        if needsNoEscaping(bytes) { out.append(contentsOf: bytes); return }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 { escapeByte(b, into: &out); i += 1; continue }
            if let n = validSequenceLength(bytes, at: i) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<(i + n)]))
                i += n
            } else {
                escapeByte(b, into: &out)
                i += 1
            }
        }
    }

    /// The length of the well-formed UTF-8 sequence (Unicode table 3-7) starting at
    /// `i` with a lead byte >= 0x80, or nil.
    static func validSequenceLength(_ s: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let b0 = s[i]
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xbf) -> Bool {
            i + k < s.count && s[i + k] >= lo && s[i + k] <= hi
        }
        switch b0 {
        case 0xc2...0xdf: return cont(1) ? 2 : nil
        case 0xe0: return cont(1, 0xa0) && cont(2) ? 3 : nil
        case 0xe1...0xec, 0xee, 0xef: return cont(1) && cont(2) ? 3 : nil
        case 0xed: return cont(1, 0x80, 0x9f) && cont(2) ? 3 : nil
        case 0xf0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : nil
        case 0xf1...0xf3: return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xf4: return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : nil
        default: return nil
        }
    }
}

/// Checking text-format files for valid UTF-8 in place.
enum TextFormatUTF8 {
    /// Whether `bytes` are well-formed UTF-8 (Unicode table 3-7), as
    /// `String(validating:as:)` checks, without copying them into a String.
    static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                if b[i] < 0x80 { i += 1; continue }
                guard let n = TextFormatEscaping.validSequenceLength(b, at: i) else { return false }
                i += n
            }
            return true
        }
    }
}

/// Text-format string escapes: `\n \r \t \a \b \f \v \? \" \' \\`, `\ooo`, `\xHH`,
/// `\uXXXX`, `\UXXXXXXXX` (as UTF-8).
enum TextFormatUnescaping {
    /// Appends the bytes of one quoted string token (quotes included in `token`).
    /// `error` gets the offset of the bad escape from the token's first byte.
    static func unescape(_ token: ArraySlice<UInt8>, into out: inout [UInt8],
                         error: (String, Int) -> MetaGraphKitError) throws {
        try token.withUnsafeBufferPointer { try unescape($0, into: &out, error: error) }
    }

    private static func unescape(_ token: UnsafeBufferPointer<UInt8>, into out: inout [UInt8],
                                 error: (String, Int) -> MetaGraphKitError) throws {
        var i = 1
        let end = token.count - 1
        func hex(_ c: UInt8) -> UInt32? {
            switch c {
            case 0x30...0x39: return UInt32(c - 0x30)
            case 0x61...0x66: return UInt32(c - 0x61 + 10)
            case 0x41...0x46: return UInt32(c - 0x41 + 10)
            default: return nil
            }
        }
        while i < end {
            guard token[i] == 0x5c else {
                // Copy the run up to the next backslash in one go.
                var runEnd = i + 1
                while runEnd < end, token[runEnd] != 0x5c { runEnd += 1 }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: token[i..<runEnd]))
                i = runEnd
                continue
            }
            let start = i
            i += 1
            guard i < end else { throw error("backslash at the end of a string", start) }
            let e = token[i]
            i += 1
            switch e {
            case 0x6e: out.append(0x0a)
            case 0x72: out.append(0x0d)
            case 0x74: out.append(0x09)
            case 0x61: out.append(0x07)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0c)
            case 0x76: out.append(0x0b)
            case 0x22, 0x27, 0x5c, 0x3f: out.append(e)
            case 0x30...0x37:
                var v = UInt32(e - 0x30)
                var k = 1
                while k < 3, i < end, token[i] >= 0x30, token[i] <= 0x37 { v = v * 8 + UInt32(token[i] - 0x30); i += 1; k += 1 }
                guard v <= 0xff else { throw error("octal escape above \\377", start) }
                out.append(UInt8(v))
            case 0x78, 0x58:
                guard i < end, var v = hex(token[i]) else { throw error("\\x with no hex digits", start) }
                i += 1
                if i < end, let d = hex(token[i]) { v = v * 16 + d; i += 1 }
                out.append(UInt8(v))
            case 0x75, 0x55:
                let count = e == 0x75 ? 4 : 8
                var v: UInt32 = 0
                for _ in 0..<count {
                    guard i < end, let d = hex(token[i]) else { throw error("\\\(e == 0x75 ? "u" : "U") needs \(count) hex digits", start) }
                    v = v &* 16 &+ d
                    i += 1
                }
                guard let scalar = Unicode.Scalar(v) else { throw error("\\u escape is not a Unicode scalar value", start) }
                out += Array(String(Character(scalar)).utf8)
            default:
                throw error("unknown escape \"\\\(Character(Unicode.Scalar(e)))\"", start)
            }
        }
    }
}
