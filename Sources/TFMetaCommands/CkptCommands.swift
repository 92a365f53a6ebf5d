import ArgumentParser
import MetaGraphKit
#if canImport(Glibc)
import Glibc
#endif

/// `tfmeta ckpt`: the group; its subcommands live beside it in this file.
struct CkptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ckpt",
        abstract: "List, show, verify, export and convert checkpoints (V1 and V2).",
        subcommands: [CkptList.self, CkptShow.self, CkptVerify.self, CkptExport.self, Migrate.self, Rename.self, ToObject.self, ToNames.self, Match.self,
                      ToKeras.self, Diff.self, Stats.self, Import.self, Merge.self]
    )
}

/// The checkpoint argument every `ckpt` command takes.
struct CheckpointArgument: ParsableArguments {
    @Argument(help: "A checkpoint prefix (V2), a V1 file, shard or `PREFIX-?????-of-NNNNN` pattern, or a directory with a `checkpoint` file.")
    var checkpoint: String
}

// MARK: - list

/// `tfmeta ckpt list`: keys, dtypes and shapes, like `tf.train.list_variables`.
struct CkptList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tensors of a checkpoint (key, dtype, shape), sorted by key.")

    @OptionGroup var checkpoint: CheckpointArgument
    @OptionGroup var output: JSONOption

    func run() throws {
        // Lazy, then streamed: a V2 index is listed straight from its table (every
        // block checked before anything is written), not built as one value first.
        let reader = try CheckpointReader(path: checkpoint.checkpoint, lazy: true)
        // Straight to the descriptor: nothing else of this command is printed.
        func emit(_ piece: UnsafeRawBufferPointer) { FileHandle.standardOutputWrite(piece) }
        // A damaged index is explained as opening it eagerly would explain it.
        try CheckpointReader.explaining(checkpoint.checkpoint, as: .checkpoint) {
            try reader.writeListing(json: output.json, emit)
        }
    }
}

// MARK: - show

/// `tfmeta ckpt show`: the values of some tensors.
struct CkptShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the values of tensors.",
        discussion: "Without --json the middle of big tensors is elided. With --json: one object per key with key, dtype, shape and values nested by shape (NaN and infinities as strings, complex as [re, im], non-UTF-8 strings as {\"base64\": ...}).")

    @OptionGroup var checkpoint: CheckpointArgument
    @Argument(help: "The tensor keys to show.")
    var keys: [String]
    @OptionGroup var output: JSONOption

    func validate() throws {
        if keys.isEmpty { throw ValidationError("Name at least one key.") }
    }

    func run() throws {
        // Lazy: each key costs a binary search of the index, whatever its size.
        let reader = try CheckpointReader(path: checkpoint.checkpoint, lazy: true)
        var reports: [JSONValue] = []
        for key in keys {
            let t = try reader.tensor(key)
            if output.json {
                reports.append(.object([("key", .string(key)), ("dtype", .string(t.dtype.name)),
                                        ("shape", .array(t.shape.map { .int(Int64($0)) })), ("values", t.jsonValues())]))
            } else {
                print("\(key)  \(t.dtype.name)  \(t.shape)")
                print(t.summary())
            }
        }
        if output.json {
            print((reports.count == 1 ? reports[0] : .array(reports)).serialized(pretty: true))
        }
    }
}

// MARK: - verify

/// `tfmeta ckpt verify`: every checksum and structural rule.
struct CkptVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every block and tensor checksum and every structural rule.",
        discussion: """
            Exits 0 with a one-line summary when the checkpoint is sound, 1 listing every problem otherwise. \
            JSON: {"ok", "format", "prefix", "tensors", "problems": [{"code", "message"}]}.
            """)

    @OptionGroup var checkpoint: CheckpointArgument
    @OptionGroup var threads: JobsOption
    @OptionGroup var output: JSONOption

    func run() throws {
        let report = try CheckpointReader(path: checkpoint.checkpoint).verificationReport(jobs: threads.count)
        if output.json {
            print(report.jsonValue.serialized(pretty: true))
            if !report.ok { throw ExitCode(1) }
            return
        }
        guard let failure = report.failure else {
            print(report.summary)
            return
        }
        for p in report.problems { FileHandle.standardErrorWrite("\(p.message)\n") }
        throw failure
    }
}

