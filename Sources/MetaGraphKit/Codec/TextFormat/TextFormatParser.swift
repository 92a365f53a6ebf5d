// Parses protobuf text format into protobuf binary bytes, which protobuf-c then
// unpacks: every C allocation comes from protobuf-c, so
// `protobuf_c_message_free_unpacked` frees exactly what was allocated.
internal import CProtobufC

/// A recursive-descent parser for what Python's `text_format.Parse` accepts.
///
/// Fields are encoded to the protobuf wire format as they are read. Map entries are
/// kept aside and written sorted by key (the last of equal keys wins), as Python's
/// deterministic serialization orders them, each entry as key then value, both
/// written even when absent or at their default (as protobuf's C++ and upb
/// encoders write map entries). A singular field given twice, or two
/// members of one oneof, are errors, as in `text_format.Parse`.
struct TextFormatParser {
    private var scanner: TextFormatScanner
    private var token: TextFormatToken
    private let file: String
    private let maxDepth: Int
    private var depth = 0

    init(_ text: String, file: String, maxDepth: Int) throws {
        scanner = TextFormatScanner(text, file: file)
        self.file = file
        self.maxDepth = maxDepth
        token = try scanner.next()
    }

    /// Parses the whole text as one message of `type`; returns its binary encoding.
    mutating func parse(_ type: ProtoMessageType) throws -> [UInt8] {
        try parseFields(type, close: nil).bytes
    }

    // MARK: - Messages

    private mutating func parseFields(_ type: ProtoMessageType, close: Character?, mapEntry: Bool = false) throws
        -> (bytes: [UInt8], key: MapKey?)
    {
        var out: [UInt8] = []
        // A map entry's key and value, kept apart to be written in canonical form.
        var entryParts: [UInt32: [UInt8]] = [:]
        var seen: Set<UInt32> = []
        var oneofs: [UInt32: String] = [:]
        var maps: [UInt32: [(MapKey, [UInt8])]] = [:]
        var key: MapKey?
        while true {
            if token.kind == .end {
                if let close { throw error(.syntax, "expected \"\(close)\" before the end of the text") }
                break
            }
            if let close, token.isSymbol(close) { try advance(); break }
            if token.isSymbol("[") {
                try parseExpandedAny(type, into: &out, seen: &seen)
            } else {
                guard token.kind == .identifier else {
                    throw error(.syntax, "expected a field name, found \"\(token.string)\"")
                }
                let nameToken = token
                guard let field = type.field(named: token.string) else {
                    throw error(.unknownName, "message type \"\(type.fullName)\" has no field named \"\(token.string)\"")
                }
                try checkOnce(field, type, seen: &seen, oneofs: &oneofs, at: nameToken)
                try advance()
                let start = out.count
                defer {
                    if mapEntry {
                        entryParts[field.number] = Array(out[start...])
                        out.removeSubrange(start...)
                    }
                }
                if field.isMessage { try skip(":") } else { try expect(":") }
                if field.isRepeated, try skip("[") {
                    if try !skip("]") {
                        while true {
                            try parseValue(field, into: &out, maps: &maps, key: &key, entry: type)
                            if try skip("]") { break }
                            try expect(",")
                        }
                    }
                } else {
                    try parseValue(field, into: &out, maps: &maps, key: &key, entry: type)
                }
            }
            if try !skip(",") { _ = try skip(";") }
        }
        if mapEntry {
            // `arg_attr { value { … } }` and `arg_attr { key: 0 value { … } }` are the
            // same entry and must encode alike: key first, then value, both always.
            for field in type.fields.prefix(2) {
                out += entryParts[field.number] ?? Self.defaultEncoding(field)
            }
        }
        for number in maps.keys.sorted() {
            var index: [MapKey: Int] = [:]
            var entries: [(MapKey, [UInt8])] = []
            for (k, bytes) in maps[number]! {
                if let i = index[k] { entries[i].1 = bytes } else { index[k] = entries.count; entries.append((k, bytes)) }
            }
            for (_, bytes) in entries.sorted(by: { $0.0 < $1.0 }) {
                WireFormat.appendLengthDelimited(number, bytes, to: &out)
            }
        }
        return (out, key)
    }

    /// The encoding of a field at its default value, written explicitly.
    static func defaultEncoding(_ field: FieldInfo) -> [UInt8] {
        var out: [UInt8] = []
        let value: FieldValue
        switch field.type {
        case PROTOBUF_C_TYPE_MESSAGE:
            WireFormat.appendLengthDelimited(field.number, [], to: &out)
            return out
        case PROTOBUF_C_TYPE_ENUM: value = .enumNumber(0)
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32: value = .int32(0)
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64: value = .int64(0)
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32: value = .uint32(0)
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64: value = .uint64(0)
        case PROTOBUF_C_TYPE_FLOAT: value = .float(0)
        case PROTOBUF_C_TYPE_DOUBLE: value = .double(0)
        case PROTOBUF_C_TYPE_BOOL: value = .bool(false)
        case PROTOBUF_C_TYPE_BYTES: value = .bytes([])
        default: value = .string([])
        }
        WireFormat.append(value, field, to: &out)
        return out
    }

