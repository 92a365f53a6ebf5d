// The destination of a remap: a BundleWriter filled tensor by tensor under new
// names through the one copy path, Internals/CheckpointCopier.

/// A destination bundle plus the copying that fills it.
final class RemapOutput {
    let writer: BundleWriter
    private let copier: CheckpointCopier
    private(set) var tensors = 0
    private let expected: Int
    private let progress: Migration.Progress?

    /// Checks the destination and opens the writer.
    ///
    /// - Throws: ``MetaGraphKitError`` `exists` (without `overwrite`), `notFound`
    ///   for a missing directory, `invalidArgument` when the destination is a source.
    init(destination: String, overwrite: Bool, sources: [CheckpointReader], shards: Int = 1,
         expected: Int = 0, progress: Migration.Progress? = nil, within outer: OutputTransaction? = nil) throws {
        self.expected = expected
        self.progress = progress
        try OutputDestination.check(destination, kind: .checkpoint, overwrite: overwrite, sources: sources.map(\.prefix))
        let parent = PathRules.dirname(destination)
        guard FileIO.isDirectory(parent.isEmpty ? "." : parent) else {
            throw MetaGraphKitError.noOutputDirectory(destination, parent: parent)
        }
        var options = BundleWriter.Options()
        options.shards = shards
        writer = try BundleWriter(prefix: destination, options: options, within: outer)
        writer.entries.reserveCapacity(expected)
        copier = CheckpointCopier(writer: writer, options: Migration.Options())
    }

    /// Writes the index and puts the checkpoint in place; an older checkpoint at the
    /// destination (data files of another shard count included) is replaced only
    /// once the new one is complete.
    func finish() throws -> BundleWriter.Result { try writer.finish() }

    /// Copies tensor `key` of `reader` to the destination as `name`.
    ///
    /// - Throws: ``MetaGraphKitError`` `badChecksum`/`corrupt`/`truncated` for a
    ///   damaged source (the destination is then abandoned by the caller), `unsupported`.
    func copy(_ reader: CheckpointReader, key: String, as name: String) throws {
        defer {
            tensors += 1
            progress?(tensors, max(expected, tensors), writer.bytesWritten)
        }
        try copier.copy(reader, key: key, as: name)
    }

    /// Counts one tensor added to ``writer`` directly, `pending` of its bytes not
    /// written yet (for the progress report).
    func counted(pending: Int) {
        tensors += 1
        progress?(tensors, max(expected, tensors), writer.bytesWritten + pending)
    }
}
