// `state prune`: the savers' retention policy (RetentionPolicy) applied to the
// files of a directory, with remove_checkpoint's file set, the state file written
// before anything is deleted.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `prune` keeps, preserves and deletes, and what it did.
public struct PrunePlan: Sendable, JSONReportable {
    /// One checkpoint weighed by the policy.
    public struct Item: Sendable, Hashable {
        /// The path as the new state file stores it (or would have).
        public var path: String
        /// The path resolved against the directory.
        public var resolved: String
        /// Its format.
        public var format: CheckpointFormat
        /// The global step in its name, if any.
        public var step: Int?
        /// The time the policy used.
        public var timestamp: Double
        /// Where ``timestamp`` came from: `state_file` (`all_model_checkpoint_timestamps`) or `mtime`.
        public var timestampSource: String
        /// Whether the old state file listed it.
        public var listed: Bool
        /// Its files (what `remove_checkpoint` removes), in deletion order.
        public var files: [String]
        /// Their total size.
        public var bytes: Int64
    }

    /// The state file.
    public var stateFile: String
    /// The policy applied (its rule chosen from the state file unless given).
    public var policy: RetentionPolicy
    /// The latest checkpoint, resolved; never deleted.
    public var latest: String
    /// Still listed by the new state file, oldest first.
    public var kept: [Item]
    /// Kept on disk by `keep_every_hours` (or preserved before, by the state file's
    /// `last_preserved_timestamp`); no longer listed, as TensorFlow leaves them.
    public var preserved: [Item]
    /// Deleted (or, in a dry run, to be deleted).
    public var deleted: [Item]
    /// Entries of the old state file with no files; left out of the new one.
    public var droppedMissing: [String]
    /// Checkpoints in the directory of another series than the latest's, not
    /// listed: never touched.
    public var otherCheckpoints: [String]
    /// Files of no checkpoint: never touched.
    public var unknownFiles: [String]
    /// The state file before and after.
    public var before: CheckpointState
    /// The state file as rewritten.
    public var after: CheckpointState
    /// Whether this was a dry run.
    public var dryRun: Bool
    /// Whether the state file was rewritten.
    public var stateWritten: Bool
    /// The files removed, in order.
    public var deletedFiles: [String]

    /// The plan as JSON, the shape documented on `tfmeta state prune`.
    public var jsonValue: JSONValue {
        func item(_ i: Item) -> JSONValue {
            .object([
                ("path", .string(i.path)),
                ("resolved", .string(i.resolved)),
                ("format", .string(i.format.rawValue)),
                ("step", i.step.map { .int(Int64($0)) } ?? .null),
                ("timestamp", StateReport.timestampJSON(i.timestamp)),
                ("timestamp_source", .string(i.timestampSource)),
                ("listed", .bool(i.listed)),
                ("bytes", .int(i.bytes)),
                ("files", .array(i.files.map(JSONValue.string))),
            ])
        }
        return .object([
            ("state_file", .string(stateFile)),
            ("rule", .string(policy.rule.rawValue)),
            ("keep", .int(Int64(policy.keep))),
            ("keep_every_hours", policy.keepEveryHours.map(JSONValue.double) ?? .null),
            ("dry_run", .bool(dryRun)),
            ("latest", .string(latest)),
            ("kept", .array(kept.map(item))),
            ("preserved", .array(preserved.map(item))),
            ("deleted", .array(deleted.map(item))),
            ("dropped_missing", .array(droppedMissing.map(JSONValue.string))),
            ("other_checkpoints", .array(otherCheckpoints.map(JSONValue.string))),
            ("unknown_files", .array(unknownFiles.map(JSONValue.string))),
            ("last_preserved_timestamp", StateReport.timestampJSON(after.lastPreservedTimestamp == 0 ? nil : after.lastPreservedTimestamp)),
            ("state_written", .bool(stateWritten)),
            ("deleted_files", .array(deletedFiles.map(JSONValue.string))),
            ("deleted_bytes", .int(deleted.reduce(0) { $0 + $1.bytes })),
        ])
    }

