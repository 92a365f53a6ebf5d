// One checkpoint listed by a `checkpoint` file, with what is on disk for it.

/// A checkpoint named by a state file: the path as stored, the path resolved against
/// the state file's directory, whether its files exist, and its timestamp.
public struct CheckpointEntry: Sendable, Hashable {
    /// The path exactly as the state file stores it (absolute or relative).
    public var path: String
    /// The path a reader uses: ``path`` if absolute, otherwise joined onto the
    /// directory (`os.path.join(checkpoint_dir, path)`).
    public var resolved: String
    /// V2 when `resolved.index` exists, V1 when `resolved` matches files, nil when
    /// neither exists.
    public var format: CheckpointFormat?
    /// Seconds since the epoch recorded for it in `all_model_checkpoint_timestamps`,
    /// or nil when the file records none.
    public var timestamp: Double?

    /// The global step in its name (the digits after the last `-`), if any.
    public var step: Int? { CheckpointFiles.step(of: path) }

    /// Whether any file of the checkpoint exists (TensorFlow's `checkpoint_exists`).
    public var exists: Bool { format != nil }

    /// Creates an entry.
    ///
    /// - Parameters:
    ///   - path: The stored path.
    ///   - resolved: The resolved path.
    ///   - format: The detected format, nil when missing.
    ///   - timestamp: The recorded time, if any.
    public init(path: String, resolved: String, format: CheckpointFormat?, timestamp: Double?) {
        self.path = path
        self.resolved = resolved
        self.format = format
        self.timestamp = timestamp
    }
}
