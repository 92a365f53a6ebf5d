// Keras 3 files as checkpoints: every command that reads a checkpoint reads a
// `.weights.h5` or `.keras` file through this adapter. Keys are the file's own
// dataset paths (`layers/dense/vars/0`, `optimizer/vars/3`).

/// A Keras 3 `.weights.h5` or `.keras` file seen as a checkpoint.
final class KerasCheckpoint: ForeignCheckpoint {
    let file: KerasFile
    private let annotationsByKey: [String: [(String, String)]]

    var formatName: String { file.formatName }
    var path: String { file.path }
    var entries: [TensorEntry] { file.entries }

    init(file: KerasFile) {
        self.file = file
        var notes: [String: [(String, String)]] = [:]
        for v in KerasLayers.variables(of: file) {
            var n: [(String, String)] = []
            if let c = v.layerClass { n.append(("layer_class", c)) }
            if let l = v.layerName { n.append(("layer_name", l)) }
            if let name = v.variableName { n.append(("variable", name)) }
            notes[v.key] = n
        }
        annotationsByKey = notes
    }

    /// The opener `ForeignCheckpoints` tries: files that look like Keras 3 files.
    static let opener: ForeignCheckpointOpener = { path in
        guard KerasFile.sniff(path) != nil else { return nil }
        return KerasCheckpoint(file: try KerasFile(path: path))
    }

    func tensor(_ key: String) throws -> Tensor { try file.tensor(key) }

    func withTensorBytes<R>(_ key: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try file.withBytes(key, body)
    }

    func verify() -> [MetaGraphKitError] {
        var problems: [MetaGraphKitError] = []
        for e in file.entries {
            do { try file.withBytes(e.key) { _ in } } catch let error as MetaGraphKitError { problems.append(error) } catch {}
        }
        return problems
    }

    func annotations(_ key: String) -> [(String, String)] { annotationsByKey[key] ?? [] }
}
