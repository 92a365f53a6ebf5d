// Named moments in the writers where a test can hold the process still and send it a
// signal: an interruption test then knows exactly what was on disk when the signal
// came, instead of guessing with sleeps.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Places in the writers where the process stops when the environment variable
/// `MGK_TEST_PAUSE_AT` names them; for interruption tests only, and compiled only
/// into debug builds (`MGK_TEST_HOOKS`, Package.swift): in a release build
/// ``reached(_:)`` is empty and the variable does nothing.
///
/// `MGK_TEST_PAUSE_AT=NAME` stops at the first time `NAME` is reached,
/// `NAME:N` at the N-th. The process then writes `paused at NAME:N` on a line of
/// stderr and sleeps until a signal ends it. Without the variable a pause point
/// costs one comparison. The points:
///
/// | name | reached |
/// |---|---|
/// | `bundle-tensor` | after each tensor (or slice) is written to a data file |
/// | `bundle-finish` | after the index is written, before anything is renamed |
/// | `bundle-placed` | after each file (data files, then the index) is renamed into place, before the commit |
/// | `export-tensor` | after each tensor is written to an export file |
/// | `atomic-commit` | before a single-file output is renamed into place |
/// | `atomic-placed` | after it is renamed into place, before the commit |
/// | `directory-checkpoint` | after each checkpoint (and its `.meta`) of a directory migration |
/// | `prune-written` | `state prune`: after the new state file is in place, before any deletion |
/// | `prune-file` | `state prune`: after each file deleted |
/// | `prune-checkpoint` | `state prune`: after each checkpoint's files are deleted |
enum PausePoint {
    #if MGK_TEST_HOOKS
    private static let target: (name: Substring, count: Int)? = {
        guard let raw = ProcessInfo.processInfo.environment["MGK_TEST_PAUSE_AT"], !raw.isEmpty else { return nil }
        let parts = raw.split(separator: ":", maxSplits: 1)
        return (parts[0], parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var hits = 0

    /// Stops here for good if the test asked for this point (and this occurrence).
    static func reached(_ name: String) {
        guard let target, target.name == name else { return }
        lock.lock()
        hits += 1
        let n = hits
        lock.unlock()
        guard n == target.count else { return }
        let line = "paused at \(name):\(n)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        while true { sleep(60) }
    }
    #else
    /// Nothing: release builds have no pause points.
    @inline(__always) static func reached(_ name: String) {}
    #endif
}
