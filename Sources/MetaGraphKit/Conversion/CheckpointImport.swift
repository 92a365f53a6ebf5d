// `ckpt import`: weights saved by other frameworks (safetensors, npz, a directory of
// .npy) become a V2 checkpoint TensorFlow restores.

extension CheckpointRemap {
    /// Writes the tensors of a safetensors file, an npz file or a directory of
    /// `.npy` files as a V2 checkpoint, keys passed through `rules`.
    ///
    /// Payloads are written from the mapped source tensor by tensor (memory stays
    /// bounded by the largest string tensor; numeric ones are never copied into
    /// memory), each CRC32C computed on the way. Every dtype both sides have is
    /// kept, bfloat16 included; string arrays (`S`, `U`) become string tensors.
    ///
    /// - Parameters:
    ///   - source: A `.safetensors` or `.npz` file, a `.npy` file or a directory of them.
    ///   - destination: The V2 prefix to write.
    ///   - rules: Renames and drops applied to the source keys.
    ///   - overwrite: Replace a checkpoint already at `destination`.
    ///   - shards: Number of data files.
    /// - Returns: What was renamed and written.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when `source` is a TensorFlow
    ///   checkpoint (use `migrate` or `rename`), `exists` without `overwrite`, or any
    ///   read or write error; nothing is left behind on a throw.
    public static func importForeign(source: String, destination: String, rules: KeyRules = KeyRules(),
                                     overwrite: Bool = false, dryRun: Bool = false, shards: Int = 1,
                                     progress: Migration.Progress? = nil) throws -> RenameResult {
        let reader = try CheckpointReader(path: source)
        guard reader.format == .foreign else {
            throw MetaGraphKitError(.invalidArgument,
                "\(source): a TensorFlow \(reader.formatName) checkpoint, not safetensors, npz or .npy; use `tfmeta ckpt migrate` or `ckpt rename`")
        }
        return try rename(source: source, destination: destination, rules: rules, overwrite: overwrite, dryRun: dryRun,
                          shards: shards, progress: progress)
    }

    /// ``importForeign(source:destination:rules:overwrite:dryRun:shards:progress:)``
    /// with every step of a ``RuleSet`` (`--rules` files, `--preset from-torch`):
    /// keys renamed and dropped, values transposed, reshaped, cast, merged or split
    /// on the way in, as ``rename(source:destination:ruleSet:strict:meta:overwrite:dryRun:shards:progress:)``
    /// writes them (no `.meta` goes along).
    ///
    /// - Parameters: as the ``KeyRules`` form; `strict` fails when a step or `map`
    ///   entry matches nothing.
    /// - Returns: The renaming, and in ``RenameResult/rules`` what the steps did.
    /// - Throws: as the ``KeyRules`` form and ``RuleSet/plan(_:file:strict:)``.
    public static func importForeign(source: String, destination: String, ruleSet: RuleSet, strict: Bool = false,
                                     overwrite: Bool = false, dryRun: Bool = false, shards: Int = 1,
                                     progress: Migration.Progress? = nil) throws -> RenameResult {
        let reader = try CheckpointReader(path: source)
        guard reader.format == .foreign else {
            throw MetaGraphKitError(.invalidArgument,
                "\(source): a TensorFlow \(reader.formatName) checkpoint, not safetensors, npz or .npy; use `tfmeta ckpt migrate` or `ckpt rename`")
        }
        return try rename(source: source, destination: destination, ruleSet: ruleSet, strict: strict, meta: .none,
                          overwrite: overwrite, dryRun: dryRun, shards: shards, progress: progress)
    }
}
