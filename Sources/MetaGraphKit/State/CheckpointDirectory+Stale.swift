// One rule for every command that resolves a checkpoint directory: a state file
// that names a checkpoint which does not exist where it points is refused, with a
// hint when the checkpoint sits in the directory under its base name (a moved
// directory, or a path the writer stored relative to its own working directory).
// TensorFlow's latest_checkpoint returns None for such a directory; nothing here
// guesses silently.

extension CheckpointDirectory {
    /// The error for a listed checkpoint that is missing where the state file points.
    ///
    /// - Parameters:
    ///   - stored: The path as the state file stores it.
    ///   - what: How the state file lists it (`checkpoint` or `listed checkpoint`).
    /// - Returns: A `notFound` error naming the state file, the stored and resolved
    ///   paths, and, when the directory holds the checkpoint under its base name,
    ///   the `state rebase` command that repairs the state file.
    func missingCheckpointError(stored: String, what: String = "checkpoint") -> MetaGraphKitError {
        let resolved = resolve(stored)
        var message = "\(stateFilePath) names \(what) '\(stored)', but no file of it exists: "
            + "neither \(resolved).index (V2) nor a file matching \(resolved) (V1)"
        if repairedPath(for: stored) != nil {
            // The wording of latestCheckpoint(), so every command says the same; a
            // relative path was stored relative to the writer's working directory.
            let why = stored.hasPrefix("/") ? "it was probably moved"
                : "the path was probably stored relative to the writer's working directory"
            message += "; the directory holds '\(PathRules.basename(resolved))', so \(why): "
                + "`tfmeta state rebase \(path)` repairs the state file"
        }
        return MetaGraphKitError(.notFound, message)
    }

    /// Throws ``missingCheckpointError(stored:what:)`` for the first listed
    /// checkpoint that is missing where it points but present under its base name.
    /// Checkpoints missing altogether are left to the caller (reported, not refused).
    func refuseStalePaths(_ entries: [CheckpointEntry]) throws {
        for entry in entries where !entry.exists && repairedPath(for: entry.path) != nil {
            throw missingCheckpointError(stored: entry.path, what: "listed checkpoint")
        }
    }
}
