// generate_checkpoint_state_proto and the path part of update_checkpoint_state_internal
// (checkpoint_management.py): how TensorFlow decides what a state file stores.

extension CheckpointState {
    /// Builds the state TensorFlow would write for a save into `saveDirectory`.
    ///
    /// Rules (FORMATS §4.2): the model path is appended to `allModelCheckpointPaths`
    /// when it is not its last element; with `saveRelativePaths`, absolute paths are
    /// first made relative to `saveDirectory`; when `saveDirectory` is itself relative,
    /// every relative path is rewritten with `relpath(path, saveDirectory)`; absolute
    /// paths are otherwise kept.
    ///
    /// - Parameters:
    ///   - saveDirectory: The directory the state file goes into.
    ///   - modelCheckpointPath: The newest checkpoint, as the saver returned it.
    ///   - allModelCheckpointPaths: All kept checkpoints, oldest first.
    ///   - allModelCheckpointTimestamps: Their times, empty or one per path.
    ///   - lastPreservedTimestamp: The last preserved time, or 0.
    ///   - saveRelativePaths: TF1 `Saver(save_relative_paths=)`; true for `CheckpointManager`.
    /// - Returns: The state to write.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when the timestamps are not
    ///   one per path.
    ///
    /// TensorFlow's name for this is `generate_checkpoint_state_proto`.
    public static func generate(
        saveDirectory: String, modelCheckpointPath: String, allModelCheckpointPaths: [String] = [],
        allModelCheckpointTimestamps: [Double] = [], lastPreservedTimestamp: Double = 0,
        saveRelativePaths: Bool = false
    ) throws -> CheckpointState {
        var model = modelCheckpointPath
        var all = allModelCheckpointPaths
        if saveRelativePaths {
            let relative = { (p: String) in PathRules.isAbsolute(p) ? PathRules.relative(p, to: saveDirectory) : p }
            model = relative(model)
            all = all.map(relative)
        }
        if let last = all.last, last != model { all.append(model) }
        if !allModelCheckpointTimestamps.isEmpty && allModelCheckpointTimestamps.count != all.count {
            throw MetaGraphKitError(.invalidArgument,
                "\(allModelCheckpointTimestamps.count) timestamps for \(all.count) checkpoint paths; give one per path")
        }
        if !PathRules.isAbsolute(saveDirectory) {
            let rewrite = { (p: String) in PathRules.isAbsolute(p) ? p : PathRules.relative(p, to: saveDirectory) }
            model = rewrite(model)
            all = all.map(rewrite)
        }
        return CheckpointState(modelCheckpointPath: model, allModelCheckpointPaths: all,
                               allModelCheckpointTimestamps: allModelCheckpointTimestamps,
                               lastPreservedTimestamp: lastPreservedTimestamp)
    }
}
