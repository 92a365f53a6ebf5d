// The state file of a converted copy of a checkpoint directory (ckpt migrate DIR,
// ckpt rename DIR): the stored list, kept to the checkpoints that were converted,
// under their new names.

extension CheckpointState {
    /// The state of a directory whose checkpoints were converted one by one.
    ///
    /// Entries that were not converted drop out; timestamps are kept when every kept
    /// entry has one; the latest is the stored latest's new name, else `fallbackLatest`,
    /// and ends the list as `update_checkpoint_state` keeps it.
    ///
    /// - Parameters:
    ///   - stored: The source directory's state.
    ///   - newNames: Each converted stored path → its name in the destination.
    ///   - fallbackLatest: The latest when the stored latest was not converted.
    /// - Returns: The new state, or nil when there is no latest to name.
    static func converted(from stored: CheckpointState, newNames: [String: String],
                          fallbackLatest: String?) -> CheckpointState? {
        guard let latest = newNames[stored.modelCheckpointPath] ?? fallbackLatest else { return nil }
        var all: [String] = []
        var stamps: [Double] = []
        for (i, p) in stored.allModelCheckpointPaths.enumerated() {
            guard let n = newNames[p] else { continue }
            all.append(n)
            if let t = stored.timestamp(at: i) { stamps.append(t) }
        }
        if all.last != latest { all.append(latest) }
        return CheckpointState(modelCheckpointPath: latest, allModelCheckpointPaths: all,
                               allModelCheckpointTimestamps: stamps.count == all.count ? stamps : [],
                               lastPreservedTimestamp: stored.lastPreservedTimestamp)
    }
}
