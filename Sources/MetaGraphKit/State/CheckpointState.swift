// The content of a `checkpoint` state file, as a Swift value.
// Follows tensorflow/python/training/checkpoint_state.proto and
// tensorflow/python/checkpoint/checkpoint_management.py (TF 2.21).

/// The `tensorflow.CheckpointState` message: which checkpoints a directory holds,
/// newest last.
///
/// This is the content of the text file named `checkpoint` that `tf.train.Saver`,
/// `tf.train.Checkpoint.save` and `tf.train.CheckpointManager` keep next to their
/// checkpoints. Paths are stored as written: absolute, or relative to the file's
/// directory (see ``CheckpointDirectory`` for resolving them).
public struct CheckpointState: Sendable, Hashable {
    /// The newest checkpoint: a V2 prefix, a V1 file, or a V1 sharded pattern
    /// (`model.ckpt-3-?????-of-00003`). Field 1, `model_checkpoint_path`.
    public var modelCheckpointPath: String
    /// Every checkpoint not yet deleted, oldest first; the last equals
    /// ``modelCheckpointPath`` when the list is not empty. Field 2,
    /// `all_model_checkpoint_paths`.
    public var allModelCheckpointPaths: [String]
    /// Seconds since the epoch at which each of ``allModelCheckpointPaths`` was
    /// written; empty when the writer did not record them (TF1 `Saver`,
    /// `Checkpoint.save`). Field 3, `all_model_checkpoint_timestamps`.
    public var allModelCheckpointTimestamps: [Double]
    /// Seconds since the epoch of the last checkpoint kept by
    /// `keep_checkpoint_every_n_hours`; 0 when not recorded. Field 4,
    /// `last_preserved_timestamp`.
    public var lastPreservedTimestamp: Double

    /// Creates a state from its four fields.
    ///
    /// - Parameters:
    ///   - modelCheckpointPath: The newest checkpoint.
    ///   - allModelCheckpointPaths: All kept checkpoints, oldest first.
    ///   - allModelCheckpointTimestamps: Their write times, parallel to the paths, or empty.
    ///   - lastPreservedTimestamp: The last preserved time, or 0.
    public init(
        modelCheckpointPath: String,
        allModelCheckpointPaths: [String] = [],
        allModelCheckpointTimestamps: [Double] = [],
        lastPreservedTimestamp: Double = 0
    ) {
        self.modelCheckpointPath = modelCheckpointPath
        self.allModelCheckpointPaths = allModelCheckpointPaths
        self.allModelCheckpointTimestamps = allModelCheckpointTimestamps
        self.lastPreservedTimestamp = lastPreservedTimestamp
    }

    /// The timestamp recorded for the `index`-th entry of ``allModelCheckpointPaths``,
    /// or nil when the file has none for it.
    ///
    /// - Parameter index: An index into ``allModelCheckpointPaths``.
    /// - Returns: Seconds since the epoch, or nil.
    public func timestamp(at index: Int) -> Double? {
        allModelCheckpointTimestamps.indices.contains(index) ? allModelCheckpointTimestamps[index] : nil
    }

    /// The paths in the order a reader meets them: ``allModelCheckpointPaths``, then
    /// ``modelCheckpointPath`` if the list does not hold it (hand-written files, TF's
    /// `Checkpoint.save` before its first manager).
    public var listedPaths: [String] {
        var paths = allModelCheckpointPaths
        if !modelCheckpointPath.isEmpty && !paths.contains(modelCheckpointPath) {
            paths.append(modelCheckpointPath)
        }
        return paths
    }
}
