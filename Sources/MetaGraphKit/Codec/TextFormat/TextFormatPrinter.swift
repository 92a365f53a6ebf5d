// The protobuf text format, written exactly as Python's
// `google.protobuf.text_format.MessageToString` (protobuf 7) writes it.
internal import CProtobufC
#if canImport(Glibc)
import Glibc
#endif

/// Prints a protobuf-c message in text format.
///
/// Matches Python's defaults: fields in field-number order, two-space indentation,
/// `name: value` and `name {` … `}`, repeated fields one line per element, map
/// entries sorted by key, enums by name, `google.protobuf.Any` expanded when its
/// type is known, unknown fields left out. Strings keep valid UTF-8 as it is
/// (`as_utf8=True`) and escape control bytes and invalid UTF-8 in octal; bytes
/// fields escape every byte outside printable ASCII.
///
/// Values are read in place from the C structs and written straight into a byte
/// buffer (``TextFormatOutput``); each type's field names and enum names are
/// turned into bytes once (``TextFormatFieldLayout``).
struct TextFormatPrinter {
    private(set) var out: TextFormatOutput
    private var indent = 0
    private var layouts = TextFormatLayoutCache()

    /// A printer that gathers all the text in ``out``.
    init() { out = TextFormatOutput() }

    /// A printer that hands the text to `sink` in chunks of about `chunkSize`
    /// bytes; call ``finish()`` after the last message.
    init(chunkSize: Int, sink: @escaping ([UInt8]) -> Void) {
        out = TextFormatOutput(chunkSize: chunkSize, sink: sink)
    }

    /// Hands the rest of the text to the sink.
    mutating func finish() { out.flush() }

    mutating func printMessage(_ message: UnsafePointer<ProtobufCMessage>, as type: ProtoMessageType) {
        if type == .any, printExpandedAny(message) { return }
        for field in fields(of: type) {
            let present = MessageReflection.elements(of: field.info, in: message)
            if present.count == 0 { continue }
            if field.isMap {
                printMap(field, present)
            } else {
                for i in 0..<present.count { printField(field, at: present[i]) }
            }
        }
    }

    private mutating func fields(of type: ProtoMessageType) -> [TextFormatFieldLayout] {
        layouts.fields(of: type)
    }

    /// One line, or one `name { … }` block, for the value at `p`; false (and
    /// nothing printed) for a NULL string or message pointer.
    @discardableResult
    private mutating func printField(_ field: TextFormatFieldLayout, at p: UnsafeRawPointer) -> Bool {
        switch field.type {
        case PROTOBUF_C_TYPE_MESSAGE:
            guard let type = field.messageType,
                  let message = p.load(as: UnsafePointer<ProtobufCMessage>?.self) else { return false }
            out.appendIndent(indent)
            out.append(field.blockPrefix)
            printBlockBody(message, type)
        case PROTOBUF_C_TYPE_STRING:
            guard let string = p.load(as: UnsafePointer<UInt8>?.self) else { return false }
            out.appendIndent(indent)
            out.append(field.scalarPrefix)
            out.append(0x22)
            TextFormatEscaping.escapeUTF8(UnsafeBufferPointer(start: string, count: strlen(string)),
                                          into: &out.bytes)
            out.append(0x22)
        default:
            out.appendIndent(indent)
            out.append(field.scalarPrefix)
            printScalar(field, at: p)
        }
        out.append(0x0a)
        out.flushIfFull()
        return true
    }

    /// The fields of a nested message one level deeper, then the indented `}`
    /// (without its newline).
    private mutating func printBlockBody(_ message: UnsafePointer<ProtobufCMessage>, _ type: ProtoMessageType) {
        indent += 2
        printMessage(message, as: type)
        indent -= 2
        out.appendIndent(indent)
        out.append(0x7d)
    }

