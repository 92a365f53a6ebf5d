// The formats CheckpointReader tries before TensorFlow's own: each one's opener.

/// The openers of the formats that are not TensorFlow's.
package enum ForeignCheckpoints {
    /// An opener returns nil when `path` is not a file (or directory) of its format,
    /// and throws when it is one but cannot be read.
    package typealias Opener = ForeignCheckpointOpener

    /// Tried in order by ``CheckpointReader/init(path:)`` before TensorFlow's formats.
    static let openers: [Opener] = [
        KerasCheckpoint.opener,
        SafetensorsCheckpoint.opener,
        NPZCheckpoint.opener,
        NPYCheckpoint.opener,
    ]

    /// The first format that claims `path`, opened; nil when none does.
    static func open(_ path: String) throws -> (any ForeignCheckpoint)? {
        for opener in openers {
            if let checkpoint = try opener(path) { return checkpoint }
        }
        return nil
    }
}
