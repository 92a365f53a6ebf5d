import ArgumentParser
import MetaGraphKit
#if canImport(Glibc)
import Glibc
#endif

/// `tfmeta state`: the group; its subcommands live beside it in this file.
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Read and repair the `checkpoint` state file of a checkpoint directory.",
        subcommands: [StateShow.self, StateLatest.self, StateRebase.self, StateInit.self, StateSetLatest.self, StatePrune.self]
    )
}

/// The directory and state-file name shared by the `state` subcommands.
struct StateDirectoryOptions: ParsableArguments {
    @Argument(help: "The checkpoint directory (the one holding the `checkpoint` file).")
    var directory: String

    @Option(name: .customLong("latest-filename"),
            help: "The state file's name inside DIR (TensorFlow's latest_filename).")
    var stateFileName = "checkpoint"

    func validate() throws {
        do { _ = try open() } catch let error as MetaGraphKitError { throw ValidationError(error.message) }
    }

    func open() throws -> CheckpointDirectory {
        try CheckpointDirectory(directory, stateFileName: stateFileName)
    }
}

/// `tfmeta state show DIR [--json]`.
///
/// JSON shape (stable; keys in this order):
///
///     {
///       "directory": "<DIR as given>",
///       "state_file": "<DIR>/checkpoint",
///       "latest": "<resolved model_checkpoint_path>" | null,   // null when its files are missing
///       "checkpoints": [                                       // oldest first
///         {
///           "path": "<as stored>",
///           "resolved": "<joined onto DIR when relative>",
///           "exists": true | false,
///           "format": "V2" | "V1" | null,
///           "timestamp": {"seconds": <double>, "utc": "<ISO-8601>"} | null
///         }
///           "step": <int> | null,                              // digits after the last '-'
///           "bytes": <int>                                      // its files' total size
///       ],
///       "last_preserved_timestamp": {"seconds": <double>, "utc": "<ISO-8601>"} | null,
///       "repair": "<what repairs it>" | null,                 // set when latest is null (exit 1)
///       "unlisted": ["<checkpoint name in DIR the file does not list>"]
///     }
struct StateShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show the checkpoints a state file lists, resolved and checked on disk.",
        discussion: """
            Relative paths are joined onto DIR, as tf.train.get_checkpoint_state does. \
            Each checkpoint is V2 when PREFIX.index exists, V1 when PREFIX matches files, \
            MISSING otherwise. Timestamps are printed as ISO-8601 UTC and as raw seconds. \
            Exits 1, after the report, when the latest checkpoint's files are missing, \
            naming the command that repairs the state file.
            """
    )

    @OptionGroup var location: StateDirectoryOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let report = try StateReport(location.open())
        if output.json {
            print(report.jsonValue.serialized(pretty: true))
        } else {
            print(report.text(), terminator: "")
        }
        if let repair = report.repair {
            // With --json the report carries `repair`; exit 1 without a second document.
            if output.json { throw ExitCode(1) }
            fflush(nil)   // the report first, then the error
            throw MetaGraphKitError(.notFound, repair)
        }
    }
}

/// `tfmeta state latest DIR`.
struct StateLatest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latest",
        abstract: "Print the newest checkpoint's prefix, as tf.train.latest_checkpoint returns it.",
        discussion: "Exits 1, naming the files looked for, when the checkpoint's files do not exist."
    )

    @OptionGroup var location: StateDirectoryOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let directory = try location.open()
        let latest = try directory.latestCheckpoint()
        if output.json {
            print(JSONValue.object([("state_file", .string(directory.stateFilePath)), ("latest", .string(latest))])
                .serialized(pretty: true))
        } else {
            print(latest)
        }
    }
}

/// `tfmeta state rebase DIR [--drop-missing] [--dry-run] [--json]`.
///
/// JSON shape: `{"state_file", "changes": [{"from", "to"}], "still_missing": [str],
/// "dropped": [str], "latest": str, "written": bool}`.
struct StateRebase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebase",
        abstract: "Repair a state file whose paths name a directory that was moved.",
        discussion: """
            Each stored path whose checkpoint is missing, but whose base name is a \
            checkpoint in DIR, is rewritten relative to DIR. Paths that exist are kept. \
            The file is replaced atomically.
            """
    )

    @OptionGroup var location: StateDirectoryOptions

    @Flag(name: .long, help: "Print the changes without writing the state file.")
    var dryRun = false

    @Flag(name: .long, help: "Remove entries whose checkpoints have no files anywhere.")
    var dropMissing = false

    @OptionGroup var output: JSONOption

    func run() throws {
        let plan = try location.open().rebase(dryRun: dryRun, dropMissing: dropMissing)
        if output.json {
            print(plan.jsonValue.serialized(pretty: true))
            return
        }
        for path in plan.dropped {
            print("dropped (no files): \(path)")
        }
        if plan.changes.isEmpty && plan.dropped.isEmpty {
            print("\(plan.stateFile): every checkpoint exists; nothing to repair")
            return
        }
        for change in plan.changes {
            print("\(change.from) -> \(change.to)")
        }
        for path in plan.stillMissing {
            print("still missing (kept): \(path)")
        }
        let counts = "\(plan.changes.count) path(s) changed, \(plan.dropped.count) dropped; latest \(plan.after.modelCheckpointPath)"
        if plan.written {
            print("rewrote \(plan.stateFile) (\(counts))")
        } else {
            print("dry run: \(plan.stateFile) not written (would be: \(counts))")
        }
    }
}
