// The report `tfmeta state show` prints: a state file, resolved and checked on disk.
import Foundation

/// A state file as a user inspects it: every listed checkpoint resolved, checked on
/// disk, with its format and timestamp, and the newest usable checkpoint.
public struct StateReport: Sendable, JSONReportable {
    /// The checkpoint directory, as given.
    public var directory: String
    /// The state file's path.
    public var stateFile: String
    /// What `tf.train.latest_checkpoint` returns: the resolved
    /// `model_checkpoint_path` when its files exist, else nil.
    public var latest: String?
    /// The listed checkpoints, oldest first (see ``CheckpointState/listedPaths``).
    public var checkpoints: [CheckpointEntry]
    /// `last_preserved_timestamp`, or nil when the file does not set it.
    public var lastPreservedTimestamp: Double?
    /// The total size in bytes of each listed checkpoint's files (those
    /// `remove_checkpoint` would delete, `.meta` included), parallel to ``checkpoints``.
    public var sizes: [Int64]
    /// When ``latest`` is nil: the command that repairs the state file, as a sentence.
    public var repair: String?
    /// Checkpoints found in the directory (``CheckpointDirectory/scan()``) that the
    /// state file does not list, by name, oldest first.
    public var unlisted: [String]

    /// Reads and checks a directory's state file.
    ///
    /// - Parameter directory: The checkpoint directory.
    /// - Throws: As ``CheckpointDirectory/state()``.
    public init(_ directory: CheckpointDirectory) throws {
        let stored = try directory.validatedStoredState()
        self.directory = directory.path
        self.stateFile = directory.stateFilePath
        self.checkpoints = try directory.allCheckpoints()
        let model = directory.resolve(stored.modelCheckpointPath)
        self.latest = CheckpointFormat.detect(prefix: model) != nil ? model : nil
        self.lastPreservedTimestamp = stored.lastPreservedTimestamp == 0 ? nil : stored.lastPreservedTimestamp
        self.sizes = checkpoints.map { entry in
            CheckpointFiles.files(of: entry.resolved, format: entry.format)
                .reduce(Int64(0)) { $0 + (CheckpointDirectory.fileSize($1) ?? 0) }
        }
        self.repair = nil
        let listedAbsolute = Set(checkpoints.map { PathRules.absolute($0.resolved) })
        self.unlisted = ((try? directory.scan().checkpoints) ?? [])
            .filter { !listedAbsolute.contains(PathRules.absolute($0.resolved)) }.map(\.name)
        if latest == nil {
            let dir = directory.path
            let head = "\(stateFile) names checkpoint '\(stored.modelCheckpointPath)', but no file of it exists"
            if directory.repairedPath(for: stored.modelCheckpointPath) != nil {
                repair = head + " where it points; the directory holds it, so it was probably moved: "
                    + "`tfmeta state rebase \(dir)` repairs the state file"
            } else if checkpoints.contains(where: { $0.exists || directory.repairedPath(for: $0.path) != nil }) {
                repair = head + ": `tfmeta state rebase \(dir) --drop-missing` drops the missing "
                    + "entries and makes the newest remaining one the latest (or `tfmeta state set-latest \(dir) PREFIX`)"
            } else {
                repair = head + ", nor of any listed checkpoint: `tfmeta state init \(dir) --overwrite` lists the checkpoints the directory holds"
            }
        }
    }

    func size(of entry: CheckpointEntry) -> Int64 {
        checkpoints.firstIndex(of: entry).map { sizes[$0] } ?? 0
    }

    /// Whether a stored relative path climbs out of the state file's directory
    /// (`../x`, `a/../../x`); absolute paths, which TensorFlow writes, do not count.
    static func leavesDirectory(_ stored: String) -> Bool {
        guard !PathRules.isAbsolute(stored) else { return false }
        let normalized = PathRules.normalize(stored)
        return normalized == ".." || normalized.hasPrefix("../")
    }

