// What `rebase` changes in a state file whose absolute paths name a moved directory.

/// The repair of a state file: which stored paths are rewritten, which are kept,
/// and which remain missing.
public struct RebasePlan: Sendable, Hashable, JSONReportable {
    /// One stored path rewritten to its base name in the state file's directory.
    public struct Change: Sendable, Hashable {
        /// The path as stored before.
        public var from: String
        /// The path stored after (relative to the directory).
        public var to: String
        /// Creates a change.
        ///
        /// - Parameters:
        ///   - from: The old stored path.
        ///   - to: The new stored path.
        public init(from: String, to: String) { self.from = from; self.to = to }
    }

    /// The state file being repaired.
    public var stateFile: String
    /// The state as stored before.
    public var before: CheckpointState
    /// The state after the repair (equal to ``before`` when nothing changes).
    public var after: CheckpointState
    /// The rewritten paths, each once, in the order the file lists them.
    public var changes: [Change]
    /// Stored paths whose checkpoints exist neither where they point nor in the
    /// directory; they are kept unchanged.
    public var stillMissing: [String]
    /// Whether the state file was written (false for a dry run or nothing to do).
    public var written: Bool
    /// Stored paths removed because no file of them exists (`--drop-missing`).
    public var dropped: [String]

    /// Creates a plan.
    ///
    /// - Parameters: the properties of the same names.
    public init(stateFile: String, before: CheckpointState, after: CheckpointState,
                changes: [Change], stillMissing: [String], written: Bool, dropped: [String] = []) {
        self.dropped = dropped
        self.stateFile = stateFile
        self.before = before
        self.after = after
        self.changes = changes
        self.stillMissing = stillMissing
        self.written = written
    }

    /// The plan as JSON, the shape documented on `tfmeta state rebase`:
    /// `{"state_file","changes":[{"from","to"}],"still_missing":[str],"dropped":[str],
    /// "latest":str,"written":bool}`; `latest` is `model_checkpoint_path` as stored after.
    public var jsonValue: JSONValue {
        .object([
            ("state_file", .string(stateFile)),
            ("changes", .array(changes.map { .object([("from", .string($0.from)), ("to", .string($0.to))]) })),
            ("still_missing", .array(stillMissing.map(JSONValue.string))),
            ("dropped", .array(dropped.map(JSONValue.string))),
            ("latest", .string(after.modelCheckpointPath)),
            ("written", .bool(written)),
        ])
    }
}
