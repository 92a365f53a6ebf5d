// How a checkpoint is written, shared by migration and remapping: one set of
// options for the destination instead of the same three parameters on every call.

/// Called after each tensor of a long copy: tensors done, tensors in all, and bytes
/// written so far (the CLI draws it on stderr when that is a terminal).
public typealias CopyProgress = @Sendable (_ done: Int, _ total: Int, _ bytes: Int) -> Void

/// How to write a V2 checkpoint: data files, replacement policy and progress.
///
/// ``Migration/Options`` carries one (``Migration/Options/writing``), and the
/// ``CheckpointRemap`` functions take one (`writing:`).
public struct CheckpointWriteOptions: Sendable {
    /// Number of data files to write (1…99999).
    public var shards: Int
    /// Replace an existing destination (otherwise it is an `exists` error).
    public var overwrite: Bool
    /// Called after each tensor with (tensors done, tensors in all, bytes written).
    public var progress: CopyProgress?

    /// One data file, no overwrite, no progress unless given.
    public init(shards: Int = 1, overwrite: Bool = false, progress: CopyProgress? = nil) {
        self.shards = shards
        self.overwrite = overwrite
        self.progress = progress
    }
}

extension Migration.Options {
    /// Options that write as `writing` says, slices kept, stopping at damage.
    public init(writing: CheckpointWriteOptions) {
        self.init()
        self.writing = writing
    }

    /// The destination's options: ``shards``, ``overwrite`` and ``progress`` together.
    public var writing: CheckpointWriteOptions {
        get { CheckpointWriteOptions(shards: shards, overwrite: overwrite, progress: progress) }
        set {
            shards = newValue.shards
            overwrite = newValue.overwrite
            progress = newValue.progress
        }
    }
}

extension CheckpointRemap {
    /// ``rename(source:destination:rules:overwrite:dryRun:shards:progress:)`` with
    /// the destination's options in one value.
    public static func rename(source: String, destination: String, rules: KeyRules, dryRun: Bool = false,
                              writing: CheckpointWriteOptions) throws -> RenameResult {
        try rename(source: source, destination: destination, rules: rules, overwrite: writing.overwrite,
                   dryRun: dryRun, shards: writing.shards, progress: writing.progress)
    }

    /// ``toObject(source:template:destination:rules:fillFromTemplate:strict:overwrite:dryRun:shards:progress:)``
    /// with the destination's options in one value.
    public static func toObject(source: String, template: String, destination: String, rules: KeyRules = KeyRules(),
                                fillFromTemplate: Bool = false, strict: Bool = false, dryRun: Bool = false,
                                writing: CheckpointWriteOptions) throws -> ToObjectResult {
        try toObject(source: source, template: template, destination: destination, rules: rules,
                     fillFromTemplate: fillFromTemplate, strict: strict, overwrite: writing.overwrite,
                     dryRun: dryRun, shards: writing.shards, progress: writing.progress)
    }

    /// ``toNames(source:destination:strict:keepObjectGraph:overwrite:dryRun:shards:progress:)``
    /// with the destination's options in one value.
    public static func toNames(source: String, destination: String, strict: Bool = false,
                               keepObjectGraph: Bool = false, dryRun: Bool = false,
                               writing: CheckpointWriteOptions) throws -> ToNamesResult {
        try toNames(source: source, destination: destination, strict: strict, keepObjectGraph: keepObjectGraph,
                    overwrite: writing.overwrite, dryRun: dryRun, shards: writing.shards, progress: writing.progress)
    }
}
