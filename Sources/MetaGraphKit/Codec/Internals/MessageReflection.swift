// Reads and describes protobuf-c messages through their runtime descriptors, so the
// text and JSON codecs work for every message type without generated Swift code.
internal import CProtobufC
#if canImport(Glibc)
import Glibc
#endif

/// One field of a message type, as protobuf-c's descriptor describes it.
struct FieldInfo {
    let descriptor: UnsafePointer<ProtobufCFieldDescriptor>

    var name: String { String(cString: descriptor.pointee.name) }
    var number: UInt32 { descriptor.pointee.id }
    var type: ProtobufCType { descriptor.pointee.type }
    var isRepeated: Bool { descriptor.pointee.label == PROTOBUF_C_LABEL_REPEATED }
    var isOneofMember: Bool { descriptor.pointee.flags & PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue != 0 }
    var isMessage: Bool { type == PROTOBUF_C_TYPE_MESSAGE }

    /// The type of a message field.
    var messageType: ProtoMessageType? {
        guard isMessage, let raw = descriptor.pointee.descriptor else { return nil }
        return ProtoMessageType(raw.assumingMemoryBound(to: ProtobufCMessageDescriptor.self))
    }

    /// The descriptor of an enum field.
    var enumDescriptor: UnsafePointer<ProtobufCEnumDescriptor>? {
        guard type == PROTOBUF_C_TYPE_ENUM, let raw = descriptor.pointee.descriptor else { return nil }
        return raw.assumingMemoryBound(to: ProtobufCEnumDescriptor.self)
    }

    /// True for a `map<K, V>` field: a repeated `…Entry` message with key = 1 and value = 2.
    var isMap: Bool {
        guard isRepeated, let entry = messageType else { return false }
        let fields = entry.fields
        return entry.shortName.hasSuffix("Entry") && fields.count == 2
            && fields[0].name == "key" && fields[0].number == 1
            && fields[1].name == "value" && fields[1].number == 2
    }

    /// The name of enum value `number`, nil when the enum does not have it.
    func enumName(_ number: Int32) -> String? {
        guard let e = enumDescriptor else { return nil }
        for i in 0..<Int(e.pointee.n_values) where e.pointee.values[i].value == number {
            return String(cString: e.pointee.values[i].name)
        }
        return nil
    }

    /// The number of enum value `name`, nil when the enum does not have it.
    func enumNumber(_ name: String) -> Int32? {
        guard let e = enumDescriptor else { return nil }
        for i in 0..<Int(e.pointee.n_values) where String(cString: e.pointee.values[i].name) == name {
            return Int32(e.pointee.values[i].value)
        }
        return nil
    }
}

/// The present values of one field inside a protobuf-c message: `count` values
/// `stride` bytes apart from `start` (a singular field has one, at its member).
struct FieldElements {
    let start: UnsafeRawPointer?
    let count: Int
    let stride: Int

    /// An absent field.
    static var none: FieldElements { FieldElements(start: nil, count: 0, stride: 0) }

    /// Where value `i` (0 ..< count) lies.
    subscript(i: Int) -> UnsafeRawPointer { start! + i * stride }
}

/// A field value read from a protobuf-c message.
enum FieldValue {
    case int32(Int32), int64(Int64), uint32(UInt32), uint64(UInt64)
    case float(Float), double(Double), bool(Bool), enumNumber(Int32)
    case string([UInt8]), bytes([UInt8])
    case message(UnsafePointer<ProtobufCMessage>, ProtoMessageType)
}

extension ProtoMessageType {
    /// The fields in field-number order (protoc-c sorts its descriptor arrays so).
    var fields: [FieldInfo] {
        (0..<Int(descriptor.pointee.n_fields)).map { FieldInfo(descriptor: descriptor.pointee.fields + $0) }
    }

    /// The field named `name`, nil when the type has none.
    func field(named name: String) -> FieldInfo? { fields.first { $0.name == name } }
}

