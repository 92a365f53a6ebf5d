// Parses protobuf text format into protobuf binary bytes, which protobuf-c then
// unpacks: every C allocation comes from protobuf-c, so
// `protobuf_c_message_free_unpacked` frees exactly what was allocated.
internal import CProtobufC

/// A recursive-descent parser for what Python's `text_format.Parse` accepts.
///
/// Fields are encoded to the protobuf wire format as they are read, into one
/// buffer: a nested message's length is patched in when its `}` is reached.
/// Map entries are written where they come; if a map's keys are not already in
/// strictly increasing order, its entries are moved to the end of their message
/// sorted by key (the last of equal keys wins), as Python's deterministic
/// serialization orders them. A singular field given twice, or two members of one
/// oneof, are errors, as in `text_format.Parse`. Each map entry is encoded as key
/// then value, both written even when absent or at their default (as protobuf's
/// C++ and upb encoders write map entries).
struct TextFormatParser {
    private var scanner: TextFormatScanner
    private var token: TextFormatToken
    private let file: String
    private let maxDepth: Int
    private var depth = 0
    /// The binary encoding written so far.
    private var out: [UInt8] = []
    private var layouts = TextFormatLayoutCache()

    /// - Parameters:
    ///   - text: The text as UTF-8; must be valid UTF-8.
    ///   - file: The file name that error messages start with.
    ///   - maxDepth: The deepest nesting of `{ }` blocks accepted.
    init(_ text: [UInt8], file: String, maxDepth: Int) throws {
        // The binary is about a fifth of the text; pages never written cost nothing.
        out.reserveCapacity(text.count / 3)
        scanner = TextFormatScanner(text, file: file)
        self.file = file
        self.maxDepth = maxDepth
        token = try scanner.next()
    }

    init(_ text: String, file: String, maxDepth: Int) throws {
        try self.init(Array(text.utf8), file: file, maxDepth: maxDepth)
    }

    /// Parses the whole text as one message of `type`; returns its binary encoding.
    mutating func parse(_ type: ProtoMessageType) throws -> [UInt8] {
        _ = try parseFields(type, close: nil)
        return out
    }

    // MARK: - Messages

    /// A map entry's key as read: a number, or where a string key lies in `out`
    /// (not copied: most maps are already in order and never need the copy).
    private enum EntryKey {
        case value(MapKey)
        case bytes(Range<Int>)

        /// The same key after `shift` bytes were inserted before it.
        func shifted(by shift: Int) -> EntryKey {
            guard case .bytes(let r) = self else { return self }
            return .bytes((r.lowerBound + shift)..<(r.upperBound + shift))
        }
    }

    /// The entries of one map field read so far in a message: each entry's key and
    /// where its bytes (tag, length, entry) lie in `out`.
    private struct MapEntries {
        let number: UInt32
        var entries: [(key: EntryKey, bytes: Range<Int>)] = []
        /// Keys strictly increasing so far: nothing to sort or drop.
        var isInOrder = true
    }

    /// `key` as a ``MapKey`` (copying a string key's bytes).
    private func mapKey(_ key: EntryKey) -> MapKey {
        switch key {
        case .value(let k): k
        case .bytes(let r): .bytes(Array(out[r]))
        }
    }

    /// Whether `a` sorts strictly before `b`, as ``MapKey`` orders keys.
    private func precedes(_ a: EntryKey, _ b: EntryKey) -> Bool {
        if case .bytes(let x) = a, case .bytes(let y) = b { return out[x].lexicographicallyPrecedes(out[y]) }
        return mapKey(a) < mapKey(b)
    }

