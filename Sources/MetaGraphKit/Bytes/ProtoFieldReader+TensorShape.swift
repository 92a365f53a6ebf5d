// TensorShapeProto (tensorflow/core/framework/tensor_shape.proto), decoded from
// the wire by the V2 index (BundleEntryProto) and the V1 metadata alike.

extension ProtoFieldReader {
    /// Decodes the `TensorShapeProto` this reader is over (`dim = 2 { size = 1 }`,
    /// `unknown_rank = 3`); every dimension must be known and non-negative.
    ///
    /// - Parameter key: The tensor, for messages.
    /// - Throws: ``MetaGraphKitError`` `corrupt` for a negative dimension or an unknown rank.
    func tensorShape(key: String) throws -> [Int] {
        var reader = self
        var dims: [Int] = []
        while let f = try reader.next() {
            switch f.number {
            case 2:
                var d = try f.subReader(reader, message: "tensorflow.TensorShapeProto.Dim")
                var size: Int64 = 0
                while let g = try d.next() {
                    if g.number == 1 { size = try g.int64(d) }
                }
                guard size >= 0, let s = Int(exactly: size) else {
                    throw MetaGraphKitError.corrupt(reader.file, "\(key) has dimension \(size)", key: key)
                }
                dims.append(s)
            case 3:
                if try f.int64(reader) != 0 {
                    throw MetaGraphKitError.corrupt(reader.file, "\(key) has an unknown rank", key: key)
                }
            default: break
            }
        }
        return dims
    }
}