    /// A time in seconds since the epoch as ISO-8601 UTC with milliseconds
    /// (`2026-11-25T09:14:32.578Z`).
    ///
    /// - Parameter seconds: Seconds since the epoch.
    /// - Returns: The ISO-8601 text, or the number itself when not finite.
    public static func iso8601(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e13 else { return "\(seconds)" }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func timestampJSON(_ seconds: Double?) -> JSONValue {
        guard let seconds else { return .null }
        return .object([("seconds", .double(seconds)), ("utc", .string(iso8601(seconds)))])
    }

    /// The report as JSON, in the shape documented on `tfmeta state show`:
    /// `{"directory","state_file","latest","checkpoints":[{"path","resolved","exists",
    /// "format","timestamp"}],"last_preserved_timestamp"}`; a timestamp is null or
    /// `{"seconds": <raw double>, "utc": "<ISO-8601>"}`, a format is `"V1"`, `"V2"` or null.
    public var jsonValue: JSONValue {
        .object([
            ("directory", .string(directory)),
            ("state_file", .string(stateFile)),
            ("latest", latest.map(JSONValue.string) ?? .null),
            ("checkpoints", .array(checkpoints.map { entry in
                .object([
                    ("path", .string(entry.path)),
                    ("resolved", .string(entry.resolved)),
                    ("exists", .bool(entry.exists)),
                    ("format", entry.format.map { .string($0.rawValue) } ?? .null),
                    ("timestamp", Self.timestampJSON(entry.timestamp)),
                    ("step", entry.step.map { .int(Int64($0)) } ?? .null),
                    ("bytes", .int(size(of: entry))),
                ])
            })),
            ("last_preserved_timestamp", Self.timestampJSON(lastPreservedTimestamp)),
            ("repair", repair.map(JSONValue.string) ?? .null),
            ("unlisted", .array(unlisted.map(JSONValue.string))),
        ])
    }

    /// The report as lines of text for a terminal.
    ///
    /// - Returns: The text, ending with a newline.
    public func text() -> String {
        var out = "directory:  \(directory)\nstate file: \(stateFile)\n"
        out += "latest:     \(latest ?? "(none: its files are missing)")\n"
        out += "checkpoints (oldest first):\n"
        for entry in checkpoints {
            let status = entry.format.map { "\($0)" } ?? "MISSING"
            out += "  \(status.padding(toLength: 7, withPad: " ", startingAt: 0)) \(entry.resolved)"
            if entry.resolved != entry.path { out += "  (stored: \(entry.path))" }
            if let step = entry.step { out += "  step \(step)" }
            if entry.exists { out += "  \(size(of: entry)) bytes" }
            if let t = entry.timestamp { out += "  \(Self.iso8601(t)) (\(t))" }
            out += "\n"
        }
        if let t = lastPreservedTimestamp { out += "last preserved: \(Self.iso8601(t)) (\(t))\n" }
        let missing = checkpoints.filter { !$0.exists }
        if !unlisted.isEmpty {
            out += "not listed: \(unlisted.count) other checkpoint(s) in the directory: " + unlisted.joined(separator: ", ") + "\n"
        }
        if !missing.isEmpty {
            out += "warning: \(missing.count) listed checkpoint(s) have no files: "
                + missing.map(\.path).joined(separator: ", ")
                + (repair == nil ? " (`tfmeta state rebase \(directory) --drop-missing` removes them)" : "") + "\n"
        }
        // TensorFlow follows such paths and so do we (reading only), but they are
        // never what TensorFlow writes: say so.
        let escaping = checkpoints.filter { Self.leavesDirectory($0.path) }
        if !escaping.isEmpty {
            out += "warning: \(escaping.count) listed checkpoint(s) are relative paths that leave \(directory): "
                + escaping.map(\.path).joined(separator: ", ") + "\n"
        }
        return out
    }
}
