// TensorFlow's DataType enum (tensorflow/core/framework/types.proto) with the
// names `tf.DType.name` prints and the bundle element sizes of tensor_bundle.cc.

/// A tensor element type, as TensorFlow numbers and names it.
///
/// Values are the `DataType` enum numbers (`DT_FLOAT = 1`, …; reference types are
/// base + 100). ``name`` is what `tf.DType.name` prints (`float32`, `bfloat16`,
/// `string`, `complex64`, `bool`, …).
public struct DType: Hashable, Sendable, CustomStringConvertible {
    /// The `DataType` enum number.
    public let rawValue: Int32

    /// Wraps an enum number (unknown numbers are kept and named `unknown(N)`).
    ///
    /// - Parameter rawValue: The `DataType` number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    // MARK: - The types

    /// `DT_INVALID` (0).
    public static let invalid = DType(rawValue: 0)
    /// `DT_FLOAT` (1).
    public static let float32 = DType(rawValue: 1)
    /// `DT_DOUBLE` (2).
    public static let float64 = DType(rawValue: 2)
    /// `DT_INT32` (3).
    public static let int32 = DType(rawValue: 3)
    /// `DT_UINT8` (4).
    public static let uint8 = DType(rawValue: 4)
    /// `DT_INT16` (5).
    public static let int16 = DType(rawValue: 5)
    /// `DT_INT8` (6).
    public static let int8 = DType(rawValue: 6)
    /// `DT_STRING` (7).
    public static let string = DType(rawValue: 7)
    /// `DT_COMPLEX64` (8).
    public static let complex64 = DType(rawValue: 8)
    /// `DT_INT64` (9).
    public static let int64 = DType(rawValue: 9)
    /// `DT_BOOL` (10).
    public static let bool = DType(rawValue: 10)
    /// `DT_QINT8` (11).
    public static let qint8 = DType(rawValue: 11)
    /// `DT_QUINT8` (12).
    public static let quint8 = DType(rawValue: 12)
    /// `DT_QINT32` (13).
    public static let qint32 = DType(rawValue: 13)
    /// `DT_BFLOAT16` (14).
    public static let bfloat16 = DType(rawValue: 14)
    /// `DT_QINT16` (15).
    public static let qint16 = DType(rawValue: 15)
    /// `DT_QUINT16` (16).
    public static let quint16 = DType(rawValue: 16)
    /// `DT_UINT16` (17).
    public static let uint16 = DType(rawValue: 17)
    /// `DT_COMPLEX128` (18).
    public static let complex128 = DType(rawValue: 18)
    /// `DT_HALF` (19).
    public static let float16 = DType(rawValue: 19)
    /// `DT_RESOURCE` (20).
    public static let resource = DType(rawValue: 20)
    /// `DT_VARIANT` (21).
    public static let variant = DType(rawValue: 21)
    /// `DT_UINT32` (22).
    public static let uint32 = DType(rawValue: 22)
    /// `DT_UINT64` (23).
    public static let uint64 = DType(rawValue: 23)
    /// `DT_FLOAT8_E5M2` (24).
    public static let float8E5M2 = DType(rawValue: 24)
    /// `DT_FLOAT8_E4M3FN` (25).
    public static let float8E4M3FN = DType(rawValue: 25)
    /// `DT_FLOAT8_E4M3FNUZ` (26).
    public static let float8E4M3FNUZ = DType(rawValue: 26)
    /// `DT_FLOAT8_E4M3B11FNUZ` (27).
    public static let float8E4M3B11FNUZ = DType(rawValue: 27)
    /// `DT_FLOAT8_E5M2FNUZ` (28).
    public static let float8E5M2FNUZ = DType(rawValue: 28)
    /// `DT_INT4` (29).
    public static let int4 = DType(rawValue: 29)
    /// `DT_UINT4` (30).
    public static let uint4 = DType(rawValue: 30)
    /// `DT_INT2` (31).
    public static let int2 = DType(rawValue: 31)
    /// `DT_UINT2` (32).
    public static let uint2 = DType(rawValue: 32)
    /// `DT_FLOAT4_E2M1FN` (33).
    public static let float4E2M1FN = DType(rawValue: 33)

    private static let names: [String] = [
        "invalid", "float32", "float64", "int32", "uint8", "int16", "int8", "string",
        "complex64", "int64", "bool", "qint8", "quint8", "qint32", "bfloat16", "qint16",
        "quint16", "uint16", "complex128", "float16", "resource", "variant", "uint32",
        "uint64", "float8_e5m2", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e4m3b11fnuz",
        "float8_e5m2fnuz", "int4", "uint4", "int2", "uint2", "float4_e2m1fn",
    ]

    // MARK: - Properties

    /// The base type of a reference type (`float32_ref` → `float32`); self otherwise.
    public var base: DType { rawValue > 100 ? DType(rawValue: rawValue - 100) : self }

    /// Whether this is a legacy reference type (`DT_*_REF`, number > 100).
    public var isReference: Bool { rawValue > 100 }

    /// The name `tf.DType.name` prints, `_ref` appended for reference types.
    public var name: String {
        let b = base.rawValue
        guard b >= 0, Int(b) < Self.names.count, !(isReference && b == 0) else { return "unknown(\(rawValue))" }
        return Self.names[Int(b)] + (isReference ? "_ref" : "")
    }

    public var description: String { name }

    /// Finds a type by its `tf.DType.name`.
    ///
    /// - Parameter name: A name such as `float32` or `bfloat16`.
    /// - Returns: The type, or nil for an unknown name.
    public init?(name: String) {
        let ref = name.hasSuffix("_ref")
        let stem = ref ? String(name.dropLast(4)) : name
        guard let i = Self.names.firstIndex(of: stem) else { return nil }
        self.init(rawValue: Int32(i) + (ref ? 100 : 0))
    }

    /// Bytes per element in a V2 bundle data file; nil for string, variant,
    /// resource and unknown types (float8, int4, int2 and float4 take one byte each,
    /// unpacked).
    ///
    /// TensorFlow's source for this is `DataTypeSize` as bundles use it (tensor_bundle.cc).
    public var elementSize: Int? {
        switch base.rawValue {
        case 1, 3, 13, 22: return 4
        case 2, 9, 8, 23: return 8
        case 18: return 16
        case 5, 15, 16, 17, 19, 14: return 2
        case 4, 6, 10, 11, 12: return 1
        case 24...33: return 1
        default: return nil
        }
    }
}