enum MessageReflection {
    /// The values a field holds: empty when the field is absent (proto3 default,
    /// unset `has_`, other oneof member, empty repeated field), one for a singular
    /// field that is present, all elements of a repeated field.
    static func values(of field: FieldInfo, in message: UnsafePointer<ProtobufCMessage>) -> [FieldValue] {
        let present = elements(of: field, in: message)
        return (0..<present.count).compactMap { element(field, at: present[$0]) }
    }

    /// Where the present values of a field lie, without reading them: nothing when
    /// the field is absent (proto3 default, unset `has_`, other oneof member, empty
    /// repeated field, NULL pointer), one value for a singular field that is
    /// present, every element of a repeated field. ``values(of:in:)`` reads these.
    static func elements(of field: FieldInfo, in message: UnsafePointer<ProtobufCMessage>) -> FieldElements {
        let f = field.descriptor.pointee
        let base = UnsafeRawPointer(message)
        let member = base + Int(f.offset)
        let one = FieldElements(start: member, count: 1, stride: 0)
        switch f.label {
        case PROTOBUF_C_LABEL_REPEATED:
            let count = base.load(fromByteOffset: Int(f.quantifier_offset), as: Int.self)
            guard count > 0, let array = member.load(as: UnsafeRawPointer?.self) else { return .none }
            return FieldElements(start: array, count: count, stride: elementSize(f.type))
        case PROTOBUF_C_LABEL_REQUIRED:
            return isNullPointer(f.type, at: member) ? .none : one
        default:
            if isNullPointer(f.type, at: member) { return .none }
            if field.isOneofMember {
                let which = base.load(fromByteOffset: Int(f.quantifier_offset), as: UInt32.self)
                return which == f.id ? one : .none
            }
            if f.label == PROTOBUF_C_LABEL_OPTIONAL && f.type != PROTOBUF_C_TYPE_MESSAGE
                && f.type != PROTOBUF_C_TYPE_STRING
            {
                // proto2 optional / proto3 `optional`: a has_ flag.
                return base.load(fromByteOffset: Int(f.quantifier_offset), as: Int32.self) != 0 ? one : .none
            }
            if f.label == PROTOBUF_C_LABEL_OPTIONAL {
                // proto2 optional string: present when not the default.
                if f.type == PROTOBUF_C_TYPE_STRING,
                   member.load(as: UnsafeRawPointer?.self) == f.default_value { return .none }
                return one
            }
            return isZero(f.type, at: member) ? .none : one
        }
    }

    /// Whether the value at `p` is its type's default (proto3's implicit presence),
    /// read in place: what ``isZero(_:)`` says of the value `values` would return.
    static func isZero(_ type: ProtobufCType, at p: UnsafeRawPointer) -> Bool {
        switch type {
        case PROTOBUF_C_TYPE_MESSAGE:
            return false
        case PROTOBUF_C_TYPE_STRING:
            guard let s = p.load(as: UnsafePointer<UInt8>?.self) else { return true }
            return s.pointee == 0
        case PROTOBUF_C_TYPE_BYTES:
            let b = p.load(as: ProtobufCBinaryData.self)
            return b.len == 0 || b.data == nil
        default:
            return elementSize(type) == 8
                ? p.loadUnaligned(as: UInt64.self) == 0 : p.loadUnaligned(as: UInt32.self) == 0
        }
    }

    /// A NULL string or message pointer: `element(_:at:)` reads no value there.
    private static func isNullPointer(_ type: ProtobufCType, at p: UnsafeRawPointer) -> Bool {
        (type == PROTOBUF_C_TYPE_STRING || type == PROTOBUF_C_TYPE_MESSAGE)
            && p.load(as: UnsafeRawPointer?.self) == nil
    }

    /// Whether a value is its type's default (proto3's implicit presence).
    static func isZero(_ value: FieldValue) -> Bool {
        switch value {
        case .int32(let v): return v == 0
        case .int64(let v): return v == 0
        case .uint32(let v): return v == 0
        case .uint64(let v): return v == 0
        case .float(let v): return v.bitPattern == 0
        case .double(let v): return v.bitPattern == 0
        case .bool(let v): return !v
        case .enumNumber(let v): return v == 0
        case .string(let v), .bytes(let v): return v.isEmpty
        case .message: return false
        }
    }

