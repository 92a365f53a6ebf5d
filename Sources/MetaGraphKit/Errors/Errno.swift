// The errno of a failed system call, kept as a value (swift-system's `Errno`,
// NIO's `FileSystemError.cause`).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The error number a failed system call left in `errno`.
///
/// Every ``MetaGraphKitError`` made for a failed system call carries one as its
/// ``MetaGraphKitError/cause``, so a caller can tell `ENOSPC` from `EACCES` without
/// reading the message. `description` is the C library's text for it (`strerror`).
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    /// The raw `errno` value (`ENOENT`, `EACCES`, …).
    public let rawValue: Int32

    /// Wraps a raw `errno` value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The value `errno` holds now (read it right after the call that failed).
    public static var current: Errno { Errno(rawValue: errno) }

    /// The C library's text for this number, as `strerror` gives it.
    public var description: String { String(cString: strerror(rawValue)) }

    /// No such file or directory.
    public static let noSuchFile = Errno(rawValue: ENOENT)
    /// The file exists.
    public static let fileExists = Errno(rawValue: EEXIST)
    /// Interrupted by a signal (the call is retried).
    public static let interrupted = Errno(rawValue: EINTR)
}
