// The header of a NumPy .npy file (numpy/lib/format.py): magic `\x93NUMPY`, version,
// header length, then a Python dict literal {'descr', 'fortran_order', 'shape'}.

/// A parsed .npy header: what the array is and where its data start.
struct NPYHeader {
    /// The `descr` string (`<f4`, `|b1`, `|S5`, `<U3` …).
    let descr: String
    let fortranOrder: Bool
    let shape: [Int]
    /// Where the data start, from the start of the .npy bytes.
    let dataOffset: Int

    /// Whether `bytes` start with the .npy magic.
    static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 6 && bytes[0] == 0x93 && Array(bytes[1..<6]) == Array("NUMPY".utf8)
    }

    /// Parses the header at the start of `bytes` (a .npy file or zip member).
    ///
    /// - Parameters:
    ///   - bytes: The .npy bytes.
    ///   - what: The name used in messages (`file.npz: key.npy`).
    /// - Throws: ``MetaGraphKitError`` `corrupt` or `truncated` naming what is wrong.
    init(_ bytes: UnsafeRawBufferPointer, what: String) throws {
        guard Self.hasMagic(bytes) else {
            throw MetaGraphKitError(.corrupt, "\(what): not a .npy array (no \\x93NUMPY magic)")
        }
        guard bytes.count >= 10 else { throw MetaGraphKitError(.truncated, "\(what): the .npy header is cut short") }
        let major = bytes[6]
        var length: Int
        var start: Int
        switch major {
        case 1:
            length = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw MetaGraphKitError(.truncated, "\(what): the .npy header is cut short") }
            length = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        default:
            throw MetaGraphKitError(.unsupported, "\(what): .npy format version \(major).\(bytes[7]); this reader knows 1.0, 2.0 and 3.0")
        }
        guard length <= bytes.count - start else {
            throw MetaGraphKitError(.truncated, "\(what): the .npy header says \(length) bytes but \(bytes.count - start) follow")
        }
        // numpy itself refuses headers over 10,000 bytes unless told otherwise (max_header_size).
        guard length <= 1 << 20 else {
            throw MetaGraphKitError(.tooLarge, "\(what): a .npy header of \(length) bytes")
        }
        let text = Array(bytes[start..<(start + length)])
        var parser = DictParser(text: text, what: what)
        let dict = try parser.parseDict()
        guard Set(dict.keys) == ["descr", "fortran_order", "shape"] else {
            throw MetaGraphKitError(.corrupt, "\(what): the .npy header has keys \(dict.keys.sorted()), not descr, fortran_order and shape")
        }
        guard case .string(let descr) = dict["descr"]! else {
            throw MetaGraphKitError(.unsupported, "\(what): a structured array (descr is not a string); save each field as its own array")
        }
        guard case .bool(let fortran) = dict["fortran_order"]! else {
            throw MetaGraphKitError(.corrupt, "\(what): fortran_order is not True or False")
        }
        guard case .tuple(let shape) = dict["shape"]! else {
            throw MetaGraphKitError(.corrupt, "\(what): shape is not a tuple of integers")
        }
        self.descr = descr
        fortranOrder = fortran
        self.shape = shape
        dataOffset = start + length
    }

    /// The TensorFlow dtype and element layout of `descr`.
    ///
    /// - Throws: ``MetaGraphKitError`` `unsupported` for big-endian, object
    ///   (pickled), void, datetime and other types TensorFlow has no dtype for.
    func element(what: String) throws -> (DType, ForeignLayout) {
        var d = Substring(descr)
        let order = d.first
        if order == "<" || order == "|" || order == "=" { d = d.dropFirst() } else if order == ">" {
            if descr.count > 2, descr.last == "1" { d = d.dropFirst() } else {
                throw MetaGraphKitError(.unsupported, "\(what): big-endian \(descr); save it little-endian (a.astype(a.dtype.newbyteorder('<')))")
            }
        }
        let fixed: [Substring: DType] = [
            "f2": .float16, "f4": .float32, "f8": .float64, "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64,
            "u1": .uint8, "u2": .uint16, "u4": .uint32, "u8": .uint64, "b1": .bool, "c8": .complex64, "c16": .complex128,
        ]
        if let t = fixed[d] { return (t, .raw) }
        if d.first == "S" || d.first == "U", let width = Int(d.dropFirst()), width >= 0 {
            return (.string, d.first == "S" ? .fixedBytes(width: width) : .ucs4(width: width))
        }
        if d == "O" {
            throw MetaGraphKitError(.unsupported, "\(what): an object array (pickled Python objects); it is never unpickled")
        }
        throw MetaGraphKitError(.unsupported, "\(what): numpy type \(descr) has no TensorFlow dtype")
    }
}

