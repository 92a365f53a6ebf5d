// Joining CRCs of adjacent byte ranges (zlib's crc32_combine, for CRC-32C).
internal import CMetaGraphSupport
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

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

extension CRC32C {
    /// ``checksum(_:)-(UnsafeRawBufferPointer)`` of a large buffer on every core: equal
    /// parts checksummed at once and joined with ``combine(_:_:secondLength:)``.
    ///
    /// Reading one big tensor (`ckpt stats`, `ckpt diff`, `ckpt to-keras`, Python's
    /// `get_tensor`) checks its CRC before use; one core checks about half as fast
    /// as the page cache delivers.
    ///
    /// - Parameters:
    ///   - bytes: The bytes to checksum.
    ///   - minimumPart: No part smaller than this (below twice this, one pass).
    /// - Returns: The same finalized CRC as `checksum(bytes)`.
    static func checksumOnEveryCore(_ bytes: UnsafeRawBufferPointer, minimumPart: Int = 8 << 20) -> UInt32 {
        let parts = Swift.min(cores, bytes.count / Swift.max(1, minimumPart))
        guard parts > 1 else { return checksum(bytes) }
        let size = bytes.count / parts
        let crcs = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: parts)
        crcs.initialize(repeating: 0)
        defer { crcs.deallocate() }
        nonisolated(unsafe) let out = crcs, all = bytes
        DispatchQueue.concurrentPerform(iterations: parts) { i in
            let lo = i * size, hi = i == parts - 1 ? all.count : lo + size
            out[i] = checksum(UnsafeRawBufferPointer(rebasing: all[lo..<hi]))
        }
        var crc = crcs[0]
        for i in 1..<parts {
            let length = i == parts - 1 ? bytes.count - i * size : size
            crc = combine(crc, crcs[i], secondLength: length)
        }
        return crc
    }

    private static let cores = Swift.max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}