    /// The plan as lines of text.
    ///
    /// - Returns: The text, ending with a newline.
    public func text() -> String {
        func line(_ i: Item) -> String {
            var s = "  \(i.format)  \(i.path)"
            if let step = i.step { s += "  step \(step)" }
            s += "  \(StateReport.iso8601(i.timestamp)) (\(i.timestampSource == "mtime" ? "mtime" : "state file"))"
            s += "  \(i.bytes) bytes in \(i.files.count) file(s)" + (i.listed ? "" : "  (was not listed)") + "\n"
            return s
        }
        var out = "policy: keep \(policy.keep)"
        if let h = policy.keepEveryHours, h > 0 { out += ", one every \(h) h" }
        out += " (\(policy.rule == .manager ? "CheckpointManager" : "Saver") rule)\n"
        out += "kept (listed by the new state file, oldest first):\n" + kept.map(line).joined()
        if !preserved.isEmpty { out += "preserved (kept on disk, no longer listed):\n" + preserved.map(line).joined() }
        out += (dryRun ? "would delete" : "deleted") + ":" + (deleted.isEmpty ? " nothing\n" : "\n" + deleted.map(line).joined())
        if !droppedMissing.isEmpty { out += "dropped from the state file (no files): " + droppedMissing.joined(separator: ", ") + "\n" }
        if !otherCheckpoints.isEmpty { out += "other checkpoints (not touched): " + otherCheckpoints.joined(separator: ", ") + "\n" }
        if !unknownFiles.isEmpty { out += "unknown files (not touched): " + unknownFiles.joined(separator: ", ") + "\n" }
        let bytes = deleted.reduce(Int64(0)) { $0 + $1.bytes }
        if dryRun {
            out += "dry run: nothing written or deleted (\(deleted.flatMap(\.files).count) file(s), \(bytes) bytes would go)\n"
        } else {
            out += (stateWritten ? "rewrote \(stateFile); " : "\(stateFile) unchanged; ")
                + "deleted \(deletedFiles.count) file(s), \(bytes) bytes\n"
        }
        return out
    }
}

