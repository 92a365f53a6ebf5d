import ArgumentParser
import MetaGraphKit

extension CkptCommand {
    /// `tfmeta ckpt diff A B [--rtol R] [--atol A] [--rule …] [--drop …] [--map …] [--rules FILE]…
    /// [--preset NAME]… [--strict] [--verbose] [--json]`.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Compare two checkpoints of any formats key by key and value by value.",
            discussion: """
                A and B are checkpoints of any formats tfmeta reads (V1, V2, safetensors, npz, .npy). \
                Reports keys only in A or only in B, dtype and shape changes, and per tensor whether the \
                bytes are identical, the largest |Δ| and where, the mean |Δ|, and whether all elements are \
                close: numpy's allclose with equal_nan, |a - b| <= atol + rtol * |b| (B is the reference). \
                B goes through --drop, --map, --rule, then the steps of each --rules file and --preset \
                before matching, as in `ckpt rename`: keys renamed and dropped, values transposed, \
                reshaped, cast or merged (so `ckpt diff SRC OUT.safetensors --preset from-torch` proves a \
                to-torch export equal to its source). A step that matches nothing is a warning, an error \
                with --strict. Exits 0 when equal within tolerance, 1 otherwise. JSON shape in the README.
                """)

        @Argument(help: "The first checkpoint.")
        var a: String
        @Argument(help: "The second checkpoint (the reference for --rtol).")
        var b: String
        @Option(name: .long, help: "Relative tolerance.")
        var rtol = 1e-5
        @Option(name: .long, help: "Absolute tolerance.")
        var atol = 1e-8
        @OptionGroup var keys: KeyRuleOptions
        @Flag(name: .long, help: "Fail when a rule, map entry or preset matches nothing in B.")
        var strict = false
        @Flag(name: .long, help: "List identical tensors too.")
        var verbose = false
        @OptionGroup var output: JSONOption

        func validate() throws {
            guard rtol >= 0, atol >= 0, rtol.isFinite, atol.isFinite else {
                throw ValidationError("--rtol and --atol must be finite and not negative.")
            }
        }

        func run() throws {
            var options = CheckpointDiff.Options()
            options.rtol = rtol
            options.atol = atol
            options.ruleSet = try keys.ruleSet()
            options.strict = strict
            let diff = try CheckpointDiff.compare(a, b, options: options)
            for w in diff.unmatchedRules { FileHandle.standardErrorWrite("warning: \(w)\n") }
            // Streamed: the report of 100,000 keys is never one value or string.
            if output.json { diff.writeJSON { FileHandle.standardOutputWrite($0) } } else {
                diff.writeText(verbose: verbose) { FileHandle.standardOutputWrite($0) }
            }
            FileHandle.standardOutputWrite("\n")
            // A tensor that could not be read is a failed input, not a difference:
            // say so on stderr as every other command does (the report names each).
            let failed = diff.readFailures
            if !failed.isEmpty {
                for d in failed { FileHandle.standardErrorWrite("\(d.message ?? d.key)\n") }
                let message = "\(diff.a) vs \(diff.b): \(failed.count) tensor\(failed.count == 1 ? "" : "s") could not be read"
                if output.json { FileHandle.standardErrorWrite("Error: \(message)\n"); throw ExitCode(1) }
                throw MetaGraphKitError(.corrupt, message)
            }
            if !diff.equal { throw ExitCode(1) }
        }
    }
}

extension CkptCommand {
    /// `tfmeta ckpt stats PREFIX [--quiet] [--json]`.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Per-tensor min, max, mean, std, NaN/Inf/zero counts, and the size by role.",
            discussion: """
                Roles follow the key conventions: optimizer slots (VAR/Adam, VAR/Adam_1, adam_m, \
                .OPTIMIZER_SLOT, optimizer/…), EMA shadows (ExponentialMovingAverage), counters \
                (global_step, save_counter, iterations, beta1_power …), model (other float tensors), other. \
                Statistics are over the finite elements. JSON shape in the README.
                """)

        @OptionGroup var checkpoint: CheckpointArgument
        @Flag(name: .long, help: "Print only the breakdown by role, not one line per tensor.")
        var quiet = false
        @OptionGroup var output: JSONOption

        func run() throws {
            let stats = try CheckpointStats.compute(checkpoint.checkpoint)
            // Streamed: the report of 100,000 tensors is never one value or string.
            if output.json { stats.writeJSON { FileHandle.standardOutputWrite($0) } } else {
                stats.writeText(quiet: quiet) { FileHandle.standardOutputWrite($0) }
            }
            FileHandle.standardOutputWrite("\n")
            let unread = stats.messages
            guard unread.isEmpty else {
                for m in unread { FileHandle.standardErrorWrite("\(m)\n") }
                let message = "\(stats.path): \(unread.count) tensor\(unread.count == 1 ? "" : "s") could not be read"
                // With --json the report on stdout already says which: one document there.
                if output.json { FileHandle.standardErrorWrite("Error: \(message)\n"); throw ExitCode(1) }
                throw MetaGraphKitError(.corrupt, message)
            }
        }
    }
}

extension CkptCommand {
    /// `tfmeta ckpt import IN DST [--rule …] [--drop …] [--map …] [--rules FILE]… [--preset NAME]…
    /// [--strict] [--shards N] [--overwrite] [--dry-run] [--json]`.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Write a safetensors, npz or .npy-directory's tensors as a V2 checkpoint.",
            discussion: """
                Every dtype both formats have is kept (bfloat16 included; numpy S/U string arrays become \
                string tensors). Payloads are written from the mapped input tensor by tensor. Keys and values \
                pass through --drop, --map, --rule, then the steps of each --rules file and --preset, as in \
                `ckpt rename` (`--preset from-torch` transposes PyTorch's [out,in] and OIHW kernels back to \
                TensorFlow's layouts); a step that matches nothing is a warning, an error with --strict. \
                JSON as `ckpt rename`.
                """)

        @Argument(help: "A .safetensors or .npz file, a .npy file, or a directory of .npy files.")
        var source: String
        @Argument(help: "The V2 prefix to write.")
        var destination: String
        @OptionGroup var keys: KeyRuleOptions
        @Flag(name: .long, help: "Fail when a rule, map entry or preset matches nothing.")
        var strict = false
        @Flag(name: .long, help: "Print what would be written; write nothing.")
        var dryRun = false
        @OptionGroup var writing: CheckpointOutputOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let result = try CheckpointRemap.importForeign(source: source, destination: destination, ruleSet: try keys.ruleSet(),
                                                           strict: strict, overwrite: writing.overwrite, dryRun: dryRun,
                                                           shards: writing.shards, progress: writing.startWriting())
            for w in result.warnings { FileHandle.standardErrorWrite("warning: \(w)\n") }
            for w in result.rules.warnings { FileHandle.standardErrorWrite(w + "\n") }
            print(output.json ? result.jsonValue.serialized(pretty: true) : result.text)
        }
    }
}