    /// Reads fields up to `close` (or the end of the text) and appends their
    /// encoding to `out`; returns the key of a map entry (nil if none was given).
    private mutating func parseFields(_ type: ProtoMessageType, close: Unicode.Scalar?) throws -> EntryKey? {
        let fields = layout(of: type)
        let messageStart = out.count
        var seen = SeenFields()
        var maps: [MapEntries] = []
        var key: EntryKey?
        while true {
            if token.kind == .end {
                if let close { throw error(.syntax, "expected \"\(close)\" before the end of the text") }
                break
            }
            if let close, token.isSymbol(close) { try advance(); break }
            if token.isSymbol("[") {
                try parseExpandedAny(type, seen: &seen)
            } else {
                guard token.kind == .identifier else {
                    throw error(.syntax, "expected a field name, found \"\(scanner.string(of: token))\"")
                }
                let nameToken = token
                guard let index = type.fieldIndex(named: scanner.text(of: token)) else {
                    throw error(.unknownName, "message type \"\(type.fullName)\" has no field named \"\(scanner.string(of: token))\"")
                }
                let field = fields[index]
                try checkOnce(index, of: fields, type, seen: &seen, at: nameToken)
                try advance()
                if field.info.isMessage { try skip(":") } else { try expect(":") }
                if field.info.isRepeated, try skip("[") {
                    if try !skip("]") {
                        while true {
                            try parseValue(field, maps: &maps, key: &key)
                            if try skip("]") { break }
                            try expect(",")
                        }
                    }
                } else {
                    try parseValue(field, maps: &maps, key: &key)
                }
            }
            if try !skip(",") { try skip(";") }
        }
        reorderMapEntries(maps.filter { !$0.isInOrder }, messageStart: messageStart)
        return key
    }

    /// Moves the entries of each map whose keys are out of order (or repeated) to
    /// the end of the message starting at `messageStart`, sorted, the last of
    /// equal keys kept. Field order in the encoding does not matter otherwise:
    /// protobuf-c collects a repeated field's elements wherever they are.
    private mutating func reorderMapEntries(_ maps: [MapEntries], messageStart: Int) {
        guard !maps.isEmpty else { return }
        var rebuilt: [UInt8] = []
        var cursor = messageStart
        for range in maps.flatMap({ $0.entries.map(\.bytes) }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            rebuilt += out[cursor..<range.lowerBound]
            cursor = range.upperBound
        }
        rebuilt += out[cursor...]
        for map in maps.sorted(by: { $0.number < $1.number }) {
            var index: [MapKey: Int] = [:]
            var entries: [(key: MapKey, bytes: Range<Int>)] = []
            for entry in map.entries {
                let key = mapKey(entry.key)
                if let i = index[key] { entries[i].bytes = entry.bytes } else {
                    index[key] = entries.count
                    entries.append((key, entry.bytes))
                }
            }
            for entry in entries.sorted(by: { $0.key < $1.key }) { rebuilt += out[entry.bytes] }
        }
        out.replaceSubrange(messageStart..., with: rebuilt)
    }

    private mutating func layout(of type: ProtoMessageType) -> [TextFormatFieldLayout] {
        layouts.fields(of: type)
    }

    private func checkOnce(_ index: Int, of fields: [TextFormatFieldLayout], _ type: ProtoMessageType,
                           seen: inout SeenFields, at name: TextFormatToken) throws {
        let field = fields[index].info
        guard !field.isRepeated else { return }
        if field.isOneofMember {
            let group = field.descriptor.pointee.quantifier_offset
            let other = fields.indices.first {
                $0 != index && seen.contains($0) && fields[$0].info.isOneofMember
                    && fields[$0].info.descriptor.pointee.quantifier_offset == group
            }
            if let other {
                throw error(.syntax, "field \"\(field.name)\" is given along with \"\(fields[other].info.name)\", another member of its oneof", at: name)
            }
        }
        guard seen.insert(index) else {
            throw error(.syntax, "message type \"\(type.fullName)\" should not have multiple \"\(field.name)\" fields", at: name)
        }
    }

    private mutating func parseValue(_ field: TextFormatFieldLayout, maps: inout [MapEntries],
                                     key: inout EntryKey?) throws {
        let number = field.info.number
        if let subtype = field.messageType {
            let entryStart = out.count
            let lengthAt = beginLengthDelimited(number)
            var entryKey = try parseBlock(subtype)
            if field.isMap { entryKey = canonicalizeMapEntry(from: lengthAt + 1, subtype, key: entryKey) }
            let shift = endLengthDelimited(lengthAt)
            if field.isMap {
                let entryKey = entryKey?.shifted(by: shift) ?? .value(MapKey(nil, layout(of: subtype)[0].info))
                if let i = maps.firstIndex(where: { $0.number == number }) {
                    if maps[i].isInOrder, let last = maps[i].entries.last, !precedes(last.key, entryKey) {
                        maps[i].isInOrder = false
                    }
                    maps[i].entries.append((entryKey, entryStart..<out.count))
                } else {
                    maps.append(MapEntries(number: number, entries: [(entryKey, entryStart..<out.count)]))
                }
            }
            return
        }
        if field.type == PROTOBUF_C_TYPE_STRING || field.type == PROTOBUF_C_TYPE_BYTES {
            let lengthAt = beginLengthDelimited(number)
            try parseString(field)
            let value = EntryKey.bytes((lengthAt + 1)..<out.count)
            let shift = endLengthDelimited(lengthAt)
            if field.isMapEntryKey { key = value.shifted(by: shift) }
            return
        }
        let value = try parseScalar(field.info)
        if field.isMapEntryKey { key = .value(MapKey(value, field.info)) }
        WireFormat.append(value, field.info, to: &out)
    }

