// BundleEntryProto, the value of every tensor key of a V2 `.index`
// (tensorflow/core/protobuf/tensor_bundle.proto).

/// Where and how one tensor (or slice, or partitioned container) is stored.
struct BundleEntry {
    var dtype = DType.invalid
    var shape: [Int] = []
    var shardID = 0
    var offset: Int64 = 0
    var size: Int64 = 0
    var crc32c: UInt32 = 0
    var slices: [TensorSlice] = []

    /// Decodes an entry; dimensions must be known and non-negative. The key is
    /// turned into text only for an error message (this runs once per key).
    init(_ bytes: UnsafeRawBufferPointer, file: String, keyBytes: [UInt8]) throws {
        if let entry = Self.plain(bytes) {
            self = entry
            return
        }
        if let entry = try? BundleEntry(bytes, file: file, message: "tensorflow.BundleEntryProto", key: nil) {
            self = entry
            return
        }
        let key = BundleReader.display(keyBytes)
        try self.init(bytes, file: file, message: "tensorflow.BundleEntryProto (\(key))", key: key)
    }

    /// The common entry (fields 1-6, a shape of unnamed dims, no slices), decoded
    /// without the general field reader: the decode of every key of an index
    /// (listing, verify) was mostly that reader's bookkeeping. Anything else
    /// (slices, dim names, unknown or repeated-oddly fields, negative or
    /// out-of-range numbers, any malformation) returns nil and goes through the
    /// general decoder, which gives the same result or the precise error; on
    /// what this accepts, both agree.
    static func plain(_ bytes: UnsafeRawBufferPointer) -> BundleEntry? {
        var dims: [Int] = []
        guard let f = PlainFields(bytes, dims: &dims) else { return nil }
        var e = BundleEntry(dtype: DType(rawValue: f.dtype), shape: dims)
        e.shardID = Int(f.shard)
        e.offset = f.offset
        e.size = f.size
        e.crc32c = f.crc32c
        return e
    }

    /// The scalar fields of a plain entry (``plain(_:)``), decoded by the one
    /// reader that both ``plain(_:)`` and ``CompactBundleIndex`` use.
    struct PlainFields {
        var dtype: Int32 = 0
        var shard: Int32 = 0
        var offset: Int64 = 0
        var size: Int64 = 0
        var crc32c: UInt32 = 0

        /// Decodes fields 1-6 with a shape of unnamed dims, appending the dimensions
        /// to `dims` (a repeated shape field replaces the earlier one); nil, with
        /// `dims` as it was, for anything else (slices, dim names, unknown fields,
        /// varints of 10 bytes or numbers out of range, any malformation).
        init?(_ bytes: UnsafeRawBufferPointer, dims: inout [Int]) {
            let start = dims.count
            guard Self.decode(bytes, into: &self, dims: &dims) else {
                dims.removeSubrange(start...)
                return nil
            }
        }

        private static func decode(_ bytes: UnsafeRawBufferPointer, into f: inout PlainFields, dims: inout [Int]) -> Bool {
            var p = 0
            let end = bytes.count
            let start = dims.count
            /// A varint of at most 9 bytes (< 2^63), or nil.
            func varint(_ p: inout Int, _ end: Int) -> UInt64? {
                var value: UInt64 = 0
                var shift: UInt64 = 0
                while p < end, shift < 63 {
                    let b = bytes[p]
                    p += 1
                    value |= UInt64(b & 0x7f) << shift
                    if b < 0x80 { return value }
                    shift += 7
                }
                return nil
            }
            while p < end {
                let tag = bytes[p]
                p += 1
                switch tag {
                case 0x08, 0x18:  // dtype, shard_id: varint
                    guard let v = varint(&p, end), v <= UInt64(Int32.max) else { return false }
                    if tag == 0x08 { f.dtype = Int32(v) } else { f.shard = Int32(v) }
                case 0x20, 0x28:  // offset, size: varint int64
                    guard let v = varint(&p, end) else { return false }
                    if tag == 0x20 { f.offset = Int64(v) } else { f.size = Int64(v) }
                case 0x35:  // crc32c: fixed32
                    guard end - p >= 4 else { return false }
                    f.crc32c = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: p, as: UInt32.self))
                    p += 4
                case 0x12:  // shape: TensorShapeProto; a repeated one replaces the earlier
                    guard let n = varint(&p, end), n <= UInt64(end - p) else { return false }
                    dims.removeSubrange(start...)
                    let shapeEnd = p + Int(n)
                    while p < shapeEnd {
                        let t = bytes[p]
                        p += 1
                        switch t {
                        case 0x12:  // dim: TensorShapeProto.Dim
                            guard let m = varint(&p, shapeEnd), m <= UInt64(shapeEnd - p) else { return false }
                            let dimEnd = p + Int(m)
                            var size: UInt64 = 0
                            while p < dimEnd {
                                guard bytes[p] == 0x08 else { return false }  // only `size`
                                p += 1
                                guard let v = varint(&p, dimEnd) else { return false }
                                size = v
                            }
                            dims.append(Int(size))
                        case 0x18:  // unknown_rank: only false
                            guard let v = varint(&p, shapeEnd), v == 0 else { return false }
                        default:
                            return false
                        }
                    }
                default:
                    return false
                }
            }
            return true
        }
    }

    /// Decodes an entry; dimensions must be known and non-negative.
    init(_ bytes: UnsafeRawBufferPointer, file: String, key: String) throws {
        try self.init(bytes, file: file, message: "tensorflow.BundleEntryProto (\(key))", key: key)
    }

    /// The decoder; `key` nil on the fast first pass (any error then makes the
    /// caller decode again with the key, for the message).
    private init(_ bytes: UnsafeRawBufferPointer, file: String, message: String, key: String?) throws {
        var reader = ProtoFieldReader(bytes, file: file, message: message)
        while let f = try reader.next() {
            switch f.number {
            case 1: dtype = DType(rawValue: try f.int32(reader))
            case 2: shape = try f.subReader(reader, message: "tensorflow.TensorShapeProto").tensorShape(key: key ?? "")
            case 3: shardID = Int(try f.int32(reader))
            case 4: offset = try f.int64(reader)
            case 5: size = try f.int64(reader)
            case 6: crc32c = try f.fixed32(reader)
            case 7: slices.append(try TensorSlice(proto: f.subReader(reader, message: "tensorflow.TensorSliceProto")))
            default: break
            }
        }
    }
}
