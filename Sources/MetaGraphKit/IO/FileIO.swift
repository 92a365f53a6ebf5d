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
        guard let status = try SystemCalls.status(path, failure: "cannot read") else {
            throw MetaGraphKitError.notFound(path, "no such file")
        }
        if status.kind == .directory {
            throw MetaGraphKitError.isADirectory(path)
        }
        // A FIFO would block the open until some writer appears, a device such as
        // /dev/zero never ends: inputs are regular files.
        guard status.kind == .regular else {
            throw MetaGraphKitError.notARegularFile(path)
        }
        guard status.size <= limit else {
            throw MetaGraphKitError.tooLarge(path, "\(status.size) bytes is more than the \(limit)-byte limit")
        }
        let fd = try SystemCalls.open(path, O_RDONLY | O_CLOEXEC)
        defer { SystemCalls.closeQuietly(fd) }
        var out = [UInt8](repeating: 0, count: status.size)
        var filled = 0
        var chunk = [UInt8]()
        while true {
            // Read into the sized array; a file that grew since the stat goes on in
            // chunks, up to the limit.
            if filled < out.count {
                let n = try out.withUnsafeMutableBytes {
                    try SystemCalls.read(fd, into: $0.baseAddress! + filled, count: $0.count - filled, path: path)
                }
                if n == 0 { out.removeSubrange(filled...); break }
                filled += n
                continue
            }
            if chunk.isEmpty { chunk = [UInt8](repeating: 0, count: 1 << 20) }
            let n = try chunk.withUnsafeMutableBytes { try SystemCalls.read(fd, into: $0.baseAddress!, count: $0.count, path: path) }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            filled += n
            if out.count > limit {
                throw MetaGraphKitError.tooLarge(path, "more than the \(limit)-byte limit")
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
    public static func exists(_ path: String) -> Bool { SystemCalls.exists(path) }

    /// Whether `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool { (try? SystemCalls.status(path))??.kind == .directory }
}
