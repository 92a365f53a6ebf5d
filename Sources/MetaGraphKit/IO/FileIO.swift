// Whole-file reads and atomic writes, with errors that name the file.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reading and writing whole files the way MetaGraphKit promises: inputs are never
/// modified, outputs appear complete or not at all.
public enum FileIO {
    /// Reads a whole file.
    ///
    /// - Parameters:
    ///   - path: The file to read.
    ///   - limit: The largest size accepted, in bytes (default 2 GiB, protobuf's limit).
    /// - Returns: The file's bytes.
    /// - Throws: ``MetaGraphKitError`` `notFound`, `io` (also for a directory, FIFO
    ///   or device) or `tooLarge`, naming the file.
    public static func read(_ path: String, limit: Int = 1 << 31) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let e = errno
            if e == ENOENT { throw MetaGraphKitError(.notFound, "\(path): no such file") }
            throw MetaGraphKitError(.io, "\(path): cannot read: \(String(cString: strerror(e)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw MetaGraphKitError(.io, "\(path): is a directory, not a file")
        }
        // A FIFO would block the open until some writer appears, a device such as
        // /dev/zero never ends: inputs are regular files.
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MetaGraphKitError(.io, "\(path): not a regular file")
        }
        guard Int(info.st_size) <= limit else {
            throw MetaGraphKitError(.tooLarge, "\(path): \(info.st_size) bytes is more than the \(limit)-byte limit")
        }
        guard let handle = fopen(path, "rb") else {
            throw MetaGraphKitError(.io, "\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(handle) }
        var out = [UInt8]()
        out.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            if n > 0 { out.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count {
                if ferror(handle) != 0 { throw MetaGraphKitError(.io, "\(path): read failed") }
                break
            }
            if out.count > limit {
                throw MetaGraphKitError(.tooLarge, "\(path): more than the \(limit)-byte limit")
            }
        }
        return out
    }

    /// Writes `bytes` to `path` atomically: to a temporary name in the same
    /// directory, synced, then renamed over `path`. On failure nothing is left.
    ///
    /// - Parameters:
    ///   - bytes: The complete content.
    ///   - path: The destination.
    /// - Throws: ``MetaGraphKitError`` `io`, naming the file.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        try writeAtomically(bytes, to: path, within: nil)
    }

    /// ``writeAtomically(_:to:)`` as part of a larger output: the commit hands the
    /// file to `parent`.
    static func writeAtomically(_ bytes: [UInt8], to path: String, within parent: OutputTransaction?) throws {
        let out = try AtomicOutputFile(path: path, within: parent)
        try out.write(bytes)
        try out.commit(sync: true)
    }

    /// A temporary name beside `path`, as TensorFlow names its own
    /// (`<path>.tempstate<random>`).
    static func temporaryName(for path: String) -> String {
        "\(path).tempstate\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Whether a file or directory exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Whether `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
