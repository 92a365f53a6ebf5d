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

/// `--overwrite`, shared by every command that writes a single file (exports,
/// `.meta` files, state files).
struct OverwriteOption: ParsableArguments {
    @Flag(name: .long, help: "Replace an existing output (it is replaced only once the new one is complete).")
    var overwrite = false
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
    /// A progress callback drawing `done/total tensors, N MiB, R MiB/s, ETA T` on
    /// one line of stderr, or nil when stderr is not a terminal (logs stay clean).
    /// The rate is bytes written over the time since the first call; the ETA
    /// assumes the remaining tensors go at the rate of those done.
    static func onStandardError() -> Migration.Progress? {
        guard isatty(2) != 0 else { return nil }
        let started = ContinuousClock.now
        nonisolated(unsafe) var last = started - .seconds(1)   // called from one thread
        return { done, total, bytes in
            let now = ContinuousClock.now
            if done == total {
                FileHandle.standardErrorWrite("\r\u{1b}[K")
            } else if now - last >= .milliseconds(100) {   // ten redraws a second at most
                last = now
                FileHandle.standardErrorWrite("\r\u{1b}[K" + line(done: done, total: total, bytes: bytes, elapsed: now - started))
            }
        }
    }

    /// `12/40 tensors, 310 MiB, 820 MiB/s, ETA 3 s`.
    static func line(done: Int, total: Int, bytes: Int, elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var text = "\(done)/\(total) tensors, \(bytes >> 20) MiB"
        guard seconds > 0, done > 0 else { return text }
        text += ", \(Int((Double(bytes) / 1_048_576 / seconds).rounded())) MiB/s"
        let eta = seconds * Double(total - done) / Double(done)
        text += ", ETA " + (eta < 60 ? "\(Int(eta.rounded(.up))) s" : "\(Int(eta / 60)) min \(Int(eta.truncatingRemainder(dividingBy: 60))) s")
        return text
    }
}

/// `--quiet` and `--all`, shared by the commands whose report lists one line per
/// key (rename, to-object, to-names, match, export's skipped keys).
///
/// The rule: per-key lines are the report's indented lines. `--quiet` leaves them
/// out (headers and the summary line stay). Without `--all`, a report printed to a
/// terminal with more than ``PerKeyLines/screenLimit`` per-key lines shows the first
/// ``PerKeyLines/shownPerSection`` of each section and says how many more there are
/// and that `--all` lists them; a pipe or file always gets every line.
struct PerKeyLines: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Leave out the per-key lines; print only the summary.")
    var quiet = false

    @Flag(name: .long, help: "Print every per-key line, even on a terminal.")
    var all = false

    /// More per-key lines than this on a terminal are summarised.
    static let screenLimit = 50
    /// Lines shown per section when summarised.
    static let shownPerSection = 20

    /// `text` as the flags and the terminal say: quiet, summarised or whole.
    func apply(_ text: String, terminal: Bool) -> String {
        // Nothing to cut (a pipe, or --all): no split of what may be 100,000 lines.
        if !quiet, !terminal || all { return text }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let isKeyLine = { (line: String) in line.hasPrefix("  ") }
        if quiet {
            // The per-key lines go, and so does a section header ("matched:") over them.
            return lines.enumerated().filter { i, line in
                !isKeyLine(line) && !(line.hasSuffix(":") && i + 1 < lines.count && isKeyLine(lines[i + 1]))
            }.map(\.element).joined(separator: "\n")
        }
        let count = lines.filter(isKeyLine).count
        guard terminal, !all, count > Self.screenLimit else { return text }
        var out: [String] = []
        var run = 0, hidden = 0
        func flush() {
            if hidden > 0 { out.append("  … \(hidden) more (--all lists every line)") }
            run = 0
            hidden = 0
        }
        for line in lines {
            if isKeyLine(line) {
                run += 1
                if run <= Self.shownPerSection { out.append(line) } else { hidden += 1 }
            } else {
                flush()
                out.append(line)
            }
        }
        flush()
        return out.joined(separator: "\n")
    }

    /// Prints `text` to stdout, quiet or summarised as the flags and the terminal say.
    func print(_ text: String) {
        Swift.print(apply(text, terminal: isatty(1) != 0))
    }

    /// Prints a report the library writes in pieces (`write`): streamed as it is
    /// made when every line goes out (a pipe, a file, or --all), else as ``print(_:)``.
    func print(streaming write: ((UnsafeRawBufferPointer) -> Void) -> Void) {
        if !quiet, isatty(1) == 0 || all {
            write { FileHandle.standardOutputWrite($0) }
            FileHandle.standardOutputWrite("\n")
            return
        }
        var bytes: [UInt8] = []
        write { bytes += $0 }
        print(String(decoding: bytes, as: UTF8.self))
    }
}
