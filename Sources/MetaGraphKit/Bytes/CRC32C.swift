// CRC-32C (Castagnoli) and TensorFlow's masking, over the C helper's hardware path.
// Follows tsl/lib/hash/crc32c.h (Value, Extend, Mask, Unmask).
internal import CMetaGraphSupport

/// CRC-32C as TensorFlow checksums table blocks and tensor payloads, and the
/// "masked" form it stores.
///
/// Uses the processor's CRC32 instruction (SSE4.2 or the arm64 CRC extension) when
/// present, a slicing-by-8 table otherwise. TensorFlow's name for this is `crc32c`.
public enum CRC32C {
    /// The constant added after rotating, `kMaskDelta` in TensorFlow.
    public static let maskDelta: UInt32 = 0xa282_ead8

    // MARK: - Checksums

    /// The CRC-32C of `bytes`.
    ///
    /// - Parameter bytes: The bytes to checksum.
    /// - Returns: The finalized CRC (0 for no bytes).
    ///
    /// TensorFlow's name for this is `crc32c::Value`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        extend(0, bytes)
    }

    /// The CRC-32C of an array of bytes.
    ///
    /// - Parameter bytes: The bytes to checksum.
    /// - Returns: The finalized CRC (0 for no bytes).
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// Extends a finalized CRC with more bytes: `extend(checksum(a), b) == checksum(a + b)`.
    ///
    /// - Parameters:
    ///   - crc: A finalized CRC; 0 starts a new stream.
    ///   - bytes: The bytes that follow.
    /// - Returns: The finalized CRC of everything so far.
    ///
    /// TensorFlow's name for this is `crc32c::Extend`.
    public static func extend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return mgk_crc32c_extend(crc, base, bytes.count)
    }

    /// Extends a finalized CRC with the bytes of an array.
    ///
    /// - Parameters:
    ///   - crc: A finalized CRC; 0 starts a new stream.
    ///   - bytes: The bytes that follow.
    /// - Returns: The finalized CRC of everything so far.
    public static func extend(_ crc: UInt32, _ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { extend(crc, $0) }
    }

    /// Extends a CRC with the 4 little-endian bytes of `value`.
    static func extend(_ crc: UInt32, u32le value: UInt32) -> UInt32 {
        withUnsafeBytes(of: value.littleEndian) { extend(crc, $0) }
    }

    /// Extends a CRC with the 8 little-endian bytes of `value`.
    static func extend(_ crc: UInt32, u64le value: UInt64) -> UInt32 {
        withUnsafeBytes(of: value.littleEndian) { extend(crc, $0) }
    }

    /// The table path, whatever the processor (tests compare it with the fast path).
    static func extendPortable(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return mgk_crc32c_extend_portable(crc, base, bytes.count)
    }

    /// Whether the hardware instruction is in use.
    public static var isHardwareAccelerated: Bool { mgk_crc32c_is_hardware() != 0 }

    // MARK: - Masking

    /// The masked form TensorFlow stores: rotate right by 15 bits, add ``maskDelta``.
    ///
    /// - Parameter crc: A finalized CRC.
    /// - Returns: The masked value.
    ///
    /// TensorFlow's name for this is `crc32c::Mask`.
    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ maskDelta
    }

    /// Undoes ``mask(_:)``.
    ///
    /// - Parameter masked: A stored, masked CRC.
    /// - Returns: The CRC.
    ///
    /// TensorFlow's name for this is `crc32c::Unmask`.
    public static func unmask(_ masked: UInt32) -> UInt32 {
        let rotated = masked &- maskDelta
        return (rotated >> 17) | (rotated << 15)
    }
}
