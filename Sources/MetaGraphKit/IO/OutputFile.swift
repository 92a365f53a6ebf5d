// Where writers put bytes: a buffered file descriptor, or memory (for tests and
// small outputs). Writers stream through these and never hold a whole file.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }

/// A destination for bytes that knows how many it has taken.
protocol ByteSink: AnyObject {
    /// Bytes written so far (the offset of the next byte).
    var offset: Int { get }
    /// Appends bytes.
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteSink {
    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }
}

/// Bytes collected in memory.
final class MemorySink: ByteSink {
    private(set) var bytes: [UInt8] = []
    var offset: Int { bytes.count }
    func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
}

/// A new file, written through a 1 MiB buffer; large writes bypass the buffer.
///
/// The file is created exclusively (an existing file is an error), so a writer
/// never clobbers something it did not make.
final class OutputFile: ByteSink {
    let path: String
    private var fd: Int32
    private(set) var offset = 0
    private var buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    static let bufferSize = 1 << 20

    init(creating path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let e = errno
            throw MetaGraphKitError(e == EEXIST ? .exists : .io, "\(path): cannot create: \(String(cString: strerror(e)))")
        }
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit {
        if fd >= 0 { _ = systemClose(fd) }
        buffer.deallocate()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        if buffered + bytes.count <= buffer.count {
            UnsafeMutableRawBufferPointer(rebasing: buffer[buffered...]).copyMemory(from: bytes)
            buffered += bytes.count
        } else {
            try flush()
            if bytes.count >= buffer.count / 2 {
                try writeAll(bytes)
            } else {
                UnsafeMutableRawBufferPointer(rebasing: buffer[0...]).copyMemory(from: bytes)
                buffered = bytes.count
            }
        }
        offset += bytes.count
    }

    /// Writes out the buffer.
    func flush() throws {
        guard buffered > 0 else { return }
        try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]))
        buffered = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw MetaGraphKitError(.io, "\(path): write after close") }
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw MetaGraphKitError(.io, "\(path): write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    /// Appends `count` bytes read from another file at `sourceOffset`, through the
    /// buffer (`pread` then `write`, 1 MiB at a time); `body` sees each piece (for a
    /// checksum) before it is written.
    func copy(from source: Int32, offset sourceOffset: Int, count: Int,
              _ body: (UnsafeRawBufferPointer) -> Void) throws {
        try flush()
        var at = off_t(sourceOffset)
        var left = count
        while left > 0 {
            let n = pread(source, buffer.baseAddress, min(left, buffer.count), at)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw MetaGraphKitError(.io, "\(path): cannot read the source of a copy: \(n == 0 ? "end of file" : String(cString: strerror(errno)))")
            }
            let piece = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            body(piece)
            try writeAll(piece)
            at += off_t(n)
            left -= n
        }
        offset += count
    }

    /// Appends `count` bytes of another file at `sourceOffset`, copied by the kernel
    /// (`sendfile`: page cache to page cache, no pass through user memory); falls
    /// back to ``copy(from:offset:count:_:)`` where the call is not supported. The
    /// caller checksums the bytes itself.
    func copyInKernel(from source: Int32, offset sourceOffset: Int, count: Int) throws {
        try flush()
        guard fd >= 0 else { throw MetaGraphKitError(.io, "\(path): write after close") }
        #if os(Linux)
        var at = off_t(sourceOffset)
        var left = count
        while left > 0 {
            let n = sendfile(fd, source, &at, min(left, 1 << 30))
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                if left == count, [EXDEV, ENOSYS, EINVAL, EOPNOTSUPP].contains(e) { break }
                throw MetaGraphKitError(.io, "\(path): copy failed: \(String(cString: strerror(e)))")
            }
            guard n > 0 else { throw MetaGraphKitError(.io, "\(path): cannot read the source of a copy: end of file") }
            left -= n
        }
        if left == 0 {
            offset += count
            return
        }
        #endif
        try copy(from: source, offset: sourceOffset, count: count) { _ in }
    }

    /// Drops everything written after `mark` (an earlier ``offset``): the buffer is
    /// cut back, or the file truncated and the write position moved back.
    func rewind(to mark: Int) throws {
        guard mark < offset else { return }
        let flushedEnd = offset - buffered
        if mark >= flushedEnd {
            buffered = mark - flushedEnd
        } else {
            buffered = 0
            guard ftruncate(fd, off_t(mark)) == 0, lseek(fd, off_t(mark), SEEK_SET) == off_t(mark) else {
                throw MetaGraphKitError(.io, "\(path): cannot truncate: \(String(cString: strerror(errno)))")
            }
        }
        offset = mark
    }

    /// Flushes, optionally syncs, and closes.
    func close(sync: Bool = false) throws {
        guard fd >= 0 else { return }
        try flush()
        if sync, fsync(fd) != 0 {
            throw MetaGraphKitError(.io, "\(path): fsync failed: \(String(cString: strerror(errno)))")
        }
        let r = systemClose(fd)
        fd = -1
        guard r == 0 else {
            throw MetaGraphKitError(.io, "\(path): close failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Closes without flushing (the file is about to be removed).
    func discard() {
        if fd >= 0 { _ = systemClose(fd); fd = -1 }
        buffered = 0
    }
}
