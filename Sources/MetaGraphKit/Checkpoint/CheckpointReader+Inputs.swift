// What a user may pass where a checkpoint is expected, turned into the checkpoint
// it means (the state file's latest, a SavedModel's variables/variables), and a
// failed open turned into a message saying what the input is (InputIdentification).

extension CheckpointReader {
    /// The checkpoint path `path` stands for: the `checkpoint` state file → its
    /// directory's latest checkpoint; a SavedModel directory or its
    /// `saved_model.pb` → `variables/variables`; `P.index` and `P.data-…` → `P`;
    /// anything else unchanged.
    ///
    /// - Parameter path: The path as given.
    /// - Returns: The path to open.
    /// - Throws: ``MetaGraphKitError`` from the state file (as
    ///   ``CheckpointDirectory/latestCheckpoint()``).
    package static func resolveInput(_ path: String) throws -> String {
        let identity = InputIdentification.identify(path)
        switch identity.kind {
        case .stateFile:
            let dir = PathRules.dirname(path)
            return try CheckpointDirectory(dir.isEmpty ? "." : dir, stateFileName: PathRules.basename(path)).latestCheckpoint()
        case .savedModelDirectory, .savedModelFile:
            let dir = identity.kind == .savedModelDirectory ? path : (PathRules.dirname(path).isEmpty ? "." : PathRules.dirname(path))
            let variables = PathRules.join(PathRules.join(dir, "variables"), "variables")
            return FileIO.exists(variables + ".index") ? variables : path
        case .checkpointIndex:
            return String(path.dropLast(6))
        case .dataShard where identity.missingIndex == nil:
            return dataFilePrefix(path) ?? path
        default:
            return path
        }
    }

    /// Runs `body` (an open of `path` as `role`), turning its error into one that
    /// says what `path` is when it is not what the role wants.
    package static func explaining<T>(_ path: String, as role: InputIdentification.Role, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MetaGraphKitError {
            throw InputIdentification.explain(path, as: role, error: error)
        }
    }
}
