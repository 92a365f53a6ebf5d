// The one place that calls protobuf-c's runtime. Every C failure becomes a
// MetaGraphKitError here, naming the file and the message type.
internal import CProtobufC
internal import CTFProtos
#if canImport(Glibc)
import Glibc
#endif

enum ProtobufC {
    /// Unpacks `bytes` (already checked by `WireCheck`) as `type`.
    static func unpack(_ bytes: UnsafeRawBufferPointer, as type: ProtoMessageType, file: String)
        throws -> UnsafeMutablePointer<ProtobufCMessage>
    {
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let empty: [UInt8] = [0]
        let result: UnsafeMutablePointer<ProtobufCMessage>? = empty.withUnsafeBufferPointer { e in
            protobuf_c_message_unpack(type.descriptor, nil, bytes.count, base ?? e.baseAddress!)
        }
        guard let result else {
            throw MetaGraphKitError(.notAProtobuf,
                "\(file): not a valid \(type.fullName) (protobuf-c could not decode \(bytes.count) bytes)")
        }
        return result
    }

    static func packedSize(_ message: UnsafePointer<ProtobufCMessage>) -> Int {
        protobuf_c_message_get_packed_size(message)
    }

    static func pack(_ message: UnsafePointer<ProtobufCMessage>) -> [UInt8] {
        let size = protobuf_c_message_get_packed_size(message)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = size == 0 ? 0 : protobuf_c_message_pack(message, buffer.baseAddress!)
        }
    }

    static func free(_ message: UnsafeMutablePointer<ProtobufCMessage>) {
        protobuf_c_message_free_unpacked(message, nil)
    }

    /// A new, empty message of `type`, allocated with malloc (protobuf-c's default
    /// allocator frees it), every field at its default.
    static func allocate(_ type: ProtoMessageType) -> UnsafeMutablePointer<ProtobufCMessage> {
        let raw = calloc(1, type.descriptor.pointee.sizeof_message)!
        let message = raw.assumingMemoryBound(to: ProtobufCMessage.self)
        protobuf_c_message_init(type.descriptor, raw)
        return message
    }

    /// protobuf-c's shared empty string, the default of every proto3 `string` field:
    /// it must never be freed (`protobuf_c_message_free_unpacked` skips it by
    /// comparing with the field's `default_value`, which points here).
    nonisolated(unsafe) static let emptyString: UnsafeMutablePointer<CChar> = {
        let field = protobuf_c_message_descriptor_get_field_by_name(
            ProtoMessageType.saverDef.descriptor, "filename_tensor_name")!
        return UnsafeMutableRawPointer(mutating: field.pointee.default_value!)
            .assumingMemoryBound(to: CChar.self)
    }()

    /// Packs `message` (any protobuf-c message struct) into bytes.
    static func pack(raw message: UnsafeRawPointer) -> [UInt8] {
        pack(message.assumingMemoryBound(to: ProtobufCMessage.self))
    }

    /// Frees a message struct that protobuf-c allocated (or `allocate` made).
    static func free(raw message: UnsafeMutableRawPointer) {
        protobuf_c_message_free_unpacked(message.assumingMemoryBound(to: ProtobufCMessage.self), nil)
    }

    static func check(_ message: UnsafePointer<ProtobufCMessage>) -> Bool {
        protobuf_c_message_check(message) != 0
    }
}
