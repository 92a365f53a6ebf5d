// Every change a writer has made on disk but not yet committed (a temporary file, a
// file renamed into place, an existing file moved aside, a new directory): undone on
// failure, and on SIGINT, SIGTERM or SIGHUP once the interrupt handler is installed.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process-wide record of what MetaGraphKit's writers have changed on disk and
/// not yet committed.
///
/// Writers record each change here in the same locked step that makes it (see
/// `OutputTransaction`), so the record is never behind the disk. A change is one of:
/// a file created (undone by removing it), a directory created (removed when empty),
/// an existing file moved aside before being replaced (put back). Committing an
/// output forgets its changes and deletes what was moved aside.
///
/// ``installInterruptHandler()`` makes SIGINT, SIGTERM and SIGHUP undo every
/// recorded change, newest first, and exit with 128 + the signal number (130 for
/// Ctrl-C). The handler keeps the record locked until the process is gone, so no
/// writer can create, place or commit anything after the undo.
public enum TemporaryFiles {
    /// How one recorded change is undone.
    enum Undo: Equatable {
        /// A file this process created (a temporary, or one renamed into place).
        case remove(String)
        /// A directory this process created; removed only if empty.
        case removeDirectory(String)
        /// An existing file renamed (or hard-linked) to `backup` before being replaced.
        case restore(backup: String, original: String)

        /// The path the change left on disk.
        var path: String {
            switch self {
            case .remove(let p), .removeDirectory(let p): p
            case .restore(let backup, _): backup
            }
        }

        /// Undoes the change (errors ignored: this is cleanup).
        func run() {
            switch self {
            case .remove(let p): unlink(p)
            case .removeDirectory(let p): rmdir(p)
            case .restore(let backup, let original): rename(backup, original)
            }
        }
    }

    /// A recorded change and the transaction that owns it.
    struct Entry {
        var owner: UInt64
        var undo: Undo
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var entries: [Entry] = []
    nonisolated(unsafe) private static var lastOwner: UInt64 = 0
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Runs `body` on the record with the lock held: a change made on disk inside
    /// `body` and recorded there cannot be split by the interrupt handler.
    static func withLockedEntries<T>(_ body: (inout [Entry]) throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body(&entries)
    }

    /// A new transaction id.
    static func newOwner() -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        lastOwner += 1
        return lastOwner
    }

    /// The paths recorded now: temporaries, files placed but not committed, and
    /// backups of files moved aside (for tests).
    package static var registered: Set<String> {
        lock.lock(); defer { lock.unlock() }
        return Set(entries.map(\.undo.path))
    }

    /// Undoes every recorded change, newest first: removes the files and empty
    /// directories writers created and puts back the files they moved aside.
    ///
    /// This is what the interrupt handler does before exiting; a program that stops
    /// writing for its own reasons can call it too.
    public static func removeAll() {
        lock.lock(); defer { lock.unlock() }
        undoAllLocked()
    }

    private static func undoAllLocked() {
        for e in entries.reversed() { e.undo.run() }
        entries.removeAll()
    }

    /// Makes SIGINT, SIGTERM and SIGHUP undo every recorded change (as
    /// ``removeAll()``) and exit with 128 + the signal number: 130 for Ctrl-C, 143
    /// for SIGTERM, 129 for SIGHUP. A signal the process inherited as ignored (under
    /// `nohup`, or SIGINT of a background job of a script) stays ignored.
    ///
    /// The handler runs on a dispatch queue, not in signal context. Once it has
    /// started it never releases the lock, so a writer still running on another
    /// thread blocks at its next create, rename or commit until the process ends; it
    /// exits with `_exit`, so no other thread's exit can replace the status. The
    /// call returns once the handler is in place. Call it once, early (``tfmeta``
    /// calls it before running any command).
    public static func installInterruptHandler() {
        lock.lock()
        guard sources.isEmpty else { lock.unlock(); return }
        let registered = DispatchGroup()
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            // Ignored until the source is registered (libdispatch then installs its
            // own handler that forwards the signal to its signalfd). A signal the
            // parent made us ignore (nohup, `cmd &` in a script) stays ignored.
            let previous = signal(sig, SIG_IGN)
            if unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                lock.lock()   // never released: the process ends here
                undoAllLocked()
                _exit(128 + sig)
            }
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.resume()
            sources.append(source)
        }
        lock.unlock()
        // Wait until the signals are really caught, so a Ctrl-C once writing has
        // started is never ignored (registration takes microseconds; the bound only
        // keeps a broken dispatch from hanging the program).
        _ = registered.wait(timeout: .now() + .seconds(5))
    }
}
