import ArgumentParser
import MetaGraphKit

/// `tfmeta state init DIR [--latest PREFIX] [--absolute] [--overwrite] [--dry-run] [--json]`.
///
/// JSON shape: `{"state_file", "latest", "model_checkpoint_path",
/// "all_model_checkpoint_paths": [str], "all_model_checkpoint_timestamps": [double],
/// "last_preserved_timestamp": double, "unknown_files": [str], "written": bool}`.
struct StateInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a state file listing every checkpoint in DIR (V1 and V2).",
        discussion: """
            Checkpoints are listed oldest first by global step, then modification time; \
            the newest (or --latest) is model_checkpoint_path. Paths are relative to DIR, \
            as TF2's CheckpointManager writes them, unless --absolute. Timestamps are \
            the files' modification times. Files that belong to no checkpoint are listed, \
            never touched. An existing state file is replaced only with --overwrite.
            """
    )

    @OptionGroup var location: StateDirectoryOptions

    @Option(name: .long, help: "The checkpoint to make the latest (a name in DIR or a path).")
    var latest: String?

    @Flag(name: .long, help: "Store absolute paths (as the TF1 Saver does).")
    var absolute = false

    @Flag(name: .long, help: "Replace an existing state file.")
    var overwrite = false

    @Flag(name: .long, help: "Print what would be written without writing.")
    var dryRun = false

    @OptionGroup var output: JSONOption

    func run() throws {
        let result = try location.open().initializeState(latest: latest, absolute: absolute,
                                                         overwrite: overwrite, dryRun: dryRun)
        printStateWrite(result, json: output.json)
    }
}

/// `tfmeta state set-latest DIR PREFIX [--dry-run] [--json]`; JSON as `state init`.
struct StateSetLatest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-latest",
        abstract: "Make another checkpoint present in DIR the latest (roll back or forward).",
        discussion: """
            PREFIX becomes model_checkpoint_path and the last entry of \
            all_model_checkpoint_paths (moved there with its timestamp if listed), as \
            update_checkpoint_state leaves the list. Other entries are kept.
            """
    )

    @OptionGroup var location: StateDirectoryOptions

    @Argument(help: "The checkpoint: a name in DIR (ckpt-3) or a path.")
    var prefix: String

    @Flag(name: .long, help: "Print what would be written without writing.")
    var dryRun = false

    @OptionGroup var output: JSONOption

    func run() throws {
        printStateWrite(try location.open().setLatest(prefix, dryRun: dryRun), json: output.json)
    }
}

private func printStateWrite(_ result: StateWrite, json: Bool) {
    if json {
        print(result.jsonValue.serialized(pretty: true))
        return
    }
    print((result.written ? "wrote " : "dry run, would write ") + result.stateFile + ":")
    print(result.state.textFormat(), terminator: "")
    print("latest: \(result.latest)")
    if !result.unknownFiles.isEmpty {
        print("not checkpoints (not listed, not touched): " + result.unknownFiles.joined(separator: ", "))
    }
}

/// `tfmeta state prune DIR --keep N [--keep-every-hours H] [--rule manager|saver] [--dry-run] [--json]`.
///
/// JSON shape (stable):
///
///     {"state_file", "rule": "manager"|"saver", "keep": int, "keep_every_hours": double|null,
///      "dry_run": bool, "latest": str,
///      "kept" | "preserved" | "deleted": [{"path", "resolved", "format", "step": int|null,
///          "timestamp": {"seconds", "utc"}, "timestamp_source": "state_file"|"mtime",
///          "listed": bool, "bytes": int, "files": [str]}],
///      "dropped_missing": [str], "other_checkpoints": [str], "unknown_files": [str],
///      "last_preserved_timestamp": {"seconds", "utc"}|null, "state_written": bool,
///      "deleted_files": [str], "deleted_bytes": int}
struct StatePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete old checkpoints by the Saver's retention policy (max_to_keep, keep_checkpoint_every_n_hours).",
        discussion: """
            Weighs the checkpoints the state file lists, plus the unlisted ones in DIR \
            of the latest's series (same name before -STEP), oldest first. Keeps the \
            newest N and never the latest's files; with --keep-every-hours, keeps one \
            old checkpoint per H hours by the state file's timestamps, else the files' \
            modification times (rule: CheckpointManager's when the state file has \
            timestamps, the TF1 Saver's otherwise). Deletes the rest with every file \
            remove_checkpoint deletes (.meta, .index, .data-*, V1 files and shards), \
            after writing the new state file. Other files are listed, never touched.
            """
    )

    @OptionGroup var location: StateDirectoryOptions

    @Option(name: .long, help: "How many newest checkpoints to keep (max_to_keep, at least 1).")
    var keep: Int

    @Option(name: .long, help: "Also keep one checkpoint per this many hours (keep_checkpoint_every_n_hours).")
    var keepEveryHours: Double?

    @Option(name: .long, help: "Whose preservation rule: manager (TF2 CheckpointManager) or saver (TF1 Saver); default from the state file.")
    var rule: String?

    @Flag(name: .long, help: "Print the plan without writing or deleting anything.")
    var dryRun = false

    @OptionGroup var output: JSONOption

    func validate() throws {
        guard keep >= 1 else { throw ValidationError("--keep must be at least 1 (the latest is never deleted)") }
        if let h = keepEveryHours, !(h >= 0 && h.isFinite) {
            throw ValidationError("--keep-every-hours must be a number of hours ≥ 0")
        }
        if let rule, RetentionPolicy.Rule(rawValue: rule) == nil {
            throw ValidationError("--rule must be manager or saver, not '\(rule)'")
        }
    }

    func run() throws {
        let plan = try location.open().prune(keep: keep, keepEveryHours: keepEveryHours,
                                             rule: rule.flatMap(RetentionPolicy.Rule.init(rawValue:)), dryRun: dryRun)
        if output.json {
            print(plan.jsonValue.serialized(pretty: true))
        } else {
            print(plan.text(), terminator: "")
        }
    }
}
