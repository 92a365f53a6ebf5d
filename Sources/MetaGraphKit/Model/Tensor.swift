// A tensor's value as read from a checkpoint.

/// A tensor read from a checkpoint: type, shape and the element bytes.
///
/// Fixed-size element types hold their raw little-endian bytes in row-major order
/// (as bundle data files store them; half and bfloat16 are 16-bit patterns, complex
/// values (real, imaginary) pairs, bool one byte 0/1). String tensors hold one byte
/// array per element. Variant and resource tensors are not decoded.
public struct Tensor: Sendable, Equatable {
    /// How the elements are held.
    public enum Storage: Sendable, Equatable {
        /// Raw little-endian element bytes, `elementCount × dtype.elementSize` long.
        case bytes([UInt8])
        /// One byte string per element (DT_STRING).
        case strings([[UInt8]])
    }

    /// The element type.
    public let dtype: DType
    /// The dimensions; empty for a scalar.
    public let shape: [Int]
    /// The elements.
    public let storage: Storage

    /// Creates a tensor.
    ///
    /// - Parameters:
    ///   - dtype: The element type.
    ///   - shape: The dimensions.
    ///   - storage: The elements.
    public init(dtype: DType, shape: [Int], storage: Storage) {
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
    }

    /// The number of elements (the product of the dimensions).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The raw bytes, or nil for a string tensor.
    public var bytes: [UInt8]? {
        if case .bytes(let b) = storage { return b }
        return nil
    }

    /// The strings, or nil for a numeric tensor.
    public var strings: [[UInt8]]? {
        if case .strings(let s) = storage { return s }
        return nil
    }

    /// The product of `shape`, or an error when it overflows or a dimension is negative.
    static func elementCount(_ shape: [Int], file: String, key: String) throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else {
                throw MetaGraphKitError.corrupt(file, "\(key) has a negative dimension in shape \(shape)")
            }
            let (m, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw MetaGraphKitError.tooLarge(file, "\(key) has too many elements (shape \(shape))")
            }
            n = m
        }
        return n
    }

    /// `count × elementSize` bytes, or an error when that overflows.
    static func byteCount(_ count: Int, _ elementSize: Int, file: String, key: String) throws -> Int {
        let (b, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow else {
            throw MetaGraphKitError.tooLarge(file, "\(key) is too large (\(count) elements)")
        }
        return b
    }
}