    /// Rewrites the map entry encoded in `out[start...]` as key then value, both
    /// written even when absent or at their default: `arg_attr { value { … } }` and
    /// `arg_attr { key: 0 value { … } }` are the same entry and must encode alike,
    /// as protobuf's C++ and upb encoders write every entry. Returns the entry's key
    /// with a string key's position updated. Entries already in that form (the
    /// usual case) are left as they are.
    private mutating func canonicalizeMapEntry(from start: Int, _ type: ProtoMessageType, key: EntryKey?) -> EntryKey? {
        var parts: [UInt32: Range<Int>] = [:]
        var order: [UInt32] = []
        var at = start
        while at < out.count {
            let fieldStart = at
            let tag = readVarint(&at)
            switch tag & 7 {
            case 0: _ = readVarint(&at)
            case 1: at += 8
            case 2: at += Int(readVarint(&at))
            default: at += 4  // 5: fixed32 (the parser writes no groups)
            }
            parts[UInt32(tag >> 3)] = fieldStart..<at
            order.append(UInt32(tag >> 3))
        }
        if order == [1, 2] { return key }
        let fields = layout(of: type)
        var rebuilt: [UInt8] = []
        for field in fields.prefix(2) {
            if let range = parts[field.info.number] { rebuilt += out[range] } else {
                rebuilt += Self.defaultEncoding(field.info)
            }
        }
        out.replaceSubrange(start..., with: rebuilt)
        guard case .bytes(let old)? = key else { return key }
        // The key is now the first field: its tag, its length, then the bytes.
        var lengthEnd = start
        _ = readVarint(&lengthEnd)
        _ = readVarint(&lengthEnd)
        return .bytes(lengthEnd..<(lengthEnd + old.count))
    }

