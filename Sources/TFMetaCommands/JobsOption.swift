import ArgumentParser
import MetaGraphKit

/// `--jobs N`, shared by the commands that spread a checkpoint's tensors and data
/// files over several cores (`ckpt verify`, `ckpt migrate`).
struct JobsOption: ParsableArguments {
    @Option(name: .long, help: "Threads at once (default: every core this process may use); the result is the same for any N.")
    var jobs: Int?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be 1 or more") }
    }

    /// The number of threads: `--jobs`, or the cores this process may use.
    var count: Int { jobs ?? ShardScheduler.defaultJobs }
}
