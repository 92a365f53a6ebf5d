// Where writers put bytes: a buffered file descriptor, or memory (for tests and
// small outputs). Writers stream through these and never hold a whole file.
import Glibc

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
        fd = try SystemCalls.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o644,
                                  failure: "cannot create", codes: [EEXIST: .exists])
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit {
        if fd >= 0 { SystemCalls.closeQuietly(fd) }
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
        guard fd >= 0 else { throw MetaGraphKitError.writeAfterClose(path) }
        try SystemCalls.writeAll(fd, bytes, path: path)
    }

    /// Appends `count` bytes read from another file at `sourceOffset`, through the
    /// buffer (`pread` then `write`, 1 MiB at a time); `body` sees each piece (for a
    /// checksum) before it is written.
    func copy(from source: Int32, offset sourceOffset: Int, count: Int,
              _ body: (UnsafeRawBufferPointer) -> Void) throws {
        try flush()
        var at = sourceOffset
        var left = count
        while left > 0 {
            let n = try SystemCalls.pread(source, into: buffer.baseAddress!, count: min(left, buffer.count), offset: at,
                                          path: path, failure: "cannot read the source of a copy")
            guard n > 0 else { throw Self.endOfSource(path) }
            let piece = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            body(piece)
            try writeAll(piece)
            at += n
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
        guard fd >= 0 else { throw MetaGraphKitError.writeAfterClose(path) }
        var at = sourceOffset
        var left = count
        while left > 0 {
            // Not supported for these files: copy through memory, if nothing was copied yet.
            guard let n = try SystemCalls.sendfile(to: fd, from: source, offset: &at, count: min(left, 1 << 30),
                                                   path: path, fallback: left == count) else { break }
            guard n > 0 else { throw Self.endOfSource(path) }
            left -= n
        }
        if left == 0 {
            offset += count
            return
        }
        try copy(from: source, offset: sourceOffset, count: count) { _ in }
    }

    /// Leaves a hole of `count` bytes at the end for a payload written later with
    /// ``write(_:at:)`` (from any thread), and returns where it starts; later
    /// appends go after it.
    func reserve(_ count: Int) throws -> Int {
        try flush()
        guard fd >= 0 else { throw MetaGraphKitError(.io, "\(path): write after close", file: path) }
        let start = offset
        try SystemCalls.seek(fd, to: start + count, path: path)
        offset = start + count
        return start
    }

    /// Writes `bytes` at `position` (inside a place ``reserve(_:)`` returned)
    /// without moving the end; safe from several threads at once.
    func write(_ bytes: UnsafeRawBufferPointer, at position: Int) throws {
        try SystemCalls.pwriteAll(fd, bytes, offset: position, path: path)
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
            try SystemCalls.truncate(fd, to: mark, path: path)
        }
        offset = mark
    }

    /// Flushes, optionally syncs, and closes.
    func close(sync: Bool = false) throws {
        guard fd >= 0 else { return }
        try flush()
        if sync { try SystemCalls.sync(fd, path: path) }
        let closing = fd
        fd = -1
        try SystemCalls.close(closing, path: path)
    }

    /// A copy's source ended before `count` bytes.
    private static func endOfSource(_ path: String) -> MetaGraphKitError {
        MetaGraphKitError(.io, "\(path): cannot read the source of a copy: end of file", file: path)
    }

    /// Closes without flushing (the file is about to be removed).
    func discard() {
        if fd >= 0 { SystemCalls.closeQuietly(fd); fd = -1 }
        buffered = 0
    }
}