    private func checkOnce(_ field: FieldInfo, _ type: ProtoMessageType, seen: inout Set<UInt32>,
                           oneofs: inout [UInt32: String], at name: TextFormatToken) throws {
        guard !field.isRepeated else { return }
        if field.isOneofMember {
            let group = field.descriptor.pointee.quantifier_offset
            if let other = oneofs[group], other != field.name {
                throw error(.syntax, "field \"\(field.name)\" is given along with \"\(other)\", another member of its oneof", at: name)
            }
            oneofs[group] = field.name
        }
        guard seen.insert(field.number).inserted else {
            throw error(.syntax, "message type \"\(type.fullName)\" should not have multiple \"\(field.name)\" fields", at: name)
        }
    }

    private mutating func parseValue(_ field: FieldInfo, into out: inout [UInt8],
                                     maps: inout [UInt32: [(MapKey, [UInt8])]], key: inout MapKey?,
                                     entry: ProtoMessageType) throws {
        if let subtype = field.messageType {
            let sub = try parseBlock(subtype, mapEntry: field.isMap)
            if field.isMap {
                let keyField = subtype.fields[0]
                maps[field.number, default: []].append((sub.key ?? MapKey(nil, keyField), sub.bytes))
            } else {
                WireFormat.appendLengthDelimited(field.number, sub.bytes, to: &out)
            }
            return
        }
        let value = try parseScalar(field)
        if field.number == 1 && field.name == "key" && entry.shortName.hasSuffix("Entry") {
            key = MapKey(value, field)
        }
        WireFormat.append(value, field, to: &out)
    }

    /// `{ … }` or `< … >`, one level deeper.
    private mutating func parseBlock(_ type: ProtoMessageType, mapEntry: Bool = false) throws -> (bytes: [UInt8], key: MapKey?) {
        let close: Character
        if token.isSymbol("{") { close = "}" } else if token.isSymbol("<") { close = ">" } else {
            throw error(.syntax, "expected \"{\" or \"<\", found \"\(token.string)\"")
        }
        guard depth < maxDepth else {
            throw error(.tooDeep, "messages nested deeper than \(maxDepth) levels")
        }
        try advance()
        depth += 1
        defer { depth -= 1 }
        return try parseFields(type, close: close, mapEntry: mapEntry)
    }

    /// `[type.googleapis.com/tensorflow.SaverDef] { … }` inside a `google.protobuf.Any`.
    private mutating func parseExpandedAny(_ type: ProtoMessageType, into out: inout [UInt8],
                                           seen: inout Set<UInt32>) throws {
        let open = token
        try advance()
        var url = ""
        while !token.isSymbol("]") {
            guard token.kind == .identifier || token.isSymbol(".") || token.isSymbol("/") else {
                throw error(.syntax, "expected a type URL, found \"\(token.string)\"")
            }
            url += token.string
            try advance()
        }
        guard type == .any else {
            throw error(.unknownName, "extension \"[\(url)]\" is not supported in \"\(type.fullName)\"", at: open)
        }
        guard let slash = url.lastIndex(of: "/"),
              let packedType = ProtoMessageType.named(String(url[url.index(after: slash)...])) else {
            throw error(.unknownName, "unknown type in Any type URL \"\(url)\"", at: open)
        }
        guard seen.insert(1).inserted, seen.insert(2).inserted else {
            throw error(.syntax, "Any message given more than once", at: open)
        }
        try advance()
        _ = try skip(":")
        let body = try parseBlock(packedType).bytes
        // Python packs the parsed message with SerializeToString: canonical field order.
        let canonical = try ProtoMessage(binary: body, as: packedType, file: file,
                                         limits: DecodingLimits(maxDepth: maxDepth + 2)).binary()
        WireFormat.appendLengthDelimited(1, Array(url.utf8), to: &out)
        WireFormat.appendLengthDelimited(2, canonical, to: &out)
    }

    // MARK: - Scalars

