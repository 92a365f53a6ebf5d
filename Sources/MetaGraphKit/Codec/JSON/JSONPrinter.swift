// Protobuf messages as JSON values, following protobuf's proto3 JSON mapping.
internal import CProtobufC
import Foundation

/// Builds the proto3 JSON mapping of a protobuf-c message as a ``JSONValue``.
///
/// Field names in lowerCamelCase; fields at their default left out; 64-bit
/// integers as strings; bytes in base64; enums by name (number when unknown);
/// floats as numbers or `"NaN"`, `"Infinity"`, `"-Infinity"`; maps as objects with
/// keys in order; `google.protobuf.Any` as `{"@type": url, …fields}`; wrapper types
/// as their bare value. Strings that are not valid UTF-8 show U+FFFD for the bad
/// bytes (JSON strings cannot hold them).
///
/// An `Any` whose type is not in our schemas (or whose value does not decode as
/// that type) has no proto3 JSON form: the mapping needs the packed message's
/// fields. protobuf's own printer (Python `json_format.MessageToJson`, C++
/// `MessageToJsonString`) fails on it, and so does this one: it throws
/// `unsupported` naming the type URL, instead of writing a `{"typeUrl", "value"}`
/// object that no proto3 JSON parser accepts (TensorFlow's says `@type is missing`).
enum JSONPrinter {
    static func value(_ message: UnsafePointer<ProtobufCMessage>, _ type: ProtoMessageType) throws -> JSONValue {
        if type == .any { return try expandedAny(message) }
        if isWrapper(type) {
            let field = type.fields[0]
            let v = MessageReflection.values(of: field, in: message).first
            return try v.map { try scalar($0, field) } ?? defaultValue(field)
        }
        var members: [(String, JSONValue)] = []
        for field in type.fields {
            var values = MessageReflection.values(of: field, in: message)
            if values.isEmpty { continue }
            let name = jsonName(field.name)
            if field.isMap {
                values = TextFormatPrinter.sortedMapEntries(values)
                var object: [(String, JSONValue)] = []
                for case .message(let entry, let entryType) in values {
                    let fields = entryType.fields
                    let key = MessageReflection.values(of: fields[0], in: entry).first
                    let keyText: String
                    switch try key.map({ try scalar($0, fields[0]) }) ?? defaultValue(fields[0]) {
                    case .string(let s): keyText = s
                    case let other: keyText = other.serialized()
                    }
                    let v = MessageReflection.values(of: fields[1], in: entry).first
                    object.append((keyText, try v.map { try scalar($0, fields[1]) } ?? defaultValue(fields[1])))
                }
                members.append((name, .object(object)))
            } else if field.isRepeated {
                members.append((name, .array(try values.map { try scalar($0, field) })))
            } else {
                members.append((name, try scalar(values[0], field)))
            }
        }
        return .object(members)
    }

    static func scalar(_ value: FieldValue, _ field: FieldInfo) throws -> JSONValue {
        switch value {
        case .int32(let v): return .int(Int64(v))
        case .uint32(let v): return .uint(UInt64(v))
        case .int64(let v): return .string(String(v))
        case .uint64(let v): return .string(String(v))
        case .float(let v): return .float(v)
        case .double(let v): return .double(v)
        case .bool(let v): return .bool(v)
        case .enumNumber(let v): return field.enumName(v).map { .string($0) } ?? .int(Int64(v))
        case .string(let b): return .string(String(decoding: b, as: UTF8.self))
        case .bytes(let b): return .string(Data(b).base64EncodedString())
        case .message(let m, let t): return try Self.value(m, t)
        }
    }

    /// The JSON of a field that is absent: where a map entry or wrapper needs a value.
    private static func defaultValue(_ field: FieldInfo) -> JSONValue {
        switch field.type {
        case PROTOBUF_C_TYPE_MESSAGE:
            guard let t = field.messageType else { return .null }
            // Kept alive across the call: -O frees an object right after its last
            // use, which `.pointer` is (a map entry without its message value
            // read freed memory in release builds).
            let empty = ProtoMessage(empty: t)
            return (try? withExtendedLifetime(empty) { try value(UnsafePointer(empty.pointer), t) }) ?? .object([])
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_BYTES: return .string("")
        case PROTOBUF_C_TYPE_BOOL: return .bool(false)
        case PROTOBUF_C_TYPE_FLOAT, PROTOBUF_C_TYPE_DOUBLE: return .double(0)
        case PROTOBUF_C_TYPE_ENUM: return field.enumName(0).map { .string($0) } ?? .int(0)
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64,
             PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64: return .string("0")
        default: return .int(0)
        }
    }

    /// `{"@type": url, …}`; throws for a type that is not in our schemas or a value
    /// that does not decode as its type (see the type's documentation).
    private static func expandedAny(_ message: UnsafePointer<ProtobufCMessage>) throws -> JSONValue {
        let fields = ProtoMessageType.any.fields
        var urlBytes: [UInt8] = []
        if case .string(let b)? = MessageReflection.values(of: fields[0], in: message).first { urlBytes = b }
        var bytes: [UInt8] = []
        if case .bytes(let b)? = MessageReflection.values(of: fields[1], in: message).first { bytes = b }
        // An empty Any prints as {} (json_format does the same).
        if urlBytes.isEmpty && bytes.isEmpty { return .object([]) }
        let url = String(decoding: urlBytes, as: UTF8.self)
        guard let slash = url.lastIndex(of: "/"),
              let type = ProtoMessageType.named(String(url[url.index(after: slash)...])) else {
            throw MetaGraphKitError(.unsupported,
                "a google.protobuf.Any holds type '\(url)', which is not in our schemas, so it has no proto3 JSON form "
                + "(the mapping prints the packed message's fields; protobuf's json_format refuses it too); "
                + "convert to binary or text instead")
        }
        let packed: ProtoMessage
        do {
            packed = try ProtoMessage(binary: bytes, as: type, file: url)
        } catch {
            throw MetaGraphKitError(.unsupported,
                "a google.protobuf.Any of type '\(url)' holds \(bytes.count) bytes that do not decode as \(type.fullName), "
                + "so it has no proto3 JSON form; convert to binary or text instead")
        }
        let inner = try withExtendedLifetime(packed) { try value(UnsafePointer(packed.pointer), type) }
        if case .object(let members) = inner, !isWrapper(type) {
            return .object([("@type", .string(url))] + members)
        }
        return .object([("@type", .string(url)), ("value", inner)])
    }

    private static func isWrapper(_ type: ProtoMessageType) -> Bool {
        let name = type.fullName
        return name.hasPrefix("google.protobuf.") && name.hasSuffix("Value") && type.fields.count == 1
            && type.fields[0].name == "value"
    }

    /// protoc's json_name: `_x` becomes `X`.
    static func jsonName(_ name: String) -> String {
        var out = ""
        var upper = false
        for c in name {
            if c == "_" { upper = true; continue }
            out += upper ? c.uppercased() : String(c)
            upper = false
        }
        return out
    }
}
