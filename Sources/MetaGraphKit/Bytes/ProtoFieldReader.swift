// A small protobuf wire reader for the few saver messages the checkpoint readers
// decode on their hot path (BundleEntryProto, TensorShapeProto, TensorSliceProto,
// SavedTensorSlices, TensorProto, TrackableObjectGraph). Field numbers come from
// tensor_bundle.proto, tensor_shape.proto, tensor_slice.proto,
// saved_tensor_slice.proto, tensor.proto and trackable_object_graph.proto.

/// One field of a protobuf message on the wire.
struct ProtoField {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(UnsafeRawBufferPointer, origin: Int)
    }
    let number: UInt64
    let value: Value
    /// The absolute offset of the field's tag, for messages.
    let offset: Int
}

/// Iterates the fields of one message, checking every length.
struct ProtoFieldReader {
    private var cursor: ByteCursor
    let message: String

    init(_ bytes: UnsafeRawBufferPointer, file: String, origin: Int = 0, message: String) {
        cursor = ByteCursor(bytes, file: file, origin: origin)
        self.message = message
    }

    var file: String { cursor.file }

    func error(_ what: String, at offset: Int) -> MetaGraphKitError {
        MetaGraphKitError(.notAProtobuf,
            "\(cursor.file): not a valid \(message): \(what), at byte \(MetaGraphKitError.hex(offset))",
            file: cursor.file, offset: offset)
    }

    /// The next field, or nil at the end.
    mutating func next() throws -> ProtoField? {
        if cursor.isAtEnd { return nil }
        let at = cursor.fileOffset
        do {
            let tag = try cursor.readVarint64("field tag")
            let number = tag >> 3
            guard number > 0 else { throw error("field number 0", at: at) }
            switch tag & 7 {
            case 0: return ProtoField(number: number, value: .varint(try cursor.readVarint64()), offset: at)
            case 1: return ProtoField(number: number, value: .fixed64(try cursor.readU64LE()), offset: at)
            case 5: return ProtoField(number: number, value: .fixed32(try cursor.readU32LE()), offset: at)
            case 2:
                let length = try cursor.readLength("field length")
                let origin = cursor.fileOffset
                return ProtoField(number: number, value: .bytes(try cursor.readBytes(length, "field \(number)"), origin: origin), offset: at)
            default:
                throw error("wire type \(tag & 7)", at: at)
            }
        } catch let e as MetaGraphKitError where e.code != .notAProtobuf {
            throw MetaGraphKitError(.notAProtobuf,
                "\(cursor.file): not a valid \(message) (field at byte \(MetaGraphKitError.hex(at))): \(e.message)",
                file: cursor.file, key: e.key, offset: e.offset ?? at, cause: e)
        }
    }
}

extension ProtoField {
    func int64(_ reader: ProtoFieldReader) throws -> Int64 {
        guard case .varint(let v) = value else { throw reader.error("field \(number) is not a varint", at: offset) }
        return Int64(bitPattern: v)
    }

    func int32(_ reader: ProtoFieldReader) throws -> Int32 {
        Int32(truncatingIfNeeded: try int64(reader))
    }

    func fixed32(_ reader: ProtoFieldReader) throws -> UInt32 {
        guard case .fixed32(let v) = value else { throw reader.error("field \(number) is not fixed32", at: offset) }
        return v
    }

    func bytes(_ reader: ProtoFieldReader) throws -> (UnsafeRawBufferPointer, Int) {
        guard case .bytes(let b, let origin) = value else {
            throw reader.error("field \(number) is not length-delimited", at: offset)
        }
        return (b, origin)
    }

    func string(_ reader: ProtoFieldReader) throws -> String {
        String(decoding: try bytes(reader).0, as: UTF8.self)
    }

    func subReader(_ reader: ProtoFieldReader, message: String) throws -> ProtoFieldReader {
        let (b, origin) = try bytes(reader)
        return ProtoFieldReader(b, file: reader.file, origin: origin, message: message)
    }
}
