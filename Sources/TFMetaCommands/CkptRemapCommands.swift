import ArgumentParser
import MetaGraphKit

/// `--rule`, `--map`, `--drop`, `--rules`, `--preset`: how source keys are renamed
/// and values changed. Every command that takes them applies all of them, through
/// ``ruleSet()`` (there is no way to get the flags alone, so none can be ignored).
struct KeyRuleOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Rename keys: REGEX=>REPLACEMENT ($1 for a group); repeatable, applied in order, every match replaced.",
        valueName: "rule"))
    var rule: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "A JSON object of exact old → new names; a key it lists is not passed through the rules.",
        valueName: "file.json"))
    var map: String?

    @Option(name: .long, help: ArgumentHelp("Leave out keys this regular expression matches (repeatable).", valueName: "regex"))
    var drop: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "A rules file (JSON, Schemas/rules-v1.schema.json); repeatable, applied after --drop/--map/--rule, in order.",
        valueName: "file.json"))
    var rules: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "A rules file shipped with tfmeta (`tfmeta rules list`); repeatable, applied after --rules, in order.",
        valueName: "name"))
    var preset: [String] = []

    /// Every step: --drop, --map, --rule, then each --rules file, then each --preset.
    /// A bad rule, map, rules file or preset name is a MetaGraphKitError (exit 1).
    func ruleSet() throws -> RuleSet {
        var set = RuleSet(try KeyRules(rules: rule, drops: drop, mapFile: map))
        for file in rules { set.append(contentsOf: try RuleSet.read(file)) }
        for name in preset { set.append(contentsOf: try RulePresets.ruleSet(name)) }
        return set
    }
}

/// `--meta IN.meta` / `--no-meta`: the graph rewritten along with a renamed checkpoint.
struct MetaAlongOptions: ParsableArguments {
    @Option(name: .customLong("meta"), help: ArgumentHelp(
        "The .meta to rewrite as DST.meta with the same renames (default: SRC.meta when it exists).", valueName: "in.meta"))
    var metaFile: String?

    @Flag(name: .long, help: "Do not write DST.meta, even when SRC.meta exists.")
    var noMeta = false

    func validate() throws {
        if metaFile != nil, noMeta { throw ValidationError("Give --meta or --no-meta, not both.") }
    }

    var source: CheckpointRemap.MetaSource { noMeta ? .none : metaFile.map { .file($0) } ?? .auto }
}

