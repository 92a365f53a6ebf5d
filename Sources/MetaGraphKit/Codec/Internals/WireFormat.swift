// Writing the protobuf wire format, for the text parser's output.
internal import CProtobufC

/// The protobuf wire format, for what the text parser encodes.
enum WireFormat {
    static func appendTag(_ number: UInt32, _ wireType: UInt64, to out: inout [UInt8]) {
        Varint.append(UInt64(number) << 3 | wireType, to: &out)
    }

    static func appendLengthDelimited(_ number: UInt32, _ bytes: [UInt8], to out: inout [UInt8]) {
        appendTag(number, 2, to: &out)
        Varint.append(UInt64(bytes.count), to: &out)
        out += bytes
    }

    static func appendFixed<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out += $0 }
    }

    /// One scalar field, unpacked (protobuf-c reads packed and unpacked alike).
    static func append(_ value: FieldValue, _ field: FieldInfo, to out: inout [UInt8]) {
        let n = field.number
        switch (value, field.type) {
        case (.int32(let v), PROTOBUF_C_TYPE_SINT32):
            appendTag(n, 0, to: &out); Varint.append(UInt64(UInt32(bitPattern: (v << 1) ^ (v >> 31))), to: &out)
        case (.int32(let v), PROTOBUF_C_TYPE_SFIXED32):
            appendTag(n, 5, to: &out); appendFixed(v, to: &out)
        case (.int32(let v), _), (.enumNumber(let v), _):
            appendTag(n, 0, to: &out); Varint.append(UInt64(bitPattern: Int64(v)), to: &out)
        case (.int64(let v), PROTOBUF_C_TYPE_SINT64):
            appendTag(n, 0, to: &out); Varint.append(UInt64(bitPattern: (v << 1) ^ (v >> 63)), to: &out)
        case (.int64(let v), PROTOBUF_C_TYPE_SFIXED64):
            appendTag(n, 1, to: &out); appendFixed(v, to: &out)
        case (.int64(let v), _):
            appendTag(n, 0, to: &out); Varint.append(UInt64(bitPattern: v), to: &out)
        case (.uint32(let v), PROTOBUF_C_TYPE_FIXED32):
            appendTag(n, 5, to: &out); appendFixed(v, to: &out)
        case (.uint32(let v), _):
            appendTag(n, 0, to: &out); Varint.append(UInt64(v), to: &out)
        case (.uint64(let v), PROTOBUF_C_TYPE_FIXED64):
            appendTag(n, 1, to: &out); appendFixed(v, to: &out)
        case (.uint64(let v), _):
            appendTag(n, 0, to: &out); Varint.append(v, to: &out)
        case (.float(let v), _):
            appendTag(n, 5, to: &out); appendFixed(v.bitPattern, to: &out)
        case (.double(let v), _):
            appendTag(n, 1, to: &out); appendFixed(v.bitPattern, to: &out)
        case (.bool(let v), _):
            appendTag(n, 0, to: &out); out.append(v ? 1 : 0)
        case (.string(let b), _), (.bytes(let b), _):
            appendLengthDelimited(n, b, to: &out)
        case (.message, _):
            break
        }
    }
}
