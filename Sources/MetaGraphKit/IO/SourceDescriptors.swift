// The one cache of read descriptors for copies that go through pread or sendfile
// (migrate, remap, export): each source file is opened once and closed at the end.
import Glibc

/// Open read-only descriptors of source files, by path, closed when this goes away.
struct SourceDescriptors: ~Copyable {
    private var open: [String: Int32] = [:]

    init() {}

    /// The descriptor of `path`, opened on first use.
    ///
    /// - Throws: ``MetaGraphKitError`` `io` (with the errno as cause) when it cannot be opened.
    mutating func descriptor(_ path: String) throws(MetaGraphKitError) -> Int32 {
        if let fd = open[path] { return fd }
        let fd = try SystemCalls.open(path, O_RDONLY | O_CLOEXEC)
        open[path] = fd
        return fd
    }

    deinit { for fd in open.values { SystemCalls.closeQuietly(fd) } }
}
