// V1 or V2: how TensorFlow tells them apart on disk (checkpoint_management.py,
// `checkpoint_exists_internal`, `_prefix_to_checkpoint_path`).

/// The on-disk format of a checkpoint named by a prefix.
public enum CheckpointFormat: String, Sendable, Hashable, CustomStringConvertible {
    /// A tensor bundle: `P.index` plus `P.data-?????-of-?????`.
    case v2 = "V2"
    /// A tensor-slice table: the file `P`, or the shards matching the pattern `P`.
    case v1 = "V1"
    /// Another framework's format (a Keras 3 file, safetensors, npz…), read through
    /// ``CheckpointReader``; its ``CheckpointReader/formatName`` says which.
    /// ``detect(prefix:)`` never returns it: a `checkpoint` state file names
    /// TensorFlow checkpoints only.
    case foreign = "foreign"

    /// `V1` or `V2`, as `SaverDef.CheckpointFormatVersion` names them.
    public var description: String { rawValue }

    /// The format of the checkpoint `prefix`, found the way TensorFlow does: V2 when
    /// `prefix.index` exists, else V1 when `prefix` matches a file (a plain file or a
    /// `-?????-of-NNNNN` pattern), else nil.
    ///
    /// - Parameter prefix: A checkpoint prefix as a `checkpoint` file names it (resolved).
    /// - Returns: The format, or nil when no file of the checkpoint exists.
    ///
    /// TensorFlow's name for this test is `checkpoint_exists_internal`.
    public static func detect(prefix: String) -> CheckpointFormat? {
        if !FileGlob.matchingPaths(prefix + ".index").isEmpty { return .v2 }
        if !FileGlob.matchingPaths(prefix).isEmpty { return .v1 }
        return nil
    }
}
