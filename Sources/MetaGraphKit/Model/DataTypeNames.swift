// DataType names as TensorFlow's Python `tf.DType.name` spells them (types.proto).
enum DataTypeNames {
    private static let base: [Int32: String] = [
        0: "invalid", 1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8",
        7: "string", 8: "complex64", 9: "int64", 10: "bool", 11: "qint8", 12: "quint8", 13: "qint32",
        14: "bfloat16", 15: "qint16", 16: "quint16", 17: "uint16", 18: "complex128", 19: "float16",
        20: "resource", 21: "variant", 22: "uint32", 23: "uint64", 24: "float8_e5m2",
        25: "float8_e4m3fn", 26: "float8_e4m3fnuz", 27: "float8_e4m3b11fnuz", 28: "float8_e5m2fnuz",
        29: "int4", 30: "uint4", 31: "int2", 32: "uint2", 33: "float4_e2m1fn",
    ]

    /// The name of DataType number `value` (`float32`, `int32_ref`).
    static func name(_ value: Int32) -> String {
        if let name = base[value] { return name }
        if value > 100, let name = base[value - 100] { return name + "_ref" }
        return "dtype(\(value))"
    }
}
