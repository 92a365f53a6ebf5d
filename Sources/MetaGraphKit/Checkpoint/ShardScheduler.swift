// Spreading a checkpoint's independent units of work (tensors of several data
// files, payload copies into reserved places) over a fixed number of threads,
// with results that do not depend on how many threads there were.
import Dispatch
import Foundation

/// Runs numbered units of work on up to `jobs` threads and reports them as a
/// serial loop would: results in index order, and of several failures the one with
/// the lowest index (the one a loop over the units would have stopped at).
///
/// Units are taken in index order, so at most `jobs` are in flight at any time:
/// memory stays bounded by what `jobs` units hold, whatever the unit count.
public enum ShardScheduler {
    /// Threads used when the caller does not say: the cores this process may run
    /// on (`ProcessInfo.activeProcessorCount`).
    public static var defaultJobs: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Runs `body(i)` for every `i` in `0..<count` on up to `jobs` threads (one:
    /// on the calling thread, in order). When a unit throws, units not yet started
    /// after it are not started; the error of the lowest-index unit that threw is
    /// rethrown once every started unit has finished.
    ///
    /// - Parameters:
    ///   - count: Number of units.
    ///   - jobs: Most threads at once (values below 1 count as 1).
    ///   - body: One unit; called from several threads at once when `jobs > 1`.
    /// - Throws: What the lowest-index failing unit threw.
    public static func run(count: Int, jobs: Int, _ body: (Int) throws -> Void) throws {
        let width = min(max(1, jobs), count)
        guard width > 1 else {
            for i in 0..<count { try body(i) }
            return
        }
        let state = State(count: count)
        withoutActuallyEscaping(body) { body in
            // Each thread takes the next unit; body's captures are the caller's to keep safe.
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: width) { _ in
                while let i = state.next() {
                    do { try work(i) } catch { state.failed(i, error) }
                }
            }
        }
        if let error = state.error { throw error }
    }

    /// Runs `body(i)` for every `i` in `0..<count` on up to `jobs` threads and
    /// returns the results in index order (all units run, whatever they return).
    ///
    /// - Parameters:
    ///   - count: Number of units.
    ///   - jobs: Most threads at once.
    ///   - body: One unit; must not throw (fold failures into `R`).
    /// - Returns: `body(0)`, `body(1)`, … in order.
    public static func map<R>(count: Int, jobs: Int, _ body: (Int) -> R) -> [R] {
        let slots = UnsafeMutableBufferPointer<R?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        // Safe to share: each unit writes only its own slot.
        nonisolated(unsafe) let out = slots
        try? run(count: count, jobs: jobs) { out[$0] = body($0) }
        return slots.map { $0! }
    }

    /// The next unit to start and the lowest failure so far, behind one lock.
    private final class State: @unchecked Sendable {
        private let lock = NSLock()
        private let count: Int
        private var upcoming = 0
        private var firstFailure = Int.max
        private(set) var error: (any Error)?

        init(count: Int) { self.count = count }

        func next() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard upcoming < count, upcoming < firstFailure else { return nil }
            upcoming += 1
            return upcoming - 1
        }

        func failed(_ index: Int, _ error: any Error) {
            lock.lock()
            defer { lock.unlock() }
            if index < firstFailure {
                firstFailure = index
                self.error = error
            }
        }
    }
}
