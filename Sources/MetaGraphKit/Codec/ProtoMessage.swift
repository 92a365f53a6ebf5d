// A protobuf message in protobuf-c's form, owned by Swift.
internal import CProtobufC
internal import CTFProtos

/// A protobuf message of one of MetaGraphKit's schemas, decoded by protobuf-c.
///
/// The message owns its C allocation and frees it when the last reference goes
/// away; C pointers are lent only inside the library. Unknown fields are kept and
/// written back, so decoding and encoding a file TensorFlow wrote gives the same
/// bytes.
public final class ProtoMessage: @unchecked Sendable {
    /// The message's type.
    public let type: ProtoMessageType
    let pointer: UnsafeMutablePointer<ProtobufCMessage>

    /// Takes ownership of a message protobuf-c allocated.
    init(owning pointer: UnsafeMutablePointer<ProtobufCMessage>, type: ProtoMessageType) {
        self.pointer = pointer
        self.type = type
    }

    deinit { ProtobufC.free(pointer) }

    /// A new message of `type` with every field at its default.
    ///
    /// - Parameter type: The message type.
    public convenience init(empty type: ProtoMessageType) {
        self.init(owning: ProtobufC.allocate(type), type: type)
    }

    /// Decodes the protobuf binary encoding of a message.
    ///
    /// The bytes are checked first (lengths inside the input, nesting no deeper than
    /// `limits.maxDepth`), so hostile input gives an error, never a crash.
    ///
    /// - Parameters:
    ///   - bytes: The encoded message.
    ///   - type: The type to decode as.
    ///   - file: The name of the file the bytes came from, for messages.
    ///   - limits: Nesting limit.
    /// - Throws: ``MetaGraphKitError`` with code `notAProtobuf` or `tooDeep`.
    ///
    /// The corresponding protobuf-c function is `protobuf_c_message_unpack`.
    public convenience init(
        binary bytes: [UInt8], as type: ProtoMessageType, file: String = "<bytes>",
        limits: DecodingLimits = .default
    ) throws {
        let pointer = try bytes.withUnsafeBytes { raw in
            try Self.unpack(raw, as: type, file: file, limits: limits)
        }
        self.init(owning: pointer, type: type)
    }

    /// Decodes from borrowed bytes (a memory-mapped file, a table value).
    ///
    /// - Parameters: as ``init(binary:as:file:limits:)``.
    /// - Throws: ``MetaGraphKitError`` with code `notAProtobuf` or `tooDeep`.
    public convenience init(
        binaryBuffer bytes: UnsafeRawBufferPointer, as type: ProtoMessageType, file: String = "<bytes>",
        limits: DecodingLimits = .default
    ) throws {
        self.init(owning: try Self.unpack(bytes, as: type, file: file, limits: limits), type: type)
    }

    /// Checks bytes as ``init(binary:as:file:limits:)`` does, without decoding them.
    static func checkWire(_ raw: UnsafeRawBufferPointer, as type: ProtoMessageType, file: String,
                          limits: DecodingLimits = .default) throws {
        try WireCheck.check(raw, as: type, file: file, limits: limits)
    }

    private static func unpack(
        _ raw: UnsafeRawBufferPointer, as type: ProtoMessageType, file: String, limits: DecodingLimits
    ) throws -> UnsafeMutablePointer<ProtobufCMessage> {
        try WireCheck.check(raw, as: type, file: file, limits: limits)
        return try ProtobufC.unpack(raw, as: type, file: file)
    }

    /// The protobuf binary encoding.
    ///
    /// - Returns: The encoded bytes; fields in schema order, unknown fields last.
    ///
    /// The corresponding protobuf-c function is `protobuf_c_message_pack`.
    public func binary() -> [UInt8] { ProtobufC.pack(pointer) }

    /// The size of ``binary()`` without encoding.
    public var binarySize: Int { ProtobufC.packedSize(pointer) }

    /// Reads the message's C struct; the pointer must not escape `body`.
    func withStruct<T, R>(as: T.Type, _ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
        try pointer.withMemoryRebound(to: T.self, capacity: 1) { try body($0) }
    }
}

/// Limits that protect decoding from hostile input.
public struct DecodingLimits: Sendable {
    /// The deepest nesting of messages accepted.
    public var maxDepth: Int
    /// Creates limits.
    ///
    /// - Parameter maxDepth: The deepest nesting of messages accepted (default 100,
    ///   as swift-protobuf and TensorFlow's C++ parser use).
    public init(maxDepth: Int = 100) { self.maxDepth = maxDepth }
    /// The defaults: depth 100.
    public static let `default` = DecodingLimits()
}
