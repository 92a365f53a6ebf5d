// A read-only memory map of a whole file.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory, unmapped when the last reference goes.
///
/// The bytes are borrowed from the page cache: nothing is copied, and reading a
/// range touches only its pages. An empty file has no mapping (mmap refuses length
/// 0); its bytes are then empty.
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened with (used in messages).
    public let path: String
    /// The file's bytes, valid while this object lives (inside the package only;
    /// users borrow them through ``withUnsafeBytes(_:)``).
    package let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?

    /// Maps a file.
    ///
    /// - Parameter path: The file to map.
    /// - Throws: ``MetaGraphKitError`` with code `notFound` when the file does not
    ///   exist, `io` when it cannot be opened, examined or mapped.
    ///
    /// The corresponding C functions are `open`, `fstat` and `mmap`.
    public init(path: String) throws {
        self.path = path
        // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before the
        // regular-file check below could refuse it. (No effect on regular files.)
        let fd = try SystemCalls.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, codes: [ENOENT: .notFound])
        defer { SystemCalls.closeQuietly(fd) }
        let status = try SystemCalls.status(of: fd, path: path)
        guard status.kind == .regular else {
            throw MetaGraphKitError.notARegularFile(path)
        }
        let size = status.size
        if size == 0 {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let pointer, pointer != MAP_FAILED else {
            throw MetaGraphKitError.system("cannot map \(size) bytes", path: path, errno: .current)
        }
        mapping = pointer
        bytes = UnsafeRawBufferPointer(start: pointer, count: size)
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
    }

    /// Lends the file's bytes to `body`; they must not escape it.
    ///
    /// - Parameter body: Reads the bytes.
    /// - Returns: What `body` returns.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(bytes) }
    }

    /// The file's length in bytes.
    public var count: Int { bytes.count }

    /// Payloads at least this large have their pages released after use.
    static let releaseThreshold = 1 << 20

    /// Drops this mapping's resident pages (the page cache keeps the file); later
    /// reads fault them in again. Keeps a streaming pass's memory flat.
    func releaseResidentPages() {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base), bytes.count, MADV_DONTNEED)
    }

    /// Drops the resident pages wholly inside `range` (a part of ``bytes``).
    func releaseResidentPages(_ range: UnsafeRawBufferPointer) {
        guard let start = range.baseAddress, range.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let last = (Int(bitPattern: start) + range.count) / page * page
        guard last > first, let p = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(p, last - first, MADV_DONTNEED)
    }

    /// Tells the kernel the whole file will be read in order (verify, export).
    func adviseSequential() {
        if let mapping { _ = madvise(mapping, bytes.count, MADV_SEQUENTIAL | MADV_WILLNEED) }
    }
}

/// Gives back the pages of ranges read one after another from mapped files once
/// they add up to ``MappedFile/releaseThreshold``, so a pass over every payload
/// keeps its memory flat (the page cache keeps the files; a later read faults
/// the pages in again).
struct ResidentPageRelease {
    private var file: MappedFile?
    private var start = 0
    private var end = 0

    /// Notes that `range` of `file` was read (and is no longer needed).
    mutating func read(_ file: MappedFile, _ range: Range<Int>) {
        if let current = self.file, current === file, range.lowerBound >= start, range.lowerBound <= end {
            end = Swift.max(end, range.upperBound)
        } else {
            flush()
            self.file = file
            start = range.lowerBound
            end = range.upperBound
        }
        if end - start >= MappedFile.releaseThreshold { flush() }
    }

    /// Gives back the pages of what was noted and not yet given back.
    mutating func flush() {
        if let file, end > start, end <= file.count {
            file.releaseResidentPages(UnsafeRawBufferPointer(rebasing: file.bytes[start..<end]))
        }
        file = nil
    }
}
