// TEMPORARY: a text-format reader for tensorflow.CheckpointState only, until
// the generic text-format parser (branch `textformat`) is merged; printing already
// uses the generic printer. Delete this file
// when merging that branch; nothing else refers to it by name.

extension ProtoMessage {
    /// Parses text-format protobuf (stopgap: `tensorflow.CheckpointState` only).
    ///
    /// - Parameters:
    ///   - text: The text.
    ///   - type: The message type; only ``ProtoMessageType/checkpointState``.
    ///   - file: The file's path, for messages.
    /// - Throws: ``MetaGraphKitError`` `syntax`, `unknownName` or `unsupported`.
    public convenience init(text: String, as type: ProtoMessageType, file: String = "<text>") throws {
        guard type == .checkpointState else {
            throw MetaGraphKitError(.unsupported, "\(file): text format of \(type.fullName) is not supported yet")
        }
        var state = CheckpointState(modelCheckpointPath: "")
        var scanner = StopgapScanner(bytes: Array(text.utf8), file: file)
        while let name = try scanner.identifier() {
            try scanner.expect(UInt8(ascii: ":"))
            switch name {
            case "model_checkpoint_path": state.modelCheckpointPath = try scanner.string()
            case "all_model_checkpoint_paths": state.allModelCheckpointPaths.append(try scanner.string())
            case "all_model_checkpoint_timestamps": state.allModelCheckpointTimestamps.append(try scanner.number())
            case "last_preserved_timestamp": state.lastPreservedTimestamp = try scanner.number()
            default:
                throw MetaGraphKitError(.unknownName, "\(file): tensorflow.CheckpointState has no field '\(name)'")
            }
        }
        try self.init(binary: state.message().binary(), as: type, file: file)
    }
}

private struct StopgapScanner {
    let bytes: [UInt8]
    let file: String
    var i = 0

    mutating func skip() {
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d || b == 0x0b || b == 0x0c { i += 1 }
            else if b == UInt8(ascii: "#") { while i < bytes.count && bytes[i] != 0x0a { i += 1 } }
            else { break }
        }
    }

    func error(_ what: String) -> MetaGraphKitError {
        MetaGraphKitError(.syntax, "\(file): \(what) at byte \(MetaGraphKitError.hex(i))")
    }

    static func isIdent(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b == 0x5f
    }

    mutating func identifier() throws -> String? {
        skip()
        guard i < bytes.count else { return nil }
        let start = i
        while i < bytes.count && Self.isIdent(bytes[i]) { i += 1 }
        guard i > start else { throw error("expected a field name") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    mutating func expect(_ c: UInt8) throws {
        skip()
        guard i < bytes.count && bytes[i] == c else { throw error("expected '\(Character(Unicode.Scalar(c)))'") }
        i += 1
    }

    mutating func string() throws -> String {
        var out: [UInt8] = []
        skip()
        guard i < bytes.count, bytes[i] == 0x22 || bytes[i] == 0x27 else { throw error("expected a string") }
        while i < bytes.count, bytes[i] == 0x22 || bytes[i] == 0x27 {
            let quote = bytes[i]; i += 1
            while true {
                guard i < bytes.count, bytes[i] != 0x0a else { throw error("unterminated string") }
                let b = bytes[i]; i += 1
                if b == quote { break }
                if b != 0x5c { out.append(b); continue }
                guard i < bytes.count else { throw error("unterminated string") }
                let e = bytes[i]; i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "a"): out.append(0x07)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "v"): out.append(0x0b)
                case UInt8(ascii: "0")...UInt8(ascii: "7"):
                    var v = Int(e - 0x30), n = 1
                    while n < 3, i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x37 { v = v * 8 + Int(bytes[i] - 0x30); i += 1; n += 1 }
                    guard v < 256 else { throw error("octal escape out of range") }
                    out.append(UInt8(v))
                case UInt8(ascii: "x"):
                    var v = 0, n = 0
                    while n < 2, i < bytes.count, let d = Int(String(Unicode.Scalar(bytes[i])), radix: 16) { v = v * 16 + d; i += 1; n += 1 }
                    guard n > 0 else { throw error("bad \\x escape") }
                    out.append(UInt8(v))
                default: out.append(e)
                }
            }
            skip()
        }
        guard !out.contains(0) else { throw error("string holds a NUL byte") }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw MetaGraphKitError(.unsupported, "\(file): a path is not UTF-8 text; MetaGraphKit handles paths as UTF-8")
        }
        return text
    }

    mutating func number() throws -> Double {
        skip()
        let start = i
        while i < bytes.count, Self.isIdent(bytes[i]) || bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
        var text = String(decoding: bytes[start..<i], as: UTF8.self).lowercased()
        if text.hasSuffix("f") && !text.hasSuffix("inf") { text.removeLast() }
        if text == "inf" || text == "infinity" { return .infinity }
        if text == "-inf" || text == "-infinity" { return -.infinity }
        if text == "nan" { return .nan }
        guard let v = Double(text) else { throw error("expected a number, found '\(text)'") }
        return v
    }
}
