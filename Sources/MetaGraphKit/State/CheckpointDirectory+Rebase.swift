// Beyond TensorFlow: repair a state file after its directory was moved or copied,
// was written on Windows, or lost some of its checkpoints.

extension CheckpointDirectory {
    /// Repairs a state file whose paths point where the checkpoints no longer are.
    ///
    /// Every stored path whose checkpoint is missing where it points, but whose
    /// trailing part is a checkpoint in this directory, is rewritten to that part
    /// (relative, so the file survives the next move): the base name of a moved
    /// directory's absolute path, of a Windows path (`C:\Users\bob\model.ckpt-3`,
    /// `\\server\share\run\model.ckpt-3`, split at `\`), or of a doubled relative
    /// path (tensorflow#571). Paths whose checkpoints exist are kept; timestamps are
    /// kept. With `dropMissing`, entries still missing are removed (with their
    /// timestamps) and, when the latest is one of them, the newest remaining entry
    /// becomes `model_checkpoint_path`. The file is written atomically unless `dryRun`.
    ///
    /// - Parameters:
    ///   - dryRun: Compute the plan without writing.
    ///   - dropMissing: Remove the entries whose checkpoints exist nowhere.
    /// - Returns: The plan: changes, paths still missing or dropped, whether it was written.
    /// - Throws: As ``state()``; ``MetaGraphKitError`` `notFound` naming the missing
    ///   checkpoints when some are missing and none can be repaired (without
    ///   `dropMissing`), or when no listed checkpoint would remain; `io` when writing fails.
    ///
    /// A repair edits the state file in place (atomically), as TensorFlow's savers
    /// do; it is the command's purpose, so it needs no `overwrite`.
    public func rebase(dryRun: Bool = false, dropMissing: Bool = false) throws -> RebasePlan {
        let before = try validatedStoredState()
        var after = before
        var changes: [RebasePlan.Change] = []
        var missing: [String] = []
        func fix(_ stored: String) -> String {
            if let repaired = repairedPath(for: stored) {
                if !changes.contains(where: { $0.from == stored }) {
                    changes.append(.init(from: stored, to: repaired))
                }
                return repaired
            }
            if CheckpointFormat.detect(prefix: resolve(stored)) == nil, !missing.contains(stored) {
                missing.append(stored)
            }
            return stored
        }
        after.allModelCheckpointPaths = before.allModelCheckpointPaths.map(fix)
        after.modelCheckpointPath = fix(before.modelCheckpointPath)
        var dropped: [String] = []
        if dropMissing && !missing.isEmpty {
            var paths: [String] = [], times: [Double] = []
            let keepTimes = after.allModelCheckpointTimestamps.count == after.allModelCheckpointPaths.count
            for (i, p) in after.allModelCheckpointPaths.enumerated() {
                if missing.contains(p) { continue }
                paths.append(p)
                if keepTimes { times.append(after.allModelCheckpointTimestamps[i]) }
            }
            after.allModelCheckpointPaths = paths
            if keepTimes { after.allModelCheckpointTimestamps = times }
            if missing.contains(after.modelCheckpointPath) {
                guard let newest = paths.last else {
                    throw MetaGraphKitError(.notFound,
                        "\(stateFilePath): no listed checkpoint exists ("
                        + missing.map { "'\($0)'" }.joined(separator: ", ")
                        + "); `tfmeta state init \(path) --overwrite` lists the checkpoints the directory holds")
                }
                after.modelCheckpointPath = newest
            }
            dropped = missing
            missing = []
        }
        if changes.isEmpty && dropped.isEmpty && !missing.isEmpty {
            throw MetaGraphKitError(.notFound,
                "\(stateFilePath): cannot repair: no file of "
                + missing.map { "'\($0)'" }.joined(separator: ", ")
                + " exists, neither where the state file points nor under its name in \(path)"
                + "; `tfmeta state rebase \(path) --drop-missing` removes such entries")
        }
        let write = !dryRun && (!changes.isEmpty || !dropped.isEmpty)
        if write {
            try self.write(after)
        }
        return RebasePlan(stateFile: stateFilePath, before: before, after: after,
                          changes: changes, stillMissing: missing, written: write, dropped: dropped)
    }
}