    static func elementSize(_ type: ProtobufCType) -> Int {
        switch type {
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64,
             PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_DOUBLE:
            return 8
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_MESSAGE:
            return MemoryLayout<UnsafeRawPointer?>.stride
        case PROTOBUF_C_TYPE_BYTES:
            return MemoryLayout<ProtobufCBinaryData>.stride
        default:
            return 4
        }
    }

    /// Reads one value at `p`; nil for a NULL message or string pointer.
    private static func element(_ field: FieldInfo, at p: UnsafeRawPointer) -> FieldValue? {
        switch field.type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32:
            return .int32(p.loadUnaligned(as: Int32.self))
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64:
            return .int64(p.loadUnaligned(as: Int64.self))
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32:
            return .uint32(p.loadUnaligned(as: UInt32.self))
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64:
            return .uint64(p.loadUnaligned(as: UInt64.self))
        case PROTOBUF_C_TYPE_FLOAT: return .float(p.loadUnaligned(as: Float.self))
        case PROTOBUF_C_TYPE_DOUBLE: return .double(p.loadUnaligned(as: Double.self))
        case PROTOBUF_C_TYPE_BOOL: return .bool(p.loadUnaligned(as: Int32.self) != 0)
        case PROTOBUF_C_TYPE_ENUM: return .enumNumber(p.loadUnaligned(as: Int32.self))
        case PROTOBUF_C_TYPE_STRING:
            guard let s = p.load(as: UnsafePointer<CChar>?.self) else { return nil }
            return .string(Array(UnsafeBufferPointer(start: s, count: strlen(s))).map { UInt8(bitPattern: $0) })
        case PROTOBUF_C_TYPE_BYTES:
            let b = p.load(as: ProtobufCBinaryData.self)
            guard b.len > 0, let data = b.data else { return .bytes([]) }
            return .bytes(Array(UnsafeBufferPointer(start: data, count: b.len)))
        case PROTOBUF_C_TYPE_MESSAGE:
            guard let m = p.load(as: UnsafePointer<ProtobufCMessage>?.self), let type = field.messageType
            else { return nil }
            return .message(m, type)
        default:
            return nil
        }
    }
}

// MARK: - Lookup by name

extension ProtoMessageType {
    /// The index in ``fields`` of the field named `name` (ASCII bytes), nil when
    /// the type has none: a binary search of protobuf-c's `fields_sorted_by_name`,
    /// with no String made.
    func fieldIndex(named name: ArraySlice<UInt8>) -> Int? {
        let d = descriptor.pointee
        guard let sorted = d.fields_sorted_by_name else { return nil }
        var low = 0
        var high = Int(d.n_fields)
        while low < high {
            let mid = (low + high) / 2
            let index = Int(sorted[mid])
            let order = MessageReflection.compare(d.fields[index].name, name)
            if order == 0 { return index }
            if order < 0 { low = mid + 1 } else { high = mid }
        }
        return nil
    }
}

extension FieldInfo {
    /// The number of enum value `name` (bytes), nil when the enum does not have
    /// it: a binary search of protobuf-c's `values_by_name`, with no String made.
    func enumNumber(named name: ArraySlice<UInt8>) -> Int32? {
        guard let e = enumDescriptor, let byName = e.pointee.values_by_name else { return nil }
        var low = 0
        var high = Int(e.pointee.n_value_names)
        while low < high {
            let mid = (low + high) / 2
            let order = MessageReflection.compare(byName[mid].name, name)
            if order == 0 { return e.pointee.values[Int(byName[mid].index)].value }
            if order < 0 { low = mid + 1 } else { high = mid }
        }
        return nil
    }
}

extension MessageReflection {
    /// `strcmp` of a C string with bytes that hold no NUL: negative, zero or
    /// positive as `cString` sorts before, equal to, or after `bytes`.
    static func compare(_ cString: UnsafePointer<CChar>, _ bytes: ArraySlice<UInt8>) -> Int {
        var i = 0
        for b in bytes {
            let c = UInt8(bitPattern: cString[i])
            if c != b { return c < b ? -1 : 1 }  // a NUL (c == 0) sorts first
            i += 1
        }
        return cString[i] == 0 ? 0 : 1
    }
}
