// Files a writer has created but not yet put in place: removed on failure, and on
// Ctrl-C when the interrupt handler is installed.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process-wide list of files MetaGraphKit's writers are still working on.
///
/// Writers register every temporary (and every half-placed output) here and
/// unregister it once it is in place or removed. ``installInterruptHandler()``
/// makes SIGINT and SIGTERM remove everything still registered, then exit 130.
public enum TemporaryFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Adds a path to remove if the process is interrupted.
    static func register(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths.insert(path)
    }

    /// Forgets a path (it was renamed into place or removed).
    static func unregister(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths.remove(path)
    }

    /// The paths registered now (for tests).
    public static var registered: Set<String> {
        lock.lock(); defer { lock.unlock() }
        return paths
    }

    /// Removes every registered file (and directory, when empty).
    public static func removeAll() {
        lock.lock(); defer { lock.unlock() }
        // Longest first: files inside a registered directory go before it.
        for p in paths.sorted(by: { $0.utf8.count > $1.utf8.count }) where unlink(p) != 0 { rmdir(p) }
        paths.removeAll()
    }

    /// Makes SIGINT and SIGTERM remove every registered file and exit with status 130.
    ///
    /// The handler runs on a dispatch queue, not in signal context, so it may take
    /// the lock. Call once, early in a command that writes.
    public static func installInterruptHandler() {
        lock.lock(); defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                removeAll()
                exit(130)
            }
            source.resume()
            sources.append(source)
        }
    }
}
