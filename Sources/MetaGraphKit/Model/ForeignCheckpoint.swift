// Checkpoints stored in another framework's format (a Keras 3 `.weights.h5` or
// `.keras` file, safetensors, npz, a directory of .npy), read through the same
// CheckpointReader as TensorFlow's own formats. Each format lives in a file of its
// own (Foreign/) and adds one opener to the list CheckpointReader tries.

/// A checkpoint in a format that is not TensorFlow's, as ``CheckpointReader`` reads it.
///
/// Implementations check every value they hand out (sizes against shapes, offsets
/// against the file, the format's own checksums) and throw ``MetaGraphKitError``
/// naming the file and the key.
package protocol ForeignCheckpoint: AnyObject {
    /// A short name of the format, printed by `ckpt list --json` and `ckpt verify`
    /// (`keras-h5`, `keras`, `safetensors`, `npz`, `npy`).
    var formatName: String { get }
    /// The path the checkpoint was opened from.
    var path: String { get }
    /// Every tensor, sorted by key (bytewise).
    var entries: [TensorEntry] { get }
    /// Reads one whole tensor.
    func tensor(_ key: String) throws -> Tensor
    /// Lends the raw little-endian bytes of one fixed-size tensor.
    func withTensorBytes<R>(_ key: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R
    /// Every problem found by checking the whole file; empty when it is sound.
    func verify() -> [MetaGraphKitError]
    /// What the format says about a key beyond dtype and shape (`layer_class`,
    /// `variable`…), printed by `ckpt list --json`; empty by default.
    func annotations(_ key: String) -> [(String, String)]
}

extension ForeignCheckpoint {
    package func annotations(_ key: String) -> [(String, String)] { [] }
}

/// Opens `path` when it is a file (or directory) of one format: nil when it is not,
/// a throw when it is one but cannot be read.
package typealias ForeignCheckpointOpener = @Sendable (_ path: String) throws -> (any ForeignCheckpoint)?