    /// A number, bool, enum or bytes value (strings and messages are printed by
    /// ``printField(_:at:)``).
    private mutating func printScalar(_ field: TextFormatFieldLayout, at p: UnsafeRawPointer) {
        switch field.type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32:
            out.appendDecimal(Int64(p.loadUnaligned(as: Int32.self)))
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64:
            out.appendDecimal(p.loadUnaligned(as: Int64.self))
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32:
            out.appendDecimal(UInt64(p.loadUnaligned(as: UInt32.self)))
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64:
            out.appendDecimal(p.loadUnaligned(as: UInt64.self))
        case PROTOBUF_C_TYPE_FLOAT:
            out.append(PythonFloatFormat.repr(p.loadUnaligned(as: Float.self)))
        case PROTOBUF_C_TYPE_DOUBLE:
            out.append(PythonFloatFormat.repr(p.loadUnaligned(as: Double.self)))
        case PROTOBUF_C_TYPE_BOOL:
            if p.loadUnaligned(as: Int32.self) != 0 { out.append("true") } else { out.append("false") }
        case PROTOBUF_C_TYPE_ENUM:
            let number = p.loadUnaligned(as: Int32.self)
            if let name = field.enumNames[number] { out.append(name) } else { out.appendDecimal(Int64(number)) }
        case PROTOBUF_C_TYPE_BYTES:
            let b = p.load(as: ProtobufCBinaryData.self)
            out.append(0x22)
            if b.len > 0, let data = b.data {
                TextFormatEscaping.escapeBytes(UnsafeBufferPointer(start: data, count: b.len), into: &out.bytes)
            }
            out.append(0x22)
        default:
            break
        }
    }

    // MARK: - Maps

    /// The entries of a map field in key order, the last of equal keys kept.
    /// Entries that are already in strictly increasing key order (as TensorFlow
    /// writes them) are printed as they are; others go through
    /// ``sortedMapEntries(_:)``.
    private mutating func printMap(_ field: TextFormatFieldLayout, _ present: FieldElements) {
        guard let entryType = field.messageType else { return }
        let entryFields = fields(of: entryType)
        if Self.entriesAreInKeyOrder(present, keyField: entryFields[0]) {
            for i in 0..<present.count {
                if let entry = present[i].load(as: UnsafePointer<ProtobufCMessage>?.self) {
                    printMapEntry(field, entry, entryFields)
                }
            }
            return
        }
        let entries = (0..<present.count).compactMap { present[$0].load(as: UnsafePointer<ProtobufCMessage>?.self) }
        for case .message(let entry, _) in Self.sortedMapEntries(entries.map { .message($0, entryType) }) {
            printMapEntry(field, entry, entryFields)
        }
    }

    /// Whether the (non-NULL) entries' keys strictly increase.
    private static func entriesAreInKeyOrder(_ present: FieldElements, keyField: TextFormatFieldLayout) -> Bool {
        var previous: StoredMapKey?
        for i in 0..<present.count {
            guard let entry = present[i].load(as: UnsafePointer<ProtobufCMessage>?.self) else { continue }
            let key = mapKey(entry, keyField)
            if let previous, !previous.precedes(key) { return false }
            previous = key
        }
        return true
    }

    /// Python builds each entry with both key and value set, so a message value
    /// prints even when the binary entry left it out.
    private mutating func printMapEntry(_ field: TextFormatFieldLayout, _ entry: UnsafePointer<ProtobufCMessage>,
                                        _ entryFields: [TextFormatFieldLayout]) {
        out.appendIndent(indent)
        out.append(field.blockPrefix)
        indent += 2
        // Entries keep key and value presence (Sources/CTFProtos/map_entries.py), but
        // Python prints an entry of a proto3 map like a proto3 message: a key or
        // scalar value at its default is left out.
        let key = entryFields[0]
        let keys = MessageReflection.elements(of: key.info, in: entry)
        for i in 0..<keys.count where !MessageReflection.isZero(key.type, at: keys[i]) {
            printField(key, at: keys[i])
        }
        let value = entryFields[1]
        let values = MessageReflection.elements(of: value.info, in: entry)
        var printed = false
        for i in 0..<values.count where !MessageReflection.isZero(value.type, at: values[i]) {
            if printField(value, at: values[i]) { printed = true }
        }
        if !printed, let valueType = value.messageType {
            // The message must outlive the pointer: -O may free an object right
            // after its last use, which `.pointer` is.
            let empty = ProtoMessage(empty: valueType)
            withExtendedLifetime(empty) {
                _ = withUnsafePointer(to: UnsafePointer(empty.pointer)) { printField(value, at: $0) }
            }
        }
        indent -= 2
        out.appendIndent(indent)
        out.append("}\n")
        out.flushIfFull()
    }

    /// A map entry's key as it is stored, for checking the order without copying.
    private static func mapKey(_ entry: UnsafePointer<ProtobufCMessage>, _ keyField: TextFormatFieldLayout)
        -> StoredMapKey
    {
        let present = MessageReflection.elements(of: keyField.info, in: entry)
        let p = present.count > 0 ? present[0] : nil
        switch keyField.type {
        case PROTOBUF_C_TYPE_STRING:
            return .string(p?.load(as: UnsafePointer<CChar>?.self))
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32:
            return .signed(Int64(p?.loadUnaligned(as: Int32.self) ?? 0))
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64:
            return .signed(p?.loadUnaligned(as: Int64.self) ?? 0)
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32:
            return .unsigned(UInt64(p?.loadUnaligned(as: UInt32.self) ?? 0))
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64:
            return .unsigned(p?.loadUnaligned(as: UInt64.self) ?? 0)
        case PROTOBUF_C_TYPE_BOOL:
            return .unsigned((p?.loadUnaligned(as: Int32.self) ?? 0) != 0 ? 1 : 0)
        default:
            return .other
        }
    }

    // MARK: - Any

    /// `[type.googleapis.com/tensorflow.SaverDef] { … }` when the URL has a `/` and
    /// names a known type whose value decodes; false to print the plain fields.
    private mutating func printExpandedAny(_ message: UnsafePointer<ProtobufCMessage>) -> Bool {
        let fields = ProtoMessageType.any.fields
        guard case .string(let urlBytes)? = MessageReflection.values(of: fields[0], in: message).first,
              let url = String(validating: urlBytes, as: UTF8.self),
              let slash = url.lastIndex(of: "/"),
              let type = ProtoMessageType.named(String(url[url.index(after: slash)...]))
        else { return false }
        var bytes: [UInt8] = []
        if case .bytes(let b)? = MessageReflection.values(of: fields[1], in: message).first { bytes = b }
        guard let packed = try? ProtoMessage(binary: bytes, as: type, file: url) else { return false }
        out.appendIndent(indent)
        out.append("[" + url + "] {\n")
        printBlockBody(UnsafePointer(packed.pointer), type)
        out.append(0x0a)
        out.flushIfFull()
        return true
    }

    /// Entries in key order, the last of equal keys kept (as a Python map holds them).
    static func sortedMapEntries(_ entries: [FieldValue]) -> [FieldValue] {
        var keyed: [(MapKey, FieldValue)] = []
        var index: [MapKey: Int] = [:]
        for entry in entries {
            guard case .message(let m, let type) = entry else { continue }
            let key = MapKey(MessageReflection.values(of: type.fields[0], in: m).first, type.fields[0])
            if let i = index[key] { keyed[i].1 = entry } else { index[key] = keyed.count; keyed.append((key, entry)) }
        }
        return keyed.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// A map key read in place: enough to tell whether entries are already in
/// ``MapKey`` order without copying their keys.
private enum StoredMapKey {
    case signed(Int64), unsigned(UInt64), string(UnsafePointer<CChar>?)
    /// A key type this check does not handle (bytes): never in order.
    case other

    /// Strictly before `other` in ``MapKey`` order (strings compare as unsigned
    /// bytes, as `strcmp` does; a NULL string is the empty key).
    func precedes(_ other: StoredMapKey) -> Bool {
        switch (self, other) {
        case (.signed(let a), .signed(let b)): return a < b
        case (.unsigned(let a), .unsigned(let b)): return a < b
        case (.string(let a?), .string(let b?)): return strcmp(a, b) < 0
        case (.string(nil), .string(let b?)): return b.pointee != 0
        case (.string, .string): return false
        default: return false
        }
    }
}

/// A map key, ordered as Python's `sorted()` orders keys (strings by code point,
/// which is UTF-8 byte order).
enum MapKey: Hashable, Comparable {
    case signed(Int64), unsigned(UInt64), bytes([UInt8])

    init(_ value: FieldValue?, _ field: FieldInfo) {
        switch value {
        case .int32(let v)?: self = .signed(Int64(v))
        case .int64(let v)?: self = .signed(v)
        case .uint32(let v)?: self = .unsigned(UInt64(v))
        case .uint64(let v)?: self = .unsigned(v)
        case .bool(let v)?: self = .unsigned(v ? 1 : 0)
        case .string(let b)?, .bytes(let b)?: self = .bytes(b)
        default:
            switch field.type {
            case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_BYTES: self = .bytes([])
            case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED32,
                 PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_BOOL: self = .unsigned(0)
            default: self = .signed(0)
            }
        }
    }

    static func < (a: MapKey, b: MapKey) -> Bool {
        switch (a, b) {
        case (.signed(let x), .signed(let y)): return x < y
        case (.unsigned(let x), .unsigned(let y)): return x < y
        case (.bytes(let x), .bytes(let y)): return x.lexicographicallyPrecedes(y)
        default: return false
        }
    }
}