/// The Python literals a .npy header holds.
private enum PyValue {
    case string(String)
    case bool(Bool)
    case tuple([Int])
    case other
}

/// A parser of the one-level dict literal numpy writes (and `ast.literal_eval` reads).
private struct DictParser {
    let text: [UInt8]
    let what: String
    var at = 0

    init(text: [UInt8], what: String) {
        self.text = text
        self.what = what
    }

    func fail(_ why: String) -> MetaGraphKitError {
        MetaGraphKitError(.corrupt, "\(what): the .npy header is not a dict literal: \(why) at byte \(at)")
    }

    mutating func skipSpace() { while at < text.count, [0x20, 0x09, 0x0a, 0x0d].contains(text[at]) { at += 1 } }

    mutating func expect(_ c: UInt8) throws {
        skipSpace()
        guard at < text.count, text[at] == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
        at += 1
    }

    mutating func peek() -> UInt8? { skipSpace(); return at < text.count ? text[at] : nil }

    mutating func parseDict() throws -> [String: PyValue] {
        try expect(UInt8(ascii: "{"))
        var out: [String: PyValue] = [:]
        while peek() != UInt8(ascii: "}") {
            guard case .string(let key) = try parseValue() else { throw fail("a key that is not a string") }
            try expect(UInt8(ascii: ":"))
            guard out[key] == nil else { throw fail("the key '\(key)' twice") }
            out[key] = try parseValue()
            if peek() == UInt8(ascii: ",") { at += 1 } else { break }
        }
        try expect(UInt8(ascii: "}"))
        return out
    }

    mutating func parseValue() throws -> PyValue {
        guard let c = peek() else { throw fail("the text ends") }
        if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
            at += 1
            let start = at
            while at < text.count, text[at] != c {
                guard text[at] != UInt8(ascii: "\\") else { throw fail("an escape in a string") }
                at += 1
            }
            guard at < text.count else { throw fail("an unterminated string") }
            defer { at += 1 }
            return .string(String(decoding: text[start..<at], as: UTF8.self))
        }
        if c == UInt8(ascii: "(") {
            at += 1
            var dims: [Int] = []
            while peek() != UInt8(ascii: ")") {
                let start = at
                while at < text.count, text[at] >= 0x30, text[at] <= 0x39 { at += 1 }
                guard at > start, at - start <= 18, let n = Int(String(decoding: text[start..<at], as: UTF8.self)) else {
                    throw fail("a dimension that is not a non-negative integer")
                }
                if at < text.count, text[at] == UInt8(ascii: "L") { at += 1 }   // Python 2 longs
                dims.append(n)
                guard dims.count <= 254 else { throw fail("more than 254 dimensions") }
                if peek() == UInt8(ascii: ",") { at += 1 } else { break }
            }
            try expect(UInt8(ascii: ")"))
            return .tuple(dims)
        }
        for (word, value) in [("True", PyValue.bool(true)), ("False", .bool(false))] {
            let w = Array(word.utf8)
            if text.count - at >= w.count, Array(text[at..<(at + w.count)]) == w { at += w.count; return value }
        }
        if c == UInt8(ascii: "[") { skipBalanced(); return .other }
        throw fail("an unexpected character")
    }

    /// Skips a bracketed value (a structured dtype's field list).
    mutating func skipBalanced() {
        var depth = 0
        while at < text.count {
            let c = text[at]
            at += 1
            if c == UInt8(ascii: "[") || c == UInt8(ascii: "(") { depth += 1 }
            if c == UInt8(ascii: "]") || c == UInt8(ascii: ")") { depth -= 1; if depth == 0 { return } }
        }
    }
}
