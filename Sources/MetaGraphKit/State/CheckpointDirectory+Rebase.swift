// Beyond TensorFlow: repair a state file after its directory was moved or copied.

extension CheckpointDirectory {
    /// Repairs a state file whose paths point where the checkpoints no longer are.
    ///
    /// Every stored path whose checkpoint is missing where it points, but whose base
    /// name is a checkpoint in this directory, is rewritten to that base name
    /// (relative, so the file survives the next move). Paths whose checkpoints
    /// exist are kept; timestamps are kept. The file is written atomically unless
    /// `dryRun`.
    ///
    /// - Parameters:
    ///   - dryRun: Compute the plan without writing.
    ///   - overwrite: Allow replacing the state file (a repair replaces it; without
    ///     this the plan is refused with `exists` when it would write).
    /// - Returns: The plan: changes, paths still missing, whether it was written.
    /// - Throws: As ``state()``; ``MetaGraphKitError`` `notFound` naming the missing
    ///   checkpoints when some are missing and none can be repaired; `io` when writing fails.
    public func rebase(dryRun: Bool = false, overwrite: Bool = false) throws -> RebasePlan {
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
        if changes.isEmpty && !missing.isEmpty {
            throw MetaGraphKitError(.notFound,
                "\(stateFilePath): cannot repair: no file of "
                + missing.map { "'\($0)'" }.joined(separator: ", ")
                + " exists, neither where the state file points nor under its name in \(path)")
        }
        let write = !dryRun && !changes.isEmpty
        if write {
            try OutputDestination.check(stateFilePath, overwrite: overwrite)
            try self.write(after)
        }
        return RebasePlan(stateFile: stateFilePath, before: before, after: after,
                          changes: changes, stillMissing: missing, written: write)
    }
}
