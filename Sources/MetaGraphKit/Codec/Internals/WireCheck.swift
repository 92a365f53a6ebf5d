// A pass over protobuf binary bytes before protobuf-c sees them: every length stays
// inside its message, varints end, and nesting stays under the limit. protobuf-c
// recurses once per nested message and has no limit of its own.
internal import CProtobufC
#if canImport(Glibc)
import Glibc
#endif

enum WireCheck {
    static func check(
        _ bytes: UnsafeRawBufferPointer, as type: ProtoMessageType, file: String, limits: DecodingLimits
    ) throws {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var stack: [(end: Int, descriptor: UnsafePointer<ProtobufCMessageDescriptor>?)] = []
        var end = bytes.count
        var descriptor: UnsafePointer<ProtobufCMessageDescriptor>? = type.descriptor
        var pos = 0

        func fail(_ what: String, at offset: Int) -> MetaGraphKitError {
            MetaGraphKitError(.notAProtobuf,
                "\(file): not a valid \(type.fullName): \(what) at byte \(MetaGraphKitError.hex(offset))",
                file: file, offset: offset)
        }
        func varint(_ limit: Int) throws -> UInt64 {
            let start = pos
            switch Varint.decode(bytes, at: &pos, end: limit, as: UInt64.self) {
            case .success(let value): return value
            case .failure(.truncated): throw fail("truncated varint", at: start)
            case .failure(.overflow): throw fail("varint longer than 64 bits", at: start)
            case .failure(.tooLong): throw fail("varint longer than 10 bytes", at: start)
            }
        }

        while true {
            if pos == end {
                guard let parent = stack.popLast() else { break }
                end = parent.end
                descriptor = parent.descriptor
                continue
            }
            let tagAt = pos
            let tag = try varint(end)
            let number = tag >> 3
            guard number > 0, number <= 536_870_911 else { throw fail("field number \(number)", at: tagAt) }
            switch tag & 7 {
            case 0:
                _ = try varint(end)
            case 1:
                guard end - pos >= 8 else { throw fail("truncated fixed64 field \(number)", at: tagAt) }
                pos += 8
            case 5:
                guard end - pos >= 4 else { throw fail("truncated fixed32 field \(number)", at: tagAt) }
                pos += 4
            case 2:
                let length = try varint(end)
                guard length <= UInt64(end - pos) else {
                    throw fail("field \(number) says \(length) bytes but \(end - pos) remain", at: tagAt)
                }
                let fieldEnd = pos + Int(length)
                let field = descriptor.flatMap { protobuf_c_message_descriptor_get_field($0, UInt32(number)) }
                if let field, field.pointee.type == PROTOBUF_C_TYPE_MESSAGE {
                    guard stack.count + 1 < limits.maxDepth else {
                        throw MetaGraphKitError(.tooDeep,
                            "\(file): messages nested deeper than \(limits.maxDepth) levels at byte \(MetaGraphKitError.hex(tagAt))")
                    }
                    stack.append((end, descriptor))
                    end = fieldEnd
                    descriptor = field.pointee.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                } else {
                    if let field, field.pointee.type == PROTOBUF_C_TYPE_STRING, memchr(base + pos, 0, fieldEnd - pos) != nil {
                        // protobuf-c keeps strings NUL-terminated: the rest would be lost.
                        throw MetaGraphKitError.unsupported(file, "string field '\(String(cString: field.pointee.name))' holds a NUL byte at byte \(MetaGraphKitError.hex(pos)); it cannot be represented without loss")
                    }
                    pos = fieldEnd
                }
            default:
                throw fail("wire type \(tag & 7) (groups are not used by TensorFlow)", at: tagAt)
            }
        }
    }
}
