// CRC-32 (IEEE 802.3, zlib's polynomial), as zip archives store it; for .npz export.
internal import CMetaGraphSupport

/// The zip CRC-32 (not TensorFlow's CRC-32C).
enum CRC32 {
    /// Extends a finalized CRC-32 with `bytes` (PCLMULQDQ when present).
    static func extend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return mgk_crc32_ieee_extend(crc, base, bytes.count)
    }

    /// The table path (tests compare it with the fast path).
    static func extendPortable(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return mgk_crc32_ieee_extend_portable(crc, base, bytes.count)
    }
}
