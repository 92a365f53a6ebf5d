// An output file written under a temporary name in its destination directory and
// renamed over the destination only when complete (TF writes `.tempstate` names
// the same way, tensor_bundle.cc).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written to a temporary name and renamed into place by ``commit()``;
/// removed if it is never committed.
final class AtomicOutputFile {
    let path: String
    let temporaryPath: String
    private var fd: Int32
    private var committed = false
    /// Bytes written so far.
    private(set) var offset = 0

    init(path: String) throws {
        self.path = path
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let base = path.contains("/") ? String(path[path.index(after: path.lastIndex(of: "/")!)...]) : path
        temporaryPath = (dir.isEmpty ? "" : dir + "/") + ".\(base).tmp\(getpid())-\(UInt32.random(in: 0 ... .max))"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw MetaGraphKitError(.io, "\(path): cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(temporaryPath) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            #if canImport(Glibc)
            let n = Glibc.write(fd, bytes.baseAddress! + done, min(bytes.count - done, 1 << 30))
            #else
            let n = Darwin.write(fd, bytes.baseAddress! + done, min(bytes.count - done, 1 << 30))
            #endif
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw MetaGraphKitError(.io, "\(path): write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        offset += bytes.count
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Closes the file and renames it over `path`.
    func commit() throws {
        let result = close(fd)
        fd = -1
        guard result == 0 else {
            throw MetaGraphKitError(.io, "\(path): close failed: \(String(cString: strerror(errno)))")
        }
        guard rename(temporaryPath, path) == 0 else {
            throw MetaGraphKitError(.io, "\(path): cannot rename \(temporaryPath) into place: \(String(cString: strerror(errno)))")
        }
        committed = true
    }
}
