// The protobuf text format, written exactly as Python's
// `google.protobuf.text_format.MessageToString` (protobuf 7) writes it.
internal import CProtobufC

/// Prints a protobuf-c message in text format.
///
/// Matches Python's defaults: fields in field-number order, two-space indentation,
/// `name: value` and `name {` … `}`, repeated fields one line per element, map
/// entries sorted by key, enums by name, `google.protobuf.Any` expanded when its
/// type is known, unknown fields left out. Strings keep valid UTF-8 as it is
/// (`as_utf8=True`) and escape control bytes and invalid UTF-8 in octal; bytes
/// fields escape every byte outside printable ASCII.
struct TextFormatPrinter {
    private(set) var out: [UInt8] = []
    private var indent = 0

    mutating func printMessage(_ message: UnsafePointer<ProtobufCMessage>, as type: ProtoMessageType) {
        if type == .any, printExpandedAny(message) { return }
        for field in type.fields {
            var values = MessageReflection.values(of: field, in: message)
            if values.isEmpty { continue }
            if field.isMap { values = Self.sortedMapEntries(values) }
            for value in values {
                if field.isMap, case .message(let entry, let entryType) = value {
                    printMapEntry(field.name, entry, entryType)
                } else {
                    printField(field, value)
                }
            }
        }
    }

    private mutating func printField(_ field: FieldInfo, _ value: FieldValue) {
        write(String(repeating: " ", count: indent))
        write(field.name)
        if case .message(let m, let type) = value {
            write(" ")
            printBlock(m, type)
        } else {
            write(": ")
            printScalar(field, value)
        }
        out.append(0x0a)
    }

    /// Python builds each entry with both key and value set, so a message value
    /// prints even when the binary entry left it out.
    private mutating func printMapEntry(_ name: String, _ entry: UnsafePointer<ProtobufCMessage>,
                                        _ type: ProtoMessageType) {
        write(String(repeating: " ", count: indent) + name + " {\n")
        indent += 2
        // Entries keep key and value presence (Sources/CTFProtos/map_entries.py), but
        // Python prints an entry of a proto3 map like a proto3 message: a key or
        // scalar value at its default is left out.
        let fields = type.fields
        for value in MessageReflection.values(of: fields[0], in: entry) where !MessageReflection.isZero(value) {
            printField(fields[0], value)
        }
        let values = MessageReflection.values(of: fields[1], in: entry).filter { !MessageReflection.isZero($0) }
        if values.isEmpty, let valueType = fields[1].messageType {
            // The message must outlive the pointer: -O may free an object right
            // after its last use, which `.pointer` is.
            let empty = ProtoMessage(empty: valueType)
            withExtendedLifetime(empty) { printField(fields[1], .message(UnsafePointer(empty.pointer), valueType)) }
        }
        for value in values { printField(fields[1], value) }
        indent -= 2
        write(String(repeating: " ", count: indent) + "}\n")
    }

    private mutating func printBlock(_ message: UnsafePointer<ProtobufCMessage>, _ type: ProtoMessageType) {
        write("{\n")
        indent += 2
        printMessage(message, as: type)
        indent -= 2
        write(String(repeating: " ", count: indent) + "}")
    }

    private mutating func printScalar(_ field: FieldInfo, _ value: FieldValue) {
        switch value {
        case .int32(let v): write(String(v))
        case .int64(let v): write(String(v))
        case .uint32(let v): write(String(v))
        case .uint64(let v): write(String(v))
        case .bool(let v): write(v ? "true" : "false")
        case .float(let v): write(PythonFloatFormat.repr(v))
        case .double(let v): write(PythonFloatFormat.repr(v))
        case .enumNumber(let v): write(field.enumName(v) ?? String(v))
        case .string(let s):
            out.append(0x22); TextFormatEscaping.escapeUTF8(s, into: &out); out.append(0x22)
        case .bytes(let b):
            out.append(0x22); TextFormatEscaping.escapeBytes(b, into: &out); out.append(0x22)
        case .message: break
        }
    }

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
        write(String(repeating: " ", count: indent) + "[" + url + "] ")
        withExtendedLifetime(packed) { printBlock(UnsafePointer(packed.pointer), type) }
        out.append(0x0a)
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

    private mutating func write(_ s: String) { out.append(contentsOf: s.utf8) }
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
