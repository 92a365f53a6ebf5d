// Reading tensor elements as numbers, specialized per element type so the loops
// of `ckpt diff` and `ckpt stats` compile to straight loads.

/// One element type read as a Double.
protocol ElementLoader {
    /// Bytes per element.
    static var size: Int { get }
    /// Element `i` of `base`, widened to Double (exact for every type but 64-bit
    /// integers beyond 2^53).
    static func load(_ base: UnsafeRawPointer, _ i: Int) -> Double
}

enum F32: ElementLoader {
    static var size: Int { 4 }
    @inline(__always) static func load(_ base: UnsafeRawPointer, _ i: Int) -> Double {
        Double(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))))
    }
}

enum F64: ElementLoader {
    static var size: Int { 8 }
    @inline(__always) static func load(_ base: UnsafeRawPointer, _ i: Int) -> Double {
        Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)))
    }
}

enum F16: ElementLoader {
    static var size: Int { 2 }
    @inline(__always) static func load(_ base: UnsafeRawPointer, _ i: Int) -> Double {
        let h = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))
        return Double(halfToFloat(h))
    }

    /// IEEE half precision to Float, bit by bit (no Float16 type needed).
    @inline(__always) static func halfToFloat(_ h: UInt16) -> Float {
        let sign: UInt32 = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1f)
        let mantissa = UInt32(h & 0x3ff)
        if exponent == 0 {
            let v = Float(mantissa) * 0x1p-24
            return sign != 0 ? -v : v
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13) }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
    }
}

enum BF16: ElementLoader {
    static var size: Int { 2 }
    @inline(__always) static func load(_ base: UnsafeRawPointer, _ i: Int) -> Double {
        Double(Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))) << 16))
    }
}

/// Integer and bool elements.
enum IntLoader<T: FixedWidthInteger>: ElementLoader {
    static var size: Int { MemoryLayout<T>.size }
    @inline(__always) static func load(_ base: UnsafeRawPointer, _ i: Int) -> Double {
        Double(T(littleEndian: base.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.size, as: T.self)))
    }
}

/// The numeric kind of a dtype, for dispatching to a specialized loop.
enum NumericKind: Equatable {
    case float32, float64, float16, bfloat16
    case int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool
    /// complex64 / complex128: pairs of float32 / float64.
    case complex64, complex128

    init?(_ dtype: DType) {
        switch dtype.base {
        case .float32: self = .float32
        case .float64: self = .float64
        case .float16: self = .float16
        case .bfloat16: self = .bfloat16
        case .int8, .qint8: self = .int8
        case .int16, .qint16: self = .int16
        case .int32, .qint32: self = .int32
        case .int64: self = .int64
        case .uint8, .quint8: self = .uint8
        case .uint16, .quint16: self = .uint16
        case .uint32: self = .uint32
        case .uint64: self = .uint64
        case .bool: self = .bool
        case .complex64: self = .complex64
        case .complex128: self = .complex128
        default: return nil
        }
    }

    var isComplex: Bool { self == .complex64 || self == .complex128 }
    var isFloat: Bool { [.float32, .float64, .float16, .bfloat16].contains(self) }

    /// Bytes per (real) component.
    var componentSize: Int {
        switch self {
        case .float64, .int64, .uint64, .complex128: return 8
        case .float32, .int32, .uint32, .complex64: return 4
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// Component `i` (complex: real and imaginary parts alternate) as a Double.
    func load(_ base: UnsafeRawPointer, _ i: Int) -> Double {
        switch self {
        case .float32, .complex64: return F32.load(base, i)
        case .float64, .complex128: return F64.load(base, i)
        case .float16: return F16.load(base, i)
        case .bfloat16: return BF16.load(base, i)
        case .int8: return IntLoader<Int8>.load(base, i)
        case .int16: return IntLoader<Int16>.load(base, i)
        case .int32: return IntLoader<Int32>.load(base, i)
        case .int64: return IntLoader<Int64>.load(base, i)
        case .uint8, .bool: return IntLoader<UInt8>.load(base, i)
        case .uint16: return IntLoader<UInt16>.load(base, i)
        case .uint32: return IntLoader<UInt32>.load(base, i)
        case .uint64: return IntLoader<UInt64>.load(base, i)
        }
    }
}

extension Array where Element == Int {
    /// The multi-index of row-major element `linear` in a tensor of this shape.
    func multiIndex(_ linear: Int) -> [Int] {
        var rest = linear
        var out = [Int](repeating: 0, count: count)
        for d in stride(from: count - 1, through: 0, by: -1) where self[d] > 0 {
            out[d] = rest % self[d]
            rest /= self[d]
        }
        return out
    }
}
