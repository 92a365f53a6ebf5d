// Positioned writes and seeks, for payloads copied into places reserved ahead in
// an output file (parallel migration): several threads write one descriptor at
// once, each at its own offset, without moving the descriptor's position.
import Glibc

private func c_pwrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int, _ at: off_t) -> Int { pwrite(fd, p, n, at) }
private func c_lseek(_ fd: Int32, _ at: off_t) -> off_t { lseek(fd, at, SEEK_SET) }

extension SystemCalls {
    /// Writes all of `bytes` at `offset`, leaving the descriptor's position alone.
    /// The corresponding C function is `pwrite`.
    static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, offset: Int, path: String) throws(MetaGraphKitError) {
        var done = 0
        while done < bytes.count {
            let n = c_pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw MetaGraphKitError.system("write failed", path: path, errno: .current)
            }
            done += n
        }
    }

    /// Moves the descriptor's position to `offset`. The corresponding C function is `lseek`.
    static func seek(_ fd: Int32, to offset: Int, path: String) throws(MetaGraphKitError) {
        guard c_lseek(fd, off_t(offset)) == off_t(offset) else {
            throw MetaGraphKitError.system("cannot seek", path: path, errno: .current)
        }
    }
}