extension CheckpointDirectory {
    /// Applies a saver's retention policy to the directory's files.
    ///
    /// The checkpoints weighed are those the state file lists whose files exist,
    /// preceded by the unlisted checkpoints of the directory in the latest's series
    /// (same name before `-<step>`; what a `Saver(max_to_keep=None)` left behind),
    /// oldest first. Times are the state file's `all_model_checkpoint_timestamps`,
    /// else the files' modification times. The rule is the `CheckpointManager`'s
    /// when the state file records timestamps, else the `Saver`'s (see
    /// ``RetentionPolicy``), unless `policy.rule` is forced by the caller; with the
    /// manager's rule, checkpoints not newer than `last_preserved_timestamp` were
    /// preserved already and are kept. The latest is never deleted.
    ///
    /// Order: the new state file (kept checkpoints only, the latest last, as
    /// TensorFlow writes it) replaces the old one atomically first; then each
    /// deleted checkpoint's files go, the files `remove_checkpoint` deletes but with
    /// the `.index` last (V2: `.meta`, `.data-*`, `.index`; V1: `.meta`, the file or
    /// shards), so an interrupted deletion leaves a checkpoint the next run finds. A file another kept
    /// checkpoint also names is never deleted. An interruption therefore leaves a
    /// state file that names only checkpoints whose files all exist.
    ///
    /// - Parameters:
    ///   - keep: How many newest checkpoints stay (`max_to_keep`), at least 1.
    ///   - keepEveryHours: `keep_checkpoint_every_n_hours`, or nil.
    ///   - rule: Force a rule; nil chooses from the state file.
    ///   - dryRun: Plan only.
    /// - Returns: The plan, with what was done.
    /// - Throws: As ``latestCheckpoint()`` when the latest is missing;
    ///   `invalidArgument` when the state file names existing checkpoints outside
    ///   the directory (a copy still naming the original's files);
    ///   `invalidArgument` for `keep < 1` or a negative `keepEveryHours`; `io` when
    ///   writing or deleting fails (the state file is then already consistent).
    public func prune(keep: Int, keepEveryHours: Double? = nil, rule: RetentionPolicy.Rule? = nil,
                      dryRun: Bool = false) throws -> PrunePlan {
        guard keep >= 1 else {
            throw MetaGraphKitError(.invalidArgument, "--keep must be at least 1 (the latest is never deleted), not \(keep)")
        }
        if let h = keepEveryHours, !(h >= 0 && h.isFinite) {
            throw MetaGraphKitError(.invalidArgument, "--keep-every-hours must be a number of hours ≥ 0, not \(h)")
        }
        let before = try validatedStoredState()
        let latest = try latestCheckpoint()
        let latestAbsolute = PathRules.absolute(latest)
        let scan = try scan()
        let hasTimes = !before.allModelCheckpointTimestamps.isEmpty
            && before.allModelCheckpointTimestamps.count == before.allModelCheckpointPaths.count
        let chosen = rule ?? (hasTimes ? .manager : .saver)
        let policy = RetentionPolicy(keep: keep, keepEveryHours: keepEveryHours, rule: chosen)

        func mtime(_ resolved: String, _ format: CheckpointFormat) -> Double {
            let files = format == .v2 ? [resolved + ".index"] : FileGlob.matchingPaths(resolved)
            return files.compactMap(Self.modificationTime).max() ?? 0
        }
        func makeItem(stored: String, resolved: String, format: CheckpointFormat, time: Double?, listed: Bool) -> PrunePlan.Item {
            let files = CheckpointFiles.files(of: resolved, format: format)
            return PrunePlan.Item(path: stored, resolved: resolved, format: format, step: CheckpointFiles.step(of: stored),
                                  timestamp: time ?? mtime(resolved, format), timestampSource: time == nil ? "mtime" : "state_file",
                                  listed: listed, files: files,
                                  bytes: files.reduce(Int64(0)) { $0 + (Self.fileSize($1) ?? 0) })
        }

        // The listed checkpoints that exist, in list order.
        var seen = Set<String>()
        var listed: [PrunePlan.Item] = []
        var droppedMissing: [String] = []
        for (i, stored) in before.listedPaths.enumerated() {
            let resolved = resolve(stored)
            guard let format = CheckpointFormat.detect(prefix: resolved) else { droppedMissing.append(stored); continue }
            guard seen.insert(PathRules.absolute(resolved)).inserted else { continue }
            let time = hasTimes && i < before.allModelCheckpointPaths.count ? before.allModelCheckpointTimestamps[i] : nil
            listed.append(makeItem(stored: stored, resolved: resolved, format: format, time: time, listed: true))
        }
        // Never delete outside the directory: a copied directory's state file may
        // still name the original's checkpoints.
        let outside = listed.filter { item in
            let r = PathRules.relative(PathRules.absolute(item.resolved), to: path)
            return r == ".." || r.hasPrefix("../")
        }
        if !outside.isEmpty {
            throw MetaGraphKitError(.invalidArgument,
                "\(stateFilePath) names checkpoints outside \(path): " + outside.map(\.resolved).joined(separator: ", ")
                + "; prune deletes only inside the directory. If this is a copy, `tfmeta state init \(path) --overwrite` "
                + "lists its own checkpoints")
        }
        // Unlisted checkpoints of the latest's series come first (older runs of the same saver).
        let series = CheckpointFiles.series(of: before.modelCheckpointPath)
        let relativeStyle = !PathRules.isAbsolute(before.modelCheckpointPath)
        var unlisted: [PrunePlan.Item] = []

        var others: [FoundCheckpoint] = []
        for found in scan.checkpoints where !seen.contains(PathRules.absolute(found.resolved)) {
            if CheckpointFiles.series(of: found.name) == series {
                let stored = relativeStyle ? PathRules.relative(found.resolved, to: path) : PathRules.absolute(found.resolved)
                unlisted.append(PrunePlan.Item(path: stored, resolved: found.resolved, format: found.format,
                                               step: found.step, timestamp: found.mtime, timestampSource: "mtime",
                                               listed: false, files: found.files, bytes: found.bytes))
            } else {
                others.append(found)
            }
        }
        // Unlisted checkpoints whose deletion was cut short (an `.index` without all
        // its data files, V1 shards missing) are remains, not checkpoints: they go.
        let remains = unlisted.filter { !Self.isComplete($0) }
        unlisted.removeAll { !Self.isComplete($0) }
        var candidates = unlisted + listed
        var preserved: [PrunePlan.Item] = []
        var start = before.lastPreservedTimestamp
        // CheckpointManager.__init__: times are capped at now; checkpoints not after
        // last_preserved_timestamp are not managed (preserved before). A state file
        // this command wrote with the Saver's rule records it the same way.
        if chosen == .manager || start > 0 {
            let now = Date().timeIntervalSince1970
            if now < start { start = now }
            candidates = candidates.map { var c = $0; c.timestamp = min(c.timestamp, now); return c }
            let old = { (c: PrunePlan.Item) in c.timestamp <= start && PathRules.absolute(c.resolved) != latestAbsolute }
            preserved = candidates.filter(old)
            candidates.removeAll(where: old)
        }
        if chosen == .saver && start <= 0 {
            // The Saver's clock starts when it is built, before its first save.
            start = candidates.map(\.timestamp).min() ?? 0
        }
        let protected = candidates.firstIndex { PathRules.absolute($0.resolved) == latestAbsolute }
        let decision = policy.decide(timestamps: candidates.map(\.timestamp), lastPreserved: start, protected: protected)
        let kept = decision.kept.map { candidates[$0] }
        let newlyPreserved = decision.preserved.map { candidates[$0] }
        preserved += newlyPreserved
        let deleted = remains + decision.deleted.map { candidates[$0] }

        var after = before
        after.allModelCheckpointPaths = kept.map(\.path)
        switch chosen {
        case .manager:
            after.allModelCheckpointTimestamps = kept.map(\.timestamp)
            after.lastPreservedTimestamp = decision.lastPreserved
        case .saver:
            after.allModelCheckpointTimestamps = hasTimes ? kept.map(\.timestamp) : []
            // The Saver keeps no such record; without one, a second run would weigh
            // the checkpoints it preserved (unlisted, like any old one) again.
            if let newest = newlyPreserved.map(\.timestamp).max() {
                after.lastPreservedTimestamp = max(before.lastPreservedTimestamp, newest)
            }
        }

        // Files a kept checkpoint (or anything not deleted) names are never deleted.
        var protectedFiles = Set((kept + preserved).flatMap(\.files).map(PathRules.absolute))
        for other in others { protectedFiles.formUnion(other.files.map(PathRules.absolute)) }
        protectedFiles.insert(PathRules.absolute(stateFilePath))
        let deletions = deleted.map { item -> PrunePlan.Item in
            var i = item
            let files = item.files.filter { !protectedFiles.contains(PathRules.absolute($0)) }
            // The `.index` last: a checkpoint whose deletion was cut short is still
            // a checkpoint (not stray data files), so the next run finishes it.
            i.files = files.filter { !$0.hasSuffix(".index") } + files.filter { $0.hasSuffix(".index") }
            return i
        }

        var plan = PrunePlan(stateFile: stateFilePath, policy: policy, latest: latest, kept: kept, preserved: preserved,
                             deleted: deletions, droppedMissing: droppedMissing, otherCheckpoints: others.map(\.name),
                             unknownFiles: scan.unknownFiles, before: before, after: after, dryRun: dryRun,
                             stateWritten: false, deletedFiles: [])
        guard !dryRun else { return plan }
        if after != before {
            try write(after)
            plan.stateWritten = true
        }
        PausePoint.reached("prune-written")
        for item in deletions {
            for file in item.files {
                if unlink(file) != 0 && errno != ENOENT {
                    throw MetaGraphKitError(.io,
                        "\(file): cannot delete: \(String(cString: strerror(errno))) (the state file \(stateFilePath) "
                        + "no longer lists \(item.path); \(plan.deletedFiles.count) file(s) were deleted before)")
                }
                plan.deletedFiles.append(file)
                PausePoint.reached("prune-file")
            }
            PausePoint.reached("prune-checkpoint")
        }
        return plan
    }

    /// Whether every file of a checkpoint exists: for V2 (and sharded V1), as many
    /// data files (shards) as their `-of-N` names say, at least one.
    static func isComplete(_ item: PrunePlan.Item) -> Bool {
        if item.format != .v2 && !FileGlob.hasWildcards(PathRules.basename(item.resolved)) { return true }
        let shards = item.format == .v2
            ? item.files.filter { isDataFileName(PathRules.basename($0)) }
            : item.files.filter { !$0.hasSuffix(".meta") || $0 == item.resolved }
        guard let first = shards.first else { return false }
        guard let of = first.range(of: "-of-", options: .backwards), let total = Int(first[of.upperBound...]) else {
            return true
        }
        return shards.count >= total
    }
}
