// A slice of a tensor: one extent per dimension (tensorflow/core/framework/tensor_slice.proto).

/// Which part of a tensor a stored slice holds.
///
/// TensorFlow's name for this is `TensorSliceProto` / `TensorSlice`.
public struct TensorSlice: Hashable, Sendable, CustomStringConvertible {
    /// The range of one dimension: the whole dimension when `length` is nil.
    public struct Extent: Hashable, Sendable {
        /// First index.
        public var start: Int64
        /// Number of indices, or nil for the whole dimension.
        public var length: Int64?

        /// Creates an extent.
        ///
        /// - Parameters:
        ///   - start: First index.
        ///   - length: Number of indices, nil for the whole dimension.
        public init(start: Int64 = 0, length: Int64? = nil) {
            self.start = start
            self.length = length
        }
    }

    /// One extent per dimension.
    public var extents: [Extent]

    /// Creates a slice.
    ///
    /// - Parameter extents: One extent per dimension.
    public init(extents: [Extent]) { self.extents = extents }

    /// Whether every extent covers its whole dimension.
    public var isFull: Bool { extents.allSatisfy { $0.length == nil } }

    /// The slice as TensorFlow's spec string writes it: `-` or `start,length` per
    /// dimension, joined by `:`.
    public var description: String {
        extents.map { e in e.length.map { "\(e.start),\($0)" } ?? "-" }.joined(separator: ":")
    }

    /// Decodes a `TensorSliceProto`: `repeated Extent extent = 1`, Extent
    /// `{ int64 start = 1; oneof has_length { int64 length = 2; } }`.
    init(proto reader: ProtoFieldReader) throws {
        var reader = reader
        var extents: [Extent] = []
        while let field = try reader.next() {
            guard field.number == 1 else { continue }
            var sub = try field.subReader(reader, message: "tensorflow.TensorSliceProto.Extent")
            var extent = Extent()
            while let f = try sub.next() {
                switch f.number {
                case 1: extent.start = try f.int64(sub)
                case 2: extent.length = try f.int64(sub)
                default: break
                }
            }
            extents.append(extent)
        }
        self.extents = extents
    }

    /// Start and length of dimension `d` of a tensor of `shape`, checked to lie
    /// inside it.
    func range(_ d: Int, in shape: [Int], file: String, key: String) throws -> (start: Int, length: Int) {
        let e = extents[d]
        guard let length = e.length else { return (0, shape[d]) }
        guard e.start >= 0, length >= 0, e.start <= Int64(shape[d]), length <= Int64(shape[d]) - e.start else {
            throw MetaGraphKitError.corrupt(file, "slice \(description) of \(key) lies outside its shape \(shape)")
        }
        return (Int(e.start), Int(length))
    }

    /// The slice's own shape inside a tensor of `shape`.
    func shape(in shape: [Int], file: String, key: String) throws -> [Int] {
        guard extents.count == shape.count else {
            throw MetaGraphKitError.corrupt(file, "slice \(description) of \(key) has \(extents.count) dimensions, the tensor \(shape.count)")
        }
        return try (0..<shape.count).map { try range($0, in: shape, file: file, key: key).length }
    }
}