// MARK: - export

/// `tfmeta ckpt export`: safetensors or npz.
struct CkptExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the tensors to OUT.safetensors or OUT.npz (chosen by extension).",
        discussion: """
            Keys the format cannot hold (strings and complex for safetensors) are named on stderr. Keys and \
            values go through --drop, --map, --rule, then the steps of each --rules file and --preset, as in \
            `ckpt rename`: `--preset to-torch` writes PyTorch's layouts (dense kernels [out,in], conv kernels \
            OIHW), merge_partitions writes one tensor per partitioned variable, cast converts floats; a split \
            step does not apply (tensors are written whole). A step that matches nothing is a warning, an \
            error with --strict. safetensors files get a __metadata__ \
            naming the source. npz: bfloat16 as raw uint16 bits (listed in a __tfmeta__.json member) or \
            float32 with --bf16-as float32; strings as fixed-width S arrays. The file is written under a \
            temporary name and renamed when complete. JSON: {"source", "source_format", "output", "written", \
            "renamed": [{"from", "to"}], "dropped", "skipped": [{"key", "reason"}], "bfloat16_as_uint16", \
            "rules": {"unmatched", "transformed", "promoted", "cast_max_error", …}}.
            """)

    @OptionGroup var checkpoint: CheckpointArgument
    @Argument(help: "The output file, ending in .safetensors or .npz.")
    var out: String
    @OptionGroup var writing: OverwriteOption
    @OptionGroup var lines: PerKeyLines
    @OptionGroup var keys: KeyRuleOptions
    @Flag(name: .long, help: "Fail when a rule, map entry or preset matches nothing.")
    var strict = false
    @Option(name: .customLong("bf16-as"), help: "npz only: bfloat16 as `uint16` (raw bits, named in __tfmeta__.json) or `float32`.")
    var bf16As = "uint16"
    @OptionGroup var output: JSONOption

    func validate() throws {
        if CheckpointExportFormat(path: out) == nil {
            throw ValidationError("The output must end in .safetensors or .npz.")
        }
        if !["uint16", "float32"].contains(bf16As) { throw ValidationError("--bf16-as is uint16 or float32.") }
    }

    func run() throws {
        let reader = try CheckpointReader(path: checkpoint.checkpoint)
        var options = CheckpointExportOptions()
        options.ruleSet = try keys.ruleSet()
        options.strict = strict
        options.bfloat16AsFloat32 = bf16As == "float32"
        options.overwrite = writing.overwrite
        options.progress = TerminalProgress.onStandardError()
        let report = try reader.export(to: out, options: options)
        if output.json {
            report.writeJSON { FileHandle.standardOutputWrite($0) }
            FileHandle.standardOutputWrite("\n")
            for w in report.rules.warnings { FileHandle.standardErrorWrite(w + "\n") }
            return
        }
        for w in report.rules.warnings { FileHandle.standardErrorWrite(w + "\n") }
        let skipped = report.skipped.map { "  skipped \($0.key): \($0.reason)" }.joined(separator: "\n")
        if !skipped.isEmpty, !lines.quiet {
            let shown = lines.apply(skipped, terminal: isatty(2) != 0).split(separator: "\n").map { $0.dropFirst(2) }
            FileHandle.standardErrorWrite(shown.joined(separator: "\n") + "\n")
        }
        if !report.bfloat16AsUInt16.isEmpty, !lines.quiet {
            FileHandle.standardErrorWrite("\(report.bfloat16AsUInt16.count) bfloat16 tensors stored as uint16 bits (listed in __tfmeta__.json; --bf16-as float32 converts them)\n")
        }
        print("wrote \(report.written.count) tensors to \(out)" + (report.skipped.isEmpty ? "" : " (\(report.skipped.count) skipped)"))
        for line in report.rules.lines { print(line) }
    }
}
