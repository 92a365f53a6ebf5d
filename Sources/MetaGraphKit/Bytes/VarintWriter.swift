// Writing protobuf base-128 varints (the reading side is ByteCursor).

/// Protobuf varints: 7 bits per byte, little-endian groups, high bit = more.
enum Varint {
    /// Appends `value` as a varint (1…10 bytes).
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// The number of bytes `append` writes for `value`.
    static func encodedSize(_ value: UInt64) -> Int {
        var n = 1
        var v = value >> 7
        while v != 0 { n += 1; v >>= 7 }
        return n
    }
}
