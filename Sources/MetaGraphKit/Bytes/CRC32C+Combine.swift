// Joining CRCs of adjacent byte ranges (zlib's crc32_combine, for CRC-32C).
internal import CMetaGraphSupport

extension CRC32C {
    /// The CRC of `a ‖ b` from the CRC of `a`, the CRC of `b` and the length of `b`.
    ///
    /// Lets a copy check a table block's CRC from the CRC of the payload it streams
    /// and the CRCs of the few bytes around it, instead of reading the payload twice.
    ///
    /// - Parameters:
    ///   - first: `checksum(a)`.
    ///   - second: `checksum(b)`.
    ///   - secondLength: `b.count`.
    /// - Returns: `checksum(a + b)`.
    static func combine(_ first: UInt32, _ second: UInt32, secondLength: Int) -> UInt32 {
        mgk_crc32c_combine(first, second, secondLength)
    }
}
