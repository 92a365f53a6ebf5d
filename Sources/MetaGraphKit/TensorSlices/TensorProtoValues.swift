// The values of a TensorProto as raw element bytes or strings
// (tensorflow/core/framework/tensor.proto; Tensor::FromProto and the fill rule of
// tensor_util). V1 checkpoints store slices this way (saved_tensor_slice_util.h).

/// Decodes a `TensorProto`'s values for a known dtype and element count: either
/// `tensor_content` (raw little-endian bytes) or the typed repeated field, with
/// TensorFlow's fill rule (fewer values than elements: the last one repeats; none:
/// zeros).
struct TensorProtoValues {
    let dtype: DType
    let count: Int
    let file: String
    let key: String

    enum Values { case bytes([UInt8]), strings([[UInt8]]) }

    /// The largest tensor the fill rule may produce from fewer values (16 MiB).
    ///
    /// TensorFlow's V1 writers store every value, so only a crafted file asks for
    /// the expansion; the cap keeps a 100-byte file from costing gigabytes.
    static let maxFilledBytes = 16 << 20

    func decode(_ bytes: UnsafeRawBufferPointer, origin: Int) throws -> Values {
        var reader = ProtoFieldReader(bytes, file: file, origin: origin, message: "tensorflow.TensorProto (\(key))")
        if dtype == .string {
            var strings: [[UInt8]] = []
            while let f = try reader.next() {
                if f.number == 8 {
                    guard strings.count < count else { throw tooMany() }
                    strings.append(try f.bytes(reader).0.array)
                }
            }
            if strings.count < count && count > Self.maxFilledBytes / 16 {
                throw MetaGraphKitError.tooLarge(file, "\(key) stores \(strings.count) strings for \(count) elements")
            }
            if strings.isEmpty { return .strings(Array(repeating: [], count: count)) }
            while strings.count < count { strings.append(strings[strings.count - 1]) }
            return .strings(strings)
        }
        guard let size = dtype.elementSize else {
            throw MetaGraphKitError.unsupported(file, "\(key) has dtype \(dtype), whose values are not decoded")
        }
        let total = try Tensor.byteCount(count, size, file: file, key: key)
        var out: [UInt8] = []
        var content: [UInt8]?
        while let f = try reader.next() {
            switch f.number {
            case 4:
                content = try f.bytes(reader).0.array
            case 5, 6, 7, 9, 10, 11, 12, 13, 16, 17:
                try append(f, reader, size: size, limit: total, into: &out)
            case 18:
                let b = try f.bytes(reader).0
                guard out.count + b.count <= total else { throw tooMany() }
                out.append(contentsOf: b)
            default: break
            }
        }
        if let content {
            guard content.count == total else {
                throw MetaGraphKitError.corrupt(file, "\(key) has \(content.count) bytes of tensor_content, expected \(total)")
            }
            return .bytes(content)
        }
        // The fill rule may expand a few values to many elements; TensorFlow's
        // checkpoint writers never rely on it, so the expansion is bounded.
        if out.count < total && total > Self.maxFilledBytes {
            throw MetaGraphKitError.tooLarge(file, "\(key) stores \(out.count) bytes of values for \(total) bytes of elements (fill rule limited to \(Self.maxFilledBytes))")
        }
        if out.isEmpty { return .bytes([UInt8](repeating: 0, count: total)) }
        guard out.count % size == 0 else {
            throw MetaGraphKitError.corrupt(file, "\(key) has a partial element in its values")
        }
        let last = Array(out[(out.count - size)...])
        out.reserveCapacity(total)
        while out.count < total { out.append(contentsOf: last) }
        return .bytes(out)
    }

    private func tooMany() -> MetaGraphKitError {
        MetaGraphKitError.corrupt(file, "\(key) has more values than its \(count) elements")
    }

    /// Appends one typed field occurrence (packed or not) as element bytes.
    private func append(_ f: ProtoField, _ reader: ProtoFieldReader, size: Int, limit: Int, into out: inout [UInt8]) throws {
        // Wire kind of the field's scalars: fixed32 (float, scomplex), fixed64
        // (double, dcomplex), varint (everything else).
        let kind: Int = [5, 9].contains(f.number) ? 4 : [6, 12].contains(f.number) ? 8 : 0
        func put(_ v: UInt64, width: Int) throws {
            guard out.count + width <= limit else { throw tooMany() }
            var le = v.littleEndian
            withUnsafeBytes(of: &le) { out.append(contentsOf: $0[0..<width]) }
        }
        let width = [9, 12].contains(f.number) ? size / 2 : size
        switch f.value {
        case .varint(let v): try put(v, width: width)
        case .fixed32(let v): try put(UInt64(v), width: 4)
        case .fixed64(let v): try put(v, width: 8)
        case .bytes(let b, let origin) where kind != 0:
            // Packed fixed-width values are already little-endian element bytes
            // (TensorFlow only writes on little-endian hosts): one copy, no loop.
            guard b.count % kind == 0 else {
                throw MetaGraphKitError.corrupt(file, "\(key): packed field \(f.number) has \(b.count) bytes, not a multiple of \(kind), at byte \(MetaGraphKitError.hex(origin))")
            }
            guard out.count + b.count <= limit else { throw tooMany() }
            out.append(contentsOf: b)
        case .bytes(let b, let origin):
            var c = ByteCursor(b, file: file, origin: origin)
            while !c.isAtEnd {
                switch kind {
                case 4: try put(UInt64(try c.readU32LE()), width: 4)
                case 8: try put(try c.readU64LE(), width: 8)
                default: try put(try c.readVarint64(), width: width)
                }
            }
        }
        _ = reader
    }
}
