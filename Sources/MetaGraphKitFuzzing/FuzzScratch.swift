// The directory where file-reading targets write each input (the readers map
// files; a fuzzer keeps it in /dev/shm so no disk is touched).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ file: String) {
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
        precondition(n > 0, "\(file): cannot write: \(String(cString: strerror(errno)))")
        done += n
    }
}

/// A private directory, emptied before each input and removed at the end.
public final class FuzzScratch {
    /// The directory.
    public let path: String
    private var written: [String] = []

    /// Creates a new `parent/mgk-fuzz-XXXXXX` (`mkdtemp`).
    ///
    /// - Parameter parent: An existing directory (`/dev/shm` for fuzzing).
    public init(parent: String) {
        var template = Array("\(parent)/mgk-fuzz-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            preconditionFailure("\(parent): cannot create a scratch directory: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    deinit {
        clear()
        rmdir(path)
    }

    /// Removes the files of the previous input.
    public func clear() {
        for name in written { unlink(name) }
        written = []
    }

    /// Writes one file of the current input.
    ///
    /// - Parameters:
    ///   - name: A file name inside the directory.
    ///   - bytes: Its content.
    /// - Returns: Its path.
    @discardableResult
    public func write(_ name: String, _ bytes: UnsafeRawBufferPointer) -> String {
        let file = "\(path)/\(name)"
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "\(file): cannot create: \(String(cString: strerror(errno)))")
        defer { close(fd) }
        writeAll(fd, bytes, file)
        written.append(file)
        return file
    }
}
