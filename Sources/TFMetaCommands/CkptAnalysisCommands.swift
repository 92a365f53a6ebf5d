import ArgumentParser
import MetaGraphKit

extension CkptCommand {
    /// `tfmeta ckpt diff A B [--rtol R] [--atol A] [--rule …] [--drop …] [--map …] [--verbose] [--json]`.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Compare two checkpoints of any formats key by key and value by value.",
            discussion: """
                A and B are checkpoints of any formats tfmeta reads (V1, V2, safetensors, npz, .npy). \
                Reports keys only in A or only in B, dtype and shape changes, and per tensor whether the \
                bytes are identical, the largest |Δ| and where, the mean |Δ|, and whether all elements are \
                close: numpy's allclose with equal_nan, |a - b| <= atol + rtol * |b| (B is the reference). \
                --rule/--drop/--map rename B's keys before matching. Exits 0 when equal within tolerance, \
                1 otherwise. JSON shape in the README.
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
            options.rules = try keys.keyRules()
            let diff = try CheckpointDiff.compare(a, b, options: options)
            print(output.json ? diff.json.serialized(pretty: true) : diff.text(verbose: verbose))
            if !diff.equal { throw ExitCode(1) }
        }
    }
}
