// Base-128 varints, the protobuf and LevelDB-table integer encoding: the one
// reader and the one writer every layer uses (swift-protobuf's Varint.swift,
// WasmKit's generic decodeLEB128).

/// Reading and writing varints: 7 bits a byte, low bits first, the high bit set
/// on every byte but the last.
package enum Varint {
    /// Why bytes are not a varint of the width asked for.
    package enum Failure: Error, Equatable {
        /// The bytes end before the last byte of the varint.
        case truncated
        /// The last byte sets bits beyond the width.
        case overflow
        /// More bytes than the width allows (10 for 64 bits, 5 for 32).
        case tooLong
    }

    /// Decodes a varint of `T`'s width from `bytes[position..<end]`; on success
    /// `position` moves past it, on failure it is unchanged.
    ///
    /// - Parameters:
    ///   - bytes: The bytes to read.
    ///   - position: Where the varint starts.
    ///   - end: The first byte not to read (`bytes.count` by default).
    @inline(__always)
    package static func decode<T: FixedWidthInteger & UnsignedInteger>(
        _ bytes: UnsafeRawBufferPointer, at position: inout Int, end: Int? = nil, as: T.Type = T.self
    ) -> Result<T, Failure> {
        let end = end ?? bytes.count
        let lastShift = (T.bitWidth - 1) / 7 * 7            // 63 for 64 bits, 28 for 32
        let lastMax = UInt8((1 << (T.bitWidth - lastShift)) - 1)
        var value: T = 0
        var shift = 0
        var at = position
        while true {
            guard at < end else { return .failure(.truncated) }
            let byte = bytes[at]
            at += 1
            if shift == lastShift && byte > lastMax { return .failure(.overflow) }
            value |= T(byte & 0x7f) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
            if shift > lastShift { return .failure(.tooLong) }
        }
        position = at
        return .success(value)
    }

    /// Appends the varint encoding of `value`.
    @inline(__always)
    package static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    /// The number of bytes ``append(_:to:)`` writes for `value` (1 to 10).
    package static func encodedSize(of value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }
}
