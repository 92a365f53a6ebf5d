// File names that belong to a checkpoint: meta_graph_filename and remove_checkpoint
// of checkpoint_management.py.

/// The files of one checkpoint: its `.meta` graph and the files removing it deletes.
public enum CheckpointFiles {
    /// The MetaGraphDef file written next to a checkpoint by the TF1 `Saver`.
    ///
    /// Strips a trailing `-<digits or ?>+-of-<digits>+` (a V1 shard or shard
    /// pattern), then appends `.` and `suffix`:
    /// `model.ckpt-3-?????-of-00003` → `model.ckpt-3.meta`.
    ///
    /// - Parameters:
    ///   - checkpoint: A checkpoint prefix or V1 file name.
    ///   - suffix: The extension, `meta` by default.
    /// - Returns: The `.meta` path.
    ///
    /// TensorFlow's name for this is `meta_graph_filename`.
    public static func metaGraphFilename(for checkpoint: String, suffix: String = "meta") -> String {
        strippingShardSuffix(checkpoint) + "." + suffix
    }

    /// `checkpoint` without a trailing `-<[0-9?]+>-of-<[0-9]+>`.
    static func strippingShardSuffix(_ name: String) -> String {
        let scalars = Array(name.unicodeScalars)
        var i = scalars.count
        func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }
        let totalEnd = i
        while i > 0 && isDigit(scalars[i - 1]) { i -= 1 }
        guard i < totalEnd, i >= 4, String(String.UnicodeScalarView(scalars[(i - 4)..<i])) == "-of-" else { return name }
        i -= 4
        let shardEnd = i
        while i > 0 && (isDigit(scalars[i - 1]) || scalars[i - 1] == "?") { i -= 1 }
        guard i < shardEnd, i >= 1, scalars[i - 1] == "-" else { return name }
        return String(String.UnicodeScalarView(scalars[..<(i - 1)]))
    }

    /// The patterns `remove_checkpoint` deletes for a checkpoint of `format`.
    ///
    /// V2: the `.meta` file, `P.index`, `P.data-?????-of-?????`. V1: the `.meta` file
    /// and `P` itself (a file or a shard pattern).
    ///
    /// - Parameters:
    ///   - prefix: The checkpoint prefix (resolved).
    ///   - format: Its format.
    ///   - includeMetaGraph: False for the set TF2's `CheckpointManager` sweeps (no `.meta`).
    /// - Returns: Glob patterns, in deletion order.
    public static func removalPatterns(of prefix: String, format: CheckpointFormat,
                                       includeMetaGraph: Bool = true) -> [String] {
        var patterns = includeMetaGraph ? [metaGraphFilename(for: prefix)] : []
        switch format {
        case .v2: patterns += [prefix + ".index", prefix + ".data-?????-of-?????"]
        case .v1, .foreign: patterns.append(prefix)
        }
        return patterns
    }

    /// The existing files that removing the checkpoint would delete.
    ///
    /// - Parameters:
    ///   - prefix: The checkpoint prefix (resolved).
    ///   - format: Its format; detected with ``CheckpointFormat/detect(prefix:)`` when nil.
    ///   - includeMetaGraph: False for the set TF2's `CheckpointManager` sweeps.
    /// - Returns: Matching paths, sorted per pattern; empty when nothing exists.
    ///
    /// TensorFlow's name for this is `remove_checkpoint` (which deletes them).
    public static func files(of prefix: String, format: CheckpointFormat? = nil,
                             includeMetaGraph: Bool = true) -> [String] {
        guard let format = format ?? CheckpointFormat.detect(prefix: prefix) else {
            return includeMetaGraph ? FileGlob.matchingPaths(metaGraphFilename(for: prefix)) : []
        }
        return removalPatterns(of: prefix, format: format, includeMetaGraph: includeMetaGraph)
            .flatMap { FileGlob.matchingPaths($0) }
    }
}