extension CkptCommand {
    /// `tfmeta ckpt rename SRC DST --rule 'REGEX=>REPLACEMENT'... [--map FILE.json]
    /// [--drop REGEX]... [--dry-run] [--overwrite] [--json]`.
    ///
    /// JSON: `{"source", "destination", "source_format", "dry_run", "tensors",
    /// "renamed": [{"from", "to"}], "unchanged", "dropped", "warnings", "bytes", "files"}`.
    struct Rename: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rename",
            abstract: "Copy a checkpoint to a V2 checkpoint with its keys renamed.",
            discussion: """
                For each key: a --drop match leaves it out; else a --map entry gives its new name; else \
                every --rule is applied in order; then the steps of each --rules file and --preset \
                (rename, drop, keep, transpose, reshape, merge_partitions, split, promote_ema, cast, slots). \
                Two keys renamed onto one name is an error naming both. Tensors whose values no step \
                changes are copied as stored (checksums re-checked), partitioned tensors keep their \
                slices; changed tensors are rewritten one at a time. When SRC.meta exists (or --meta is \
                given) DST.meta is written with nodes, collections, the SaverDef and the saver's keys \
                renamed by the same steps. Nothing is written before every check passed.
                """)

        @Argument(help: "The source checkpoint (V1 or V2 prefix or pattern), or a directory: every checkpoint its state file lists.")
        var source: String
        @Argument(help: "The V2 prefix to write (for a directory source: the directory to fill).")
        var destination: String
        @OptionGroup var keys: KeyRuleOptions
        @OptionGroup var meta: MetaAlongOptions
        @Flag(name: .long, help: "Fail when a rule, map entry or preset matches nothing.")
        var strict = false
        @Flag(name: .long, help: "Print what would be renamed; write nothing.")
        var dryRun = false
        @OptionGroup var writing: CheckpointOutputOptions
        @OptionGroup var output: JSONOption
        @OptionGroup var lines: PerKeyLines

        func run() throws {
            let rules = try keys.ruleSet()
            if FileIO.isDirectory(source) {
                guard meta.metaFile == nil, !meta.noMeta else {
                    throw ValidationError("A directory's checkpoints take the .meta beside each; --meta/--no-meta are for one checkpoint.")
                }
                let result = try CheckpointRemap.renameDirectory(source: source, destination: destination, ruleSet: rules,
                                                                 strict: strict, overwrite: writing.overwrite, dryRun: dryRun,
                                                                 shards: writing.shards)
                for c in result.checkpoints {
                    for w in c.warnings { FileHandle.standardErrorWrite("warning: \(w)\n") }
                    for w in c.rules.warnings { FileHandle.standardErrorWrite(w + "\n") }
                }
                print(output.json ? result.jsonValue.serialized(pretty: true) : result.text)
                return
            }
            let progress = writing.startWriting()
            let result = try CheckpointRemap.rename(source: source, destination: destination, ruleSet: rules, strict: strict,
                                                    meta: meta.source, overwrite: writing.overwrite, dryRun: dryRun,
                                                    shards: writing.shards, progress: progress)
            for w in result.warnings { FileHandle.standardErrorWrite("warning: \(w)\n") }
            for w in result.rules.warnings { FileHandle.standardErrorWrite(w + "\n") }
            if output.json {
                // Streamed: a rename of 100,000 keys is never one JSON value.
                result.writeJSON { FileHandle.standardOutputWrite($0) }
                FileHandle.standardOutputWrite("\n")
            } else {
                lines.print(streaming: result.writeText)
            }
        }
    }

    /// `tfmeta ckpt to-object SRC --template TEMPLATE DST [--rule …] [--fill-from-template]
    /// [--strict] [--dry-run] [--json]`.
    ///
    /// JSON: `{"source", "template", "destination", "dry_run", "tensors", "filled",
    /// "bytes", "files", "match": <ckpt match report>}`; with --dry-run the match
    /// report alone.
    struct ToObject: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "to-object",
            abstract: "Write a name-based (TF1) checkpoint's values under an object-based template's keys.",
            discussion: """
                TEMPLATE is an object-based checkpoint (prefix or directory) or a SavedModel directory. \
                Each template tensor takes the source key equal to its full_name (after --rule/--map/--drop), \
                for optimizer slots the TF1 slot name (VAR/Adam, VAR/Adam_1, VAR/Momentum, …). dtype and \
                shape must agree. DST holds the template's object graph and keys, so \
                tf.train.Checkpoint(...).read(DST) restores the values. Template tensors without a source \
                are left out, or copied from the template with --fill-from-template.
                """)

        @Argument(help: "The source checkpoint (V1 or V2).")
        var source: String
        @Option(name: .long, help: "An object-based checkpoint or SavedModel directory whose keys and object graph to use.")
        var template: String
        @Argument(help: "The V2 prefix to write.")
        var destination: String
        @OptionGroup var keys: KeyRuleOptions
        @Flag(name: .long, help: "Copy template tensors the source lacks from the template.")
        var fillFromTemplate = false
        @Flag(name: .long, help: "Fail when any template tensor or source key is unmatched.")
        var strict = false
        @Flag(name: .long, help: "Print the match report; write nothing.")
        var dryRun = false
        @OptionGroup var writing: CheckpointOutputOptions
        @OptionGroup var output: JSONOption
        @OptionGroup var lines: PerKeyLines

        func run() throws {
            let rules = try keys.ruleSet()
            let progress = writing.startWriting()
            let result = try CheckpointRemap.toObject(
                source: source, template: template, destination: destination, ruleSet: rules,
                fillFromTemplate: fillFromTemplate, strict: strict, overwrite: writing.overwrite, dryRun: dryRun, shards: writing.shards,
                progress: progress)
            for w in result.rules.warnings { FileHandle.standardErrorWrite(w + "\n") }
            if output.json {
                print((dryRun ? result.report.jsonValue : result.jsonValue).serialized(pretty: true))
            } else {
                lines.print(dryRun ? result.report.text : result.text)
            }
        }
    }

    /// `tfmeta ckpt to-names SRC DST [--strict] [--keep-object-graph] [--dry-run] [--json]`.
    ///
    /// JSON: `{"source", "destination", "dry_run", "tensors", "renamed": [{"from", "to"}],
    /// "duplicates": [{"full_name", "keys", "names"}], "empty_full_name",
    /// "not_in_object_graph", "object_graph", "bytes", "files"}`.
    struct ToNames: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "to-names",
            abstract: "Write an object-based checkpoint's tensors under their TF1 variable names.",
            discussion: """
                Each attribute's key becomes its full_name, so a TF1 Saver over variables of those names \
                restores DST. Several attributes with one full name are named as TF1 would in object graph \
                order (Variable, Variable_1, …) with a warning, or fail with --strict. Attributes without a \
                full name, and keys the object graph does not name, keep their key.
                """)

        @Argument(help: "The object-based source checkpoint.")
        var source: String
        @Argument(help: "The V2 prefix to write.")
        var destination: String
        @OptionGroup var keys: KeyRuleOptions
        @OptionGroup var meta: MetaAlongOptions
        @Flag(name: .long, help: "Fail when several attributes share a full name, or a rule matches nothing.")
        var strict = false
        @Flag(name: .long, help: "Also write the object graph entry.")
        var keepObjectGraph = false
        @Flag(name: .long, help: "Print what would be written; write nothing.")
        var dryRun = false
        @OptionGroup var writing: CheckpointOutputOptions
        @OptionGroup var output: JSONOption
        @OptionGroup var lines: PerKeyLines

        func run() throws {
            let progress = writing.startWriting()
            let result = try CheckpointRemap.toNames(source: source, destination: destination, ruleSet: keys.ruleSet(),
                                                     strict: strict, meta: meta.source,
                                                     keepObjectGraph: keepObjectGraph, overwrite: writing.overwrite, dryRun: dryRun,
                                                     shards: writing.shards, progress: progress)
            for w in result.warnings { FileHandle.standardErrorWrite(w + "\n") }
            for w in result.rules.warnings { FileHandle.standardErrorWrite(w + "\n") }
            if output.json { print(result.jsonValue.serialized(pretty: true)) } else { lines.print(result.text) }
        }
    }

    /// `tfmeta ckpt match SRC (--template T | --meta GRAPH.meta) [--rule …] [--json]`.
    ///
    /// JSON: the match report documented on `MatchReport` (`source`, `target`,
    /// `target_kind`, `counts`, `matched`, `mismatched`, `missing`, `unused`, `dropped`).
    struct Match: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "match",
            abstract: "Show how a checkpoint's keys match what a template or meta graph expects.",
            discussion: """
                Lists matched pairs, tensors the target expects that the checkpoint lacks, and checkpoint \
                keys nothing uses, each with dtype and shape; for the unmatched, the most likely \
                counterpart (same dtype and shape, nearest name). With --meta the target is the keys the \
                graph's saver writes and reads (its SaveV2 tensor_names constant), or its variables when it \
                has no saver. --emit-rules writes rules that turn each suggested key into its counterpart, \
                one rule per renamed scope where the suggestions agree.
                """)

        @Argument(help: "The checkpoint (V1 or V2).")
        var source: String
        @Option(name: .long, help: "An object-based checkpoint or SavedModel directory.")
        var template: String?
        @Option(name: .long, help: "A .meta file whose variables are the target.")
        var meta: String?
        @OptionGroup var keys: KeyRuleOptions
        @Option(name: .long, help: ArgumentHelp(
            "Write rules that explain the suggestions (after the given rules) to this JSON file, ready for --rules.",
            valueName: "file.json"))
        var emitRules: String?
        @Flag(name: .long, help: "Replace an existing --emit-rules file.")
        var overwrite = false
        @Flag(name: .long, help: "Exit 1 when any target tensor is missing, any key unused, or a rule matches nothing.")
        var strict = false
        @OptionGroup var output: JSONOption
        @OptionGroup var lines: PerKeyLines

        func validate() throws {
            if (template == nil) == (meta == nil) { throw ValidationError("Give exactly one of --template and --meta.") }
        }

        func run() throws {
            let rules = try keys.ruleSet()
            let reader = try CheckpointReader(path: source)
            let target = try template.map { try RemapTarget.template($0) } ?? RemapTarget.metaGraph(meta!)
            let report = try MatchReport.match(reader, sourcePath: source, target: target, ruleSet: rules, strict: strict)
            if let emitRules {
                try OutputDestination.check(emitRules, overwrite: overwrite, sources: [source])
                let (set, explained) = report.suggestedRules(after: rules)
                let text = set.jsonValue(description: "Emitted by tfmeta ckpt match \(source) against \(template ?? meta!)").serialized(pretty: true)
                try FileIO.writeAtomically(Array((text + "\n").utf8), to: emitRules)
                FileHandle.standardErrorWrite("wrote \(emitRules): \(set.steps.count - rules.steps.count) new step(s) explaining \(explained) suggestion(s)\n")
            }
            if output.json { print(report.jsonValue.serialized(pretty: true)) } else { lines.print(report.text) }
            if strict, !report.missing.isEmpty || !report.unused.isEmpty || !report.mismatched.isEmpty {
                throw ExitCode(1)
            }
        }
    }
}
