// Typed values of a tensor: `try tensor.scalars(as: Float.self)`, checked against
// the dtype, with no raw-pointer rebinding in the caller.

/// A Swift type that a tensor's elements can be read as: the type matching one
/// fixed-size ``DType`` exactly.
///
/// `Float` (float32), `Double` (float64), `Int8`…`Int64`, `UInt8`…`UInt64` and
/// `Bool` conform. Half, bfloat16, complex and quantized tensors are read from
/// ``Tensor/bytes`` instead.
public protocol TensorScalar: BitwiseCopyable, Sendable {
    /// The dtype whose elements are this type.
    static var dtype: DType { get }
}

extension Float: TensorScalar { public static var dtype: DType { .float32 } }
extension Double: TensorScalar { public static var dtype: DType { .float64 } }
extension Int8: TensorScalar { public static var dtype: DType { .int8 } }
extension Int16: TensorScalar { public static var dtype: DType { .int16 } }
extension Int32: TensorScalar { public static var dtype: DType { .int32 } }
extension Int64: TensorScalar { public static var dtype: DType { .int64 } }
extension UInt8: TensorScalar { public static var dtype: DType { .uint8 } }
extension UInt16: TensorScalar { public static var dtype: DType { .uint16 } }
extension UInt32: TensorScalar { public static var dtype: DType { .uint32 } }
extension UInt64: TensorScalar { public static var dtype: DType { .uint64 } }
extension Bool: TensorScalar { public static var dtype: DType { .bool } }

extension Tensor {
    /// The elements as `T`, in row-major order.
    ///
    /// ```swift
    /// let kernel: [Float] = try reader.tensor("dense/kernel").scalars()
    /// ```
    ///
    /// - Parameter type: The element type; its ``TensorScalar/dtype`` must be this
    ///   tensor's ``dtype``.
    /// - Returns: ``elementCount`` values.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when the dtypes differ (or
    ///   the tensor holds strings).
    public func scalars<T: TensorScalar>(as type: T.Type = T.self) throws -> [T] {
        guard dtype == T.dtype, case .bytes(let bytes) = storage else {
            throw MetaGraphKitError(.invalidArgument,
                "a \(dtype) tensor cannot be read as \(T.self), whose dtype is \(T.dtype)")
        }
        let size = MemoryLayout<T>.stride
        let count = bytes.count / size
        return bytes.withUnsafeBytes { raw in
            if T.self == Bool.self {
                return (0..<count).map { unsafeBitCast(raw[$0] != 0, to: T.self) }
            }
            return (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * size, as: T.self) }
        }
    }

    /// The single element of a scalar (or one-element) tensor as `T`.
    ///
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when the dtypes differ or
    ///   the tensor does not hold exactly one element.
    public func scalar<T: TensorScalar>(as type: T.Type = T.self) throws -> T {
        let values = try scalars(as: T.self)
        guard values.count == 1 else {
            throw MetaGraphKitError(.invalidArgument, "a tensor of shape \(shape) holds \(values.count) elements, not one")
        }
        return values[0]
    }
}