    private mutating func parseScalar(_ field: FieldInfo) throws -> FieldValue {
        let t = token
        let value: FieldValue
        switch field.type {
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_BYTES:
            guard t.kind == .string else { throw error(.syntax, "expected a string for field \"\(field.name)\"") }
            var bytes: [UInt8] = []
            while token.kind == .string {
                let stringToken = token
                try TextFormatUnescaping.unescape(stringToken.text, into: &bytes) { what, offset in
                    let column = stringToken.column + stringToken.text[..<offset].reduce(0) { $1 & 0xc0 == 0x80 ? $0 : $0 + 1 }
                    return MetaGraphKitError(.syntax, "\(file):\(stringToken.line):\(column): \(what)")
                }
                try advance()
            }
            guard field.type == PROTOBUF_C_TYPE_STRING else { return .bytes(bytes) }
            // protobuf-c keeps string fields as C strings: a NUL would silently cut the value.
            guard !bytes.contains(0) else {
                throw error(.unsupported, "string field \"\(field.name)\" cannot hold a NUL byte here (protobuf-c stores strings NUL-terminated)", at: t)
            }
            return .string(bytes)
        case PROTOBUF_C_TYPE_FLOAT:
            value = .float(Float(try parseFloat(field)))
        case PROTOBUF_C_TYPE_DOUBLE:
            value = .double(try parseFloat(field))
        case PROTOBUF_C_TYPE_BOOL:
            switch t.string {
            case "true", "t", "True", "1": value = .bool(true)
            case "false", "f", "False", "0": value = .bool(false)
            default: throw error(.syntax, "expected true or false for field \"\(field.name)\", found \"\(t.string)\"")
            }
        case PROTOBUF_C_TYPE_ENUM:
            if t.kind == .identifier {
                guard let number = field.enumNumber(t.string) else {
                    throw error(.unknownName, "enum field \"\(field.name)\" has no value named \"\(t.string)\"")
                }
                value = .enumNumber(number)
            } else {
                value = .enumNumber(Int32(try parseInteger(field, min: Int64(Int32.min), max: UInt64(Int32.max))))
            }
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32:
            value = .int32(Int32(try parseInteger(field, min: Int64(Int32.min), max: UInt64(Int32.max))))
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64:
            value = .int64(Int64(try parseInteger(field, min: Int64.min, max: UInt64(Int64.max))))
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32:
            value = .uint32(UInt32(try parseInteger(field, min: 0, max: UInt64(UInt32.max))))
        default:
            value = .uint64(UInt64(bitPattern: Int64(truncatingIfNeeded: try parseInteger(field, min: 0, max: UInt64.max))))
        }
        try advance()
        return value
    }

    /// An integer token: decimal, `0x` hex or leading-zero octal, optional sign.
    /// Returns the value as the bits of an Int64 (UInt64 values above Int64.max wrap).
    private func parseInteger(_ field: FieldInfo, min: Int64, max: UInt64) throws -> Int64 {
        var text = Substring(token.string)
        let bad = error(.syntax, "expected an integer for field \"\(field.name)\", found \"\(token.string)\"")
        guard token.kind == .number else { throw bad }
        var negative = false
        if text.first == "-" { negative = true; text = text.dropFirst() } else if text.first == "+" { text = text.dropFirst() }
        var radix = 10
        if text.hasPrefix("0x") || text.hasPrefix("0X") { radix = 16; text = text.dropFirst(2) }
        else if text.count > 1 && text.hasPrefix("0") { radix = 8; text = text.dropFirst() }
        guard !text.isEmpty, text.first != "+", text.first != "-",
              let magnitude = UInt64(text, radix: radix) else { throw bad }
        let outOfRange = error(.syntax, "integer \(token.string) is out of range for field \"\(field.name)\"")
        if negative {
            guard magnitude <= UInt64(bitPattern: 0 &- min) || (min == Int64.min && magnitude == UInt64(1) << 63)
            else { throw outOfRange }
            if magnitude == 0 { return 0 }
            guard min < 0 else { throw outOfRange }
            return Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        guard magnitude <= max else { throw outOfRange }
        return Int64(truncatingIfNeeded: magnitude)
    }

    /// A float token as Python's `ParseFloat` reads it: a decimal number with an
    /// optional `f` suffix, `inf`, `infinity`, `nan` (any case, optional sign).
    private func parseFloat(_ field: FieldInfo) throws -> Double {
        let text = token.string
        guard token.kind == .number || token.kind == .identifier else {
            throw error(.syntax, "expected a number for field \"\(field.name)\", found \"\(text)\"")
        }
        var body = Substring(text.lowercased())
        var negative = false
        if body.first == "-" { negative = true; body = body.dropFirst() } else if body.first == "+" { body = body.dropFirst() }
        if body == "inf" || body == "inff" || body == "infinity" || body == "infinityf" {
            return negative ? -.infinity : .infinity
        }
        if body == "nan" || body == "nanf" { return negative ? -.nan : .nan }
        if body.hasSuffix("f") { body = body.dropLast() }
        guard !body.isEmpty, body.allSatisfy({ "0123456789.e+-".contains($0) }),
              body.first != "+", body.first != "-", let value = Double(String(body)) else {
            throw error(.syntax, "expected a number for field \"\(field.name)\", found \"\(text)\"")
        }
        return negative ? -value : value
    }

    // MARK: - Tokens

    private mutating func advance() throws { token = try scanner.next() }

    /// Consumes `symbol` if it is next.
    private mutating func skip(_ symbol: Character) throws -> Bool {
        guard token.isSymbol(symbol) else { return false }
        try advance()
        return true
    }

    private mutating func expect(_ symbol: Character) throws {
        guard try skip(symbol) else {
            let found = token.kind == .end ? "the end of the text" : "\"\(token.string)\""
            throw error(.syntax, "expected \"\(symbol)\", found \(found)")
        }
    }

    private func error(_ code: MetaGraphKitError.Code, _ what: String, at t: TextFormatToken? = nil)
        -> MetaGraphKitError {
        let t = t ?? token
        return MetaGraphKitError(code, "\(file):\(t.line):\(t.column): \(what)")
    }
}
