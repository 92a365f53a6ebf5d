import ArgumentParser
import MetaGraphKit
#if canImport(Glibc)
import Glibc
#endif

/// `--json`, shared by every command that prints a report.
struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print the report as JSON (shape documented in the README).")
    var json = false
}

/// `--shards N` and `--overwrite`, shared by the commands that write a V2
/// checkpoint, and what each of them sets up before writing.
struct CheckpointOutputOptions: ParsableArguments {
    @Option(name: .long, help: "Number of data files to write (1…99999).")
    var shards = 1

    @Flag(name: .long, help: "Replace an existing destination.")
    var overwrite = false

    func validate() throws {
        guard shards >= 1, shards <= 99_999 else { throw ValidationError("--shards must be 1…99999") }
    }

    /// The progress callback for stderr (nil when stderr is not a terminal). Ctrl-C
    /// is already handled: `TFMetaEntry` installs the interrupt handler for every
    /// command.
    func startWriting() -> Migration.Progress? {
        TerminalProgress.onStandardError()
    }

    /// The library's options for the destination, with the terminal progress.
    func writeOptions() -> CheckpointWriteOptions {
        CheckpointWriteOptions(shards: shards, overwrite: overwrite, progress: startWriting())
    }
}

/// Progress of long copies on stderr, only when stderr is a terminal.
enum TerminalProgress {
    /// A progress callback drawing `done/total tensors, N MiB` on one line of
    /// stderr, or nil when stderr is not a terminal (logs stay clean).
    static func onStandardError() -> Migration.Progress? {
        guard isatty(2) != 0 else { return nil }
        nonisolated(unsafe) var last = ContinuousClock.now - .seconds(1)   // called from one thread
        return { done, total, bytes in
            let now = ContinuousClock.now
            if done == total {
                FileHandle.standardErrorWrite("\r\u{1b}[K")
            } else if now - last >= .milliseconds(100) {   // ten redraws a second at most
                last = now
                FileHandle.standardErrorWrite("\r\u{1b}[K\(done)/\(total) tensors, \(bytes >> 20) MiB")
            }
        }
    }
}
