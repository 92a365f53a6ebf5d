// Tensor values for people: JSON nested by shape, and a short text summary.
import Foundation

extension Tensor {
    // MARK: - Elements

    /// Element `i` (row-major) as a JSON value: floats in shortest round-trip form,
    /// half and bfloat16 as their float value, complex as `[re, im]`, strings as
    /// JSON strings when valid UTF-8 else `{"base64": ...}`, float8/float4 families
    /// as their raw byte, int4/int2 sign-extended.
    ///
    /// - Parameter i: The element index, `0 ..< elementCount`.
    /// - Returns: The element.
    public func jsonElement(_ i: Int) -> JSONValue {
        switch storage {
        case .strings(let s):
            let bytes = s[i]
            if let text = String(validating: bytes, as: UTF8.self) { return .string(text) }
            return .object([("base64", .string(Data(bytes).base64EncodedString()))])
        case .bytes(let b):
            let size = dtype.elementSize ?? 1
            return b.withUnsafeBytes { raw -> JSONValue in
                let at = i * size
                func load<T: FixedWidthInteger>(_: T.Type, _ offset: Int = 0) -> T {
                    T(littleEndian: raw.loadUnaligned(fromByteOffset: at + offset, as: T.self))
                }
                switch dtype.base {
                case .float32: return .float(Float(bitPattern: load(UInt32.self)))
                case .float64: return .double(Double(bitPattern: load(UInt64.self)))
                case .float16: return .float(Self.halfToFloat(load(UInt16.self)))
                case .bfloat16: return .float(Float(bitPattern: UInt32(load(UInt16.self)) << 16))
                case .complex64:
                    return .array([.float(Float(bitPattern: load(UInt32.self))), .float(Float(bitPattern: load(UInt32.self, 4)))])
                case .complex128:
                    return .array([.double(Double(bitPattern: load(UInt64.self))), .double(Double(bitPattern: load(UInt64.self, 8)))])
                case .bool: return .bool(load(UInt8.self) != 0)
                case .int8, .qint8: return .int(Int64(load(Int8.self)))
                case .int16, .qint16: return .int(Int64(load(Int16.self)))
                case .int32, .qint32: return .int(Int64(load(Int32.self)))
                case .int64: return .int(load(Int64.self))
                case .uint8, .quint8: return .uint(UInt64(load(UInt8.self)))
                case .uint16, .quint16: return .uint(UInt64(load(UInt16.self)))
                case .uint32: return .uint(UInt64(load(UInt32.self)))
                case .uint64: return .uint(load(UInt64.self))
                case .float8E5M2: return .float(Self.halfToFloat(UInt16(load(UInt8.self)) << 8))
                case .int4: return .int(Int64(Int8(bitPattern: load(UInt8.self) << 4) >> 4))
                case .int2: return .int(Int64(Int8(bitPattern: load(UInt8.self) << 6) >> 6))
                default: return .uint(UInt64(load(UInt8.self)))
                }
            }
        }
    }

    /// IEEE half-precision bits to Float.
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign: Float = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1f)
        let mantissa = Float(h & 0x3ff)
        switch exponent {
        case 0: return sign * mantissa * 0x1p-24
        case 31: return mantissa == 0 ? sign * .infinity : .nan
        default: return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    // MARK: - Reports

    /// The values nested by shape (a scalar is a single value).
    ///
    /// - Returns: Nested JSON arrays of ``jsonElement(_:)`` values.
    public func jsonValues() -> JSONValue {
        var index = 0
        func nest(_ d: Int) -> JSONValue {
            if d == shape.count { defer { index += 1 }; return jsonElement(index) }
            return .array((0..<shape[d]).map { _ in nest(d + 1) })
        }
        return nest(0)
    }

    /// A readable rendering: nested brackets, the middle of long dimensions elided
    /// (`...`) when the tensor has more than `threshold` elements, and the middle of
    /// strings longer than 100 characters elided with their length.
    ///
    /// - Parameters:
    ///   - threshold: Element count above which dimensions are elided (1000, like numpy).
    ///   - edgeItems: Items kept at each end of an elided dimension.
    /// - Returns: The text, on one or more lines.
    public func summary(threshold: Int = 1000, edgeItems: Int = 3) -> String {
        let elide = elementCount > threshold
        var strides = [Int](repeating: 1, count: shape.count)
        if shape.count > 1 { for d in stride(from: shape.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] } }
        func render(_ d: Int, _ base: Int) -> String {
            if d == shape.count { return Self.shortened(jsonElement(base).serialized()) }
            let n = shape[d]
            var parts: [String] = []
            if elide && n > 2 * edgeItems {
                parts = (0..<edgeItems).map { render(d + 1, base + $0 * strides[d]) } + ["..."]
                    + (n - edgeItems..<n).map { render(d + 1, base + $0 * strides[d]) }
            } else {
                parts = (0..<n).map { render(d + 1, base + $0 * strides[d]) }
            }
            let separator = d == shape.count - 1 ? ", " : ",\n" + String(repeating: " ", count: d + 1)
            return "[" + parts.joined(separator: separator) + "]"
        }
        return render(0, 0)
    }

    /// A long element (a string) cut to its first 60 and last 20 characters.
    static func shortened(_ text: String) -> String {
        guard text.count > 100 else { return text }
        return "\(text.prefix(60))…(\(text.count) characters)…\(text.suffix(20))"
    }
}
