// `ckpt to-names` from a Keras 3 file: each variable under the TF-style name of
// its layer path and conventional variable name (`layers/conv2d_1/vars/0` →
// `conv2d_1/kernel`), so a TF1 graph's Saver (or `ckpt to-object`) can use weights
// trained in Keras 3. Optimizer variables keep their keys.

extension CheckpointRemap {
    /// The to-names result for a Keras 3 source; nil when `reader` is not one.
    static func kerasToNames(_ reader: CheckpointReader, source: String, destination: String, overwrite: Bool,
                             dryRun: Bool, shards: Int, progress: Migration.Progress?) throws -> ToNamesResult? {
        guard let keras = reader.foreign as? KerasCheckpoint else { return nil }
        var renamed: [(from: String, to: String)] = []
        var owner: [String: String] = [:]
        let variables = Dictionary(KerasLayers.variables(of: keras.file).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for e in reader.entries {
            var name = e.key
            if let v = variables[e.key], v.layerPath != "optimizer", v.layerPath.hasPrefix("layers/"), let variable = v.variableName {
                name = String(v.layerPath.dropFirst("layers/".count)) + "/" + variable
            }
            if let other = owner[name] {
                throw MetaGraphKitError.invalidArgument(source, "\(other) and \(e.key) would both be written as \(name)")
            }
            owner[name] = e.key
            renamed.append((e.key, name))
        }
        let written = dryRun ? nil : try CheckpointRemap.writeRenamed(reader, renamed, to: destination, overwrite: overwrite,
                                                                      shards: shards, progress: progress)
        return ToNamesResult(source: source, destination: destination, renamed: renamed, duplicates: [],
                             emptyFullName: [], notInObjectGraph: [], keptObjectGraph: false, written: written)
    }
}
