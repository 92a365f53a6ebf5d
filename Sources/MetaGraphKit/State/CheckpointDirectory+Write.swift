// Writing the state file: update_checkpoint_state_internal and
// file_io.atomic_write_string_to_file (temp file in the same directory, then rename).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension CheckpointDirectory {
    /// Replaces the state file atomically with `state`'s text format.
    ///
    /// The text goes to `<stateFileName>.tmp<32 hex digits>` in the same directory,
    /// is flushed with `fsync`, and is renamed over the state file; the directory is
    /// then synced. On failure the temporary file is removed and the old state file
    /// is left as it was.
    ///
    /// - Parameter state: The state to store (paths as they should be stored).
    /// - Throws: ``MetaGraphKitError`` `io` naming the file and the system error.
    ///
    /// TensorFlow's name for this is `file_io.atomic_write_string_to_file`.
    public func write(_ state: CheckpointState) throws {
        try write(state, within: nil)
    }

    /// ``write(_:)`` as part of a larger output: the commit hands the file to `parent`.
    func write(_ state: CheckpointState, within parent: OutputTransaction?) throws {
        let hex = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let out = try AtomicOutputFile(path: stateFilePath, temporaryPath: stateFilePath + ".tmp" + hex, within: parent)
        try out.write(Array(state.textFormat().utf8))
        try out.commit(sync: true)
    }

    /// Records a save the way TensorFlow's savers do: builds the state with
    /// ``CheckpointState/generate(saveDirectory:modelCheckpointPath:allModelCheckpointPaths:allModelCheckpointTimestamps:lastPreservedTimestamp:saveRelativePaths:)``
    /// using ``path`` as the save directory, then writes it atomically.
    ///
    /// - Parameters:
    ///   - modelCheckpointPath: The newest checkpoint.
    ///   - allModelCheckpointPaths: All kept checkpoints, oldest first.
    ///   - allModelCheckpointTimestamps: Their times, empty or one per path.
    ///   - lastPreservedTimestamp: The last preserved time, or 0.
    ///   - saveRelativePaths: Store paths relative to the directory.
    /// - Returns: The state written.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when the model path is the
    ///   state file itself or the timestamps do not match; `io` when writing fails.
    ///
    /// TensorFlow's name for this is `update_checkpoint_state_internal`.
    @discardableResult
    public func update(
        modelCheckpointPath: String, allModelCheckpointPaths: [String] = [],
        allModelCheckpointTimestamps: [Double] = [], lastPreservedTimestamp: Double = 0,
        saveRelativePaths: Bool = false
    ) throws -> CheckpointState {
        let state = try CheckpointState.generate(
            saveDirectory: path, modelCheckpointPath: modelCheckpointPath,
            allModelCheckpointPaths: allModelCheckpointPaths,
            allModelCheckpointTimestamps: allModelCheckpointTimestamps,
            lastPreservedTimestamp: lastPreservedTimestamp, saveRelativePaths: saveRelativePaths)
        guard state.modelCheckpointPath != stateFilePath else {
            throw MetaGraphKitError(.invalidArgument,
                "save path '\(modelCheckpointPath)' is the checkpoint state file itself; use another save path")
        }
        try write(state)
        return state
    }
}
