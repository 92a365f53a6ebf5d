// Every libc file call MetaGraphKit makes, in one place (swift-system's
// Internals/Syscalls.swift and `valueOrErrno(retryOnInterrupt:)`): each returns its
// value or throws a MetaGraphKitError whose `cause` is the call's Errno. EINTR is
// retried here, so no caller loops on it.
//
// Platform: MetaGraphKit supports Linux (glibc) only; see Package.swift. This
// file imports Glibc alone, so a port starts here.
import Glibc

// The C functions under names the enum's members do not shadow.
private func c_open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func c_close(_ fd: Int32) -> Int32 { close(fd) }
private func c_stat(_ path: String, _ info: inout stat) -> Int32 { stat(path, &info) }
private func c_pread(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int, _ at: off_t) -> Int { pread(fd, p, n, at) }
private func c_read(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { read(fd, p, n) }
private func c_write(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
private func c_sendfile(_ out: Int32, _ src: Int32, _ at: inout off_t, _ n: Int) -> Int { sendfile(out, src, &at, n) }
private func c_rename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

/// What `stat` says about a path: its kind and size.
struct FileStatus {
    enum Kind { case regular, directory, other }
    let kind: Kind
    let size: Int
    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        default: kind = .other
        }
        size = Int(info.st_size)
    }
}

/// The system calls, each throwing an error that names the path, the failure in
/// the user's words, and carries the errno.
enum SystemCalls {
    /// Opens `path`. The corresponding C function is `open`.
    ///
    /// - Parameters:
    ///   - failure: The words of the message (`cannot open`, `cannot create`).
    ///   - codes: Error codes for particular errnos (`ENOENT` → `notFound`); `io` otherwise.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0, failure: String = "cannot open",
                     codes: [Int32: MetaGraphKitError.Code] = [:]) throws(MetaGraphKitError) -> Int32 {
        while true {
            let fd = c_open(path, flags, mode)
            if fd >= 0 { return fd }
            let e = errno
            if e == EINTR { continue }
            throw MetaGraphKitError.system(failure, path: path, errno: Errno(rawValue: e), code: codes[e] ?? .io)
        }
    }

    /// Closes a descriptor, ignoring failure (for descriptors only read, or
    /// outputs being discarded). The corresponding C function is `close`.
    static func closeQuietly(_ fd: Int32) { _ = c_close(fd) }

    /// Closes a descriptor of an output, where a failure may mean lost data.
    static func close(_ fd: Int32, path: String) throws(MetaGraphKitError) {
        guard c_close(fd) == 0 else { throw MetaGraphKitError.system("close failed", path: path, errno: .current) }
    }

    /// The status of `path` (following links), or nil when nothing is there
    /// (`ENOENT`). The corresponding C function is `stat`.
    static func status(_ path: String, failure: String = "cannot stat") throws(MetaGraphKitError) -> FileStatus? {
        var info = stat()
        guard c_stat(path, &info) == 0 else {
            let e = errno
            if e == ENOENT { return nil }
            throw MetaGraphKitError.system(failure, path: path, errno: Errno(rawValue: e))
        }
        return FileStatus(info)
    }

    /// The status of an open descriptor. The corresponding C function is `fstat`.
    static func status(of fd: Int32, path: String) throws(MetaGraphKitError) -> FileStatus {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MetaGraphKitError.system("cannot stat", path: path, errno: .current) }
        return FileStatus(info)
    }

    /// The status of `path` itself (not following a link), or nil when nothing is
    /// there. The corresponding C function is `lstat`.
    static func linkStatus(_ path: String) -> FileStatus? {
        var info = stat()
        return lstat(path, &info) == 0 ? FileStatus(info) : nil
    }

    /// Whether anything exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return c_stat(path, &info) == 0
    }

    /// Reads up to `count` bytes at `offset`; 0 at the end of the file. The
    /// corresponding C function is `pread`.
    static func pread(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, offset: Int,
                      path: String, failure: String) throws(MetaGraphKitError) -> Int {
        while true {
            let n = c_pread(fd, buffer, count, off_t(offset))
            if n >= 0 { return n }
            let e = errno
            if e == EINTR { continue }
            throw MetaGraphKitError.system(failure, path: path, errno: Errno(rawValue: e))
        }
    }

    /// Reads up to `count` bytes at the descriptor's position; 0 at the end. The
    /// corresponding C function is `read`.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, path: String) throws(MetaGraphKitError) -> Int {
        while true {
            let n = c_read(fd, buffer, count)
            if n >= 0 { return n }
            let e = errno
            if e == EINTR { continue }
            throw MetaGraphKitError.system("cannot read", path: path, errno: Errno(rawValue: e))
        }
    }

    /// Writes all of `bytes`. The corresponding C function is `write`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(MetaGraphKitError) {
        var done = 0
        while done < bytes.count {
            let n = c_write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw MetaGraphKitError.system("write failed", path: path, errno: .current)
            }
            done += n
        }
    }

    /// Copies up to `count` bytes from `source` at `offset` (moved forward) to
    /// `fd`'s position, in the kernel. Returns nil, when `fallback` allows it, if the
    /// kernel cannot do it for these files (the caller then copies through memory).
    /// The corresponding C function is `sendfile`.
    static func sendfile(to fd: Int32, from source: Int32, offset: inout Int, count: Int, path: String,
                         fallback: Bool) throws(MetaGraphKitError) -> Int? {
        var at = off_t(offset)
        while true {
            let n = c_sendfile(fd, source, &at, count)
            if n >= 0 {
                offset = Int(at)
                return n
            }
            let e = errno
            if e == EINTR { continue }
            if fallback, [EXDEV, ENOSYS, EINVAL, EOPNOTSUPP].contains(e) { return nil }
            throw MetaGraphKitError.system("copy failed", path: path, errno: Errno(rawValue: e))
        }
    }

    /// Flushes a file to storage. The corresponding C function is `fsync`.
    static func sync(_ fd: Int32, path: String) throws(MetaGraphKitError) {
        guard fsync(fd) == 0 else { throw MetaGraphKitError.system("fsync failed", path: path, errno: .current) }
    }

    /// Cuts a file to `length` bytes and moves its position there. The
    /// corresponding C functions are `ftruncate` and `lseek`.
    static func truncate(_ fd: Int32, to length: Int, path: String) throws(MetaGraphKitError) {
        guard ftruncate(fd, off_t(length)) == 0, lseek(fd, off_t(length), SEEK_SET) == off_t(length) else {
            throw MetaGraphKitError.system("cannot truncate", path: path, errno: .current)
        }
    }

    /// Renames `from` to `to`, replacing a file there. The corresponding C function is `rename`.
    static func rename(_ from: String, to: String, path: String, failure: String) throws(MetaGraphKitError) {
        guard c_rename(from, to) == 0 else { throw MetaGraphKitError.system(failure, path: path, errno: .current) }
    }

    /// Gives `from` a second name `to` (a hard link), or where links are not
    /// allowed renames it. The corresponding C functions are `link` and `rename`.
    static func linkOrRename(_ from: String, to: String, path: String, failure: String) throws(MetaGraphKitError) {
        guard link(from, to) == 0 || c_rename(from, to) == 0 else {
            throw MetaGraphKitError.system(failure, path: path, errno: .current)
        }
    }

    /// Makes a directory. The corresponding C function is `mkdir`.
    static func makeDirectory(_ path: String) throws(MetaGraphKitError) {
        guard mkdir(path, 0o755) == 0 else {
            throw MetaGraphKitError.system("cannot create directory", path: path, errno: .current)
        }
    }
}
