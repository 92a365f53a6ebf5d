// The retention policies of TensorFlow's savers, as pure functions over
// (checkpoint, timestamp) lists: CheckpointManager._sweep (checkpoint_management.py)
// and Saver._RecordLastCheckpoint + _MaybeDeleteOldCheckpoints (saver.py).

/// Which checkpoints a saver keeps: the newest `keep`, plus one every
/// `keepEveryHours` among the older ones.
public struct RetentionPolicy: Sendable, Hashable {
    /// Whose rule decides which old checkpoint is preserved.
    public enum Rule: String, Sendable, Hashable, CaseIterable {
        /// TF2's `CheckpointManager._sweep`: an old checkpoint is preserved when
        /// `timestamp - H*3600 >= last_preserved`, which then becomes its timestamp.
        case manager
        /// The TF1 `Saver._MaybeDeleteOldCheckpoints`: preserved when
        /// `timestamp > next_time`, which then grows by `H*3600` (starting at the
        /// run's start plus `H*3600`).
        case saver
    }

    /// How many of the newest checkpoints stay listed (`max_to_keep`), at least 1.
    public var keep: Int
    /// `keep_checkpoint_every_n_hours`, or nil/0 for none.
    public var keepEveryHours: Double?
    /// The rule applied.
    public var rule: Rule

    /// Creates a policy.
    ///
    /// - Parameters: the properties of the same names.
    public init(keep: Int, keepEveryHours: Double? = nil, rule: Rule) {
        self.keep = keep
        self.keepEveryHours = keepEveryHours
        self.rule = rule
    }

    /// What the policy decides for a list.
    public struct Decision: Sendable, Hashable {
        /// Indices (into the input) still listed, oldest first: the newest `keep`.
        public var kept: [Int]
        /// Indices kept on disk by `keepEveryHours` (no longer listed, as TensorFlow
        /// drops them from the state file).
        public var preserved: [Int]
        /// Indices whose files are deleted.
        public var deleted: [Int]
        /// The new `last_preserved_timestamp` (the manager's rule) or the Saver's
        /// next preservation time.
        public var lastPreserved: Double
    }

    /// Applies the policy to checkpoints given oldest first, as the saver's own
    /// list holds them when a save pushes it beyond `keep`: the oldest are taken
    /// one by one; each is preserved or deleted.
    ///
    /// - Parameters:
    ///   - timestamps: One time per checkpoint, in list order.
    ///   - lastPreserved: The manager's `last_preserved_timestamp`; for the Saver's
    ///     rule, the run's start (its `_next_checkpoint_time` minus `H*3600`).
    ///   - protected: An index never deleted (the latest); it stays listed.
    /// - Returns: The decision.
    public func decide(timestamps: [Double], lastPreserved: Double, protected: Int? = nil) -> Decision {
        let hours = keepEveryHours ?? 0
        let interval = hours * 3600
        var active = Array(timestamps.indices)
        var preserved: [Int] = [], deleted: [Int] = [], kept: [Int] = []
        var last = lastPreserved
        var next = lastPreserved + interval
        while active.count > max(keep, 1) {
            let i = active.removeFirst()
            if i == protected { kept.append(i); continue }
            let t = timestamps[i]
            switch rule {
            case .manager:
                if hours > 0 && t - interval >= last { last = t; preserved.append(i); continue }
            case .saver:
                if hours > 0 && t > next { next += interval; preserved.append(i); continue }
            }
            deleted.append(i)
        }
        kept += active
        return Decision(kept: kept, preserved: preserved, deleted: deleted,
                        lastPreserved: rule == .manager ? last : next)
    }
}
