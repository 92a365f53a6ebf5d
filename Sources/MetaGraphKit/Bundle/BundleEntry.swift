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
        if let entry = try? BundleEntry(bytes, file: file, message: "tensorflow.BundleEntryProto", key: nil) {
            self = entry
            return
        }
        let key = BundleReader.display(keyBytes)
        try self.init(bytes, file: file, message: "tensorflow.BundleEntryProto (\(key))", key: key)
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