    /// A varint of the parser's own output (already checked as it was written).
    private func readVarint(_ at: inout Int) -> UInt64 {
        out.withUnsafeBytes { (try? Varint.decode($0, at: &at, as: UInt64.self).get()) ?? 0 }
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

    /// Writes the tag of a length-delimited field and a one-byte length to patch;
    /// returns where that length byte is.
    private mutating func beginLengthDelimited(_ number: UInt32) -> Int {
        WireFormat.appendTag(number, 2, to: &out)
        out.append(0)
        return out.count - 1
    }

    /// Patches the length at `lengthAt` to cover everything written after it,
    /// widening it (and moving the content) when it needs more than one byte.
    /// - Returns: How many bytes the content moved.
    @discardableResult
    private mutating func endLengthDelimited(_ lengthAt: Int) -> Int {
        let length = out.count - lengthAt - 1
        if length < 0x80 {
            out[lengthAt] = UInt8(length)
            return 0
        }
        var varint: [UInt8] = []
        Varint.append(UInt64(length), to: &varint)
        out.replaceSubrange(lengthAt..<(lengthAt + 1), with: varint)
        return varint.count - 1
    }

    /// `{ … }` or `< … >`, one level deeper.
    private mutating func parseBlock(_ type: ProtoMessageType) throws -> EntryKey? {
        let close: Unicode.Scalar
        if token.isSymbol("{") { close = "}" } else if token.isSymbol("<") { close = ">" } else {
            throw error(.syntax, "expected \"{\" or \"<\", found \"\(scanner.string(of: token))\"")
        }
        guard depth < maxDepth else {
            throw error(.tooDeep, "messages nested deeper than \(maxDepth) levels")
        }
        try advance()
        depth += 1
        defer { depth -= 1 }
        return try parseFields(type, close: close)
    }

    /// `[type.googleapis.com/tensorflow.SaverDef] { … }` inside a `google.protobuf.Any`.
    private mutating func parseExpandedAny(_ type: ProtoMessageType, seen: inout SeenFields) throws {
        let open = token
        try advance()
        var url = ""
        while !token.isSymbol("]") {
            guard token.kind == .identifier || token.isSymbol(".") || token.isSymbol("/") else {
                throw error(.syntax, "expected a type URL, found \"\(scanner.string(of: token))\"")
            }
            url += scanner.string(of: token)
            try advance()
        }
        guard type == .any else {
            throw error(.unknownName, "extension \"[\(url)]\" is not supported in \"\(type.fullName)\"", at: open)
        }
        guard let slash = url.lastIndex(of: "/"),
              let packedType = ProtoMessageType.named(String(url[url.index(after: slash)...])) else {
            throw error(.unknownName, "unknown type in Any type URL \"\(url)\"", at: open)
        }
        // Any's fields are type_url (index 0) and value (index 1).
        guard seen.insert(0), seen.insert(1) else {
            throw error(.syntax, "Any message given more than once", at: open)
        }
        try advance()
        try skip(":")
        let bodyStart = out.count
        _ = try parseBlock(packedType)
        let body = Array(out[bodyStart...])
        out.removeSubrange(bodyStart...)
        // Python packs the parsed message with SerializeToString: canonical field order.
        let canonical = try ProtoMessage(binary: body, as: packedType, file: file,
                                         limits: DecodingLimits(maxDepth: maxDepth + 2)).binary()
        WireFormat.appendLengthDelimited(1, Array(url.utf8), to: &out)
        WireFormat.appendLengthDelimited(2, canonical, to: &out)
    }

    // MARK: - Scalars

    /// One or more adjacent string tokens, unescaped and concatenated into `out`.
    private mutating func parseString(_ field: TextFormatFieldLayout) throws {
        let first = token
        guard first.kind == .string else { throw error(.syntax, "expected a string for field \"\(field.info.name)\"") }
        let start = out.count
        while token.kind == .string {
            let stringToken = token
            let text = scanner.text(of: stringToken)
            try TextFormatUnescaping.unescape(text, into: &out) { what, offset in
                let column = scanner.column(of: stringToken)
                    + text.prefix(offset).reduce(0) { $1 & 0xc0 == 0x80 ? $0 : $0 + 1 }
                return MetaGraphKitError(.syntax, "\(file):\(stringToken.line):\(column): \(what)", file: file)
            }
            try advance()
        }
        // protobuf-c keeps string fields as C strings: a NUL would silently cut the value.
        if field.type == PROTOBUF_C_TYPE_STRING, out[start...].contains(0) {
            throw error(.unsupported, "string field \"\(field.info.name)\" cannot hold a NUL byte here (protobuf-c stores strings NUL-terminated)", at: first)
        }
    }

    /// A number, bool or enum value (strings are read by ``parseString(_:)``).
    private mutating func parseScalar(_ field: FieldInfo) throws -> FieldValue {
        let t = token
        let value: FieldValue
        switch field.type {
        case PROTOBUF_C_TYPE_FLOAT:
            value = .float(Float(try parseFloat(field)))
        case PROTOBUF_C_TYPE_DOUBLE:
            value = .double(try parseFloat(field))
        case PROTOBUF_C_TYPE_BOOL:
            switch scanner.string(of: t) {
            case "true", "t", "True", "1": value = .bool(true)
            case "false", "f", "False", "0": value = .bool(false)
            default: throw error(.syntax, "expected true or false for field \"\(field.name)\", found \"\(scanner.string(of: t))\"")
            }
        case PROTOBUF_C_TYPE_ENUM:
            if t.kind == .identifier {
                guard let number = field.enumNumber(named: scanner.text(of: t)) else {
                    throw error(.unknownName, "enum field \"\(field.name)\" has no value named \"\(scanner.string(of: t))\"")
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
        var text = scanner.text(of: token)
        guard token.kind == .number else { throw badInteger(field) }
        var negative = false
        if text.first == 0x2d { negative = true; text = text.dropFirst() } else if text.first == 0x2b { text = text.dropFirst() }
        var radix: UInt64 = 10
        if text.count > 1, text.first == 0x30, text.dropFirst().first! | 0x20 == 0x78 {  // 0x, 0X
            radix = 16; text = text.dropFirst(2)
        } else if text.count > 1, text.first == 0x30 {
            radix = 8; text = text.dropFirst()
        }
        guard !text.isEmpty, let magnitude = Self.magnitude(text, radix: radix) else { throw badInteger(field) }
        func outOfRange() -> MetaGraphKitError {
            error(.syntax, "integer \(scanner.string(of: token)) is out of range for field \"\(field.name)\"")
        }
        if negative {
            guard magnitude <= UInt64(bitPattern: 0 &- min) || (min == Int64.min && magnitude == UInt64(1) << 63)
            else { throw outOfRange() }
            if magnitude == 0 { return 0 }
            guard min < 0 else { throw outOfRange() }
            return Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        guard magnitude <= max else { throw outOfRange() }
        return Int64(truncatingIfNeeded: magnitude)
    }

    /// The digits' value, as `UInt64(_:radix:)` reads them without a sign; nil for
    /// a character that is not a digit of `radix` or a value above UInt64.max.
    private static func magnitude(_ digits: ArraySlice<UInt8>, radix: UInt64) -> UInt64? {
        var value: UInt64 = 0
        for c in digits {
            let d: UInt64
            switch c {
            case 0x30...0x39: d = UInt64(c - 0x30)
            case 0x61...0x7a: d = UInt64(c - 0x61 + 10)
            case 0x41...0x5a: d = UInt64(c - 0x41 + 10)
            default: return nil
            }
            guard d < radix else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: radix)
            let (sum, o2) = times.addingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    private func badInteger(_ field: FieldInfo) -> MetaGraphKitError {
        error(.syntax, "expected an integer for field \"\(field.name)\", found \"\(scanner.string(of: token))\"")
    }

    /// A float token as Python's `ParseFloat` reads it: a decimal number with an
    /// optional `f` suffix, `inf`, `infinity`, `nan` (any case, optional sign).
    private func parseFloat(_ field: FieldInfo) throws -> Double {
        let text = scanner.string(of: token)
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
        let allowed = { (b: UInt8) in (b >= 0x30 && b <= 0x39) || b == 0x2e || b == 0x65 || b == 0x2b || b == 0x2d }
        guard !body.isEmpty, body.utf8.allSatisfy(allowed),
              body.first != "+", body.first != "-", let value = Double(String(body)) else {
            throw error(.syntax, "expected a number for field \"\(field.name)\", found \"\(text)\"")
        }
        return negative ? -value : value
    }

    // MARK: - Tokens

    private mutating func advance() throws { token = try scanner.next() }

    /// Consumes `symbol` if it is next.
    @discardableResult
    private mutating func skip(_ symbol: Unicode.Scalar) throws -> Bool {
        guard token.isSymbol(symbol) else { return false }
        try advance()
        return true
    }

    private mutating func expect(_ symbol: Unicode.Scalar) throws {
        guard try skip(symbol) else {
            let found = token.kind == .end ? "the end of the text" : "\"\(scanner.string(of: token))\""
            throw error(.syntax, "expected \"\(symbol)\", found \(found)")
        }
    }

    private func error(_ code: MetaGraphKitError.Code, _ what: String, at t: TextFormatToken? = nil)
        -> MetaGraphKitError {
        let t = t ?? token
        return MetaGraphKitError(code, "\(file):\(t.line):\(scanner.column(of: t)): \(what)", file: file)
    }
}

/// The singular fields a message has been given so far, by index in its type's
/// fields: a bit mask, with a set for types of more than 64 fields.
private struct SeenFields {
    private var mask: UInt64 = 0
    private var beyond: Set<Int> = []

    func contains(_ index: Int) -> Bool {
        index < 64 ? mask & (1 << UInt64(index)) != 0 : beyond.contains(index)
    }

    /// Adds `index`; false when it was already there.
    mutating func insert(_ index: Int) -> Bool {
        guard index < 64 else { return beyond.insert(index).inserted }
        let bit: UInt64 = 1 << UInt64(index)
        defer { mask |= bit }
        return mask & bit == 0
    }
}
