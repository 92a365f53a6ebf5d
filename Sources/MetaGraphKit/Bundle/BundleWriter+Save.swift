// Writing a new V2 checkpoint in one call, with the output rules every command
// follows: an existing checkpoint is replaced only when asked, into a directory
// that exists, and nothing is left behind when anything fails.

extension BundleWriter {
    /// Writes a new V2 checkpoint at `prefix`: checks the destination, runs
    /// `body` to add the tensors, and renames the files into place when it returns.
    ///
    /// - Parameters:
    ///   - prefix: The checkpoint prefix to write (`dir/model.ckpt`).
    ///   - overwrite: Whether an existing checkpoint at `prefix` may be replaced
    ///     (it stays in place until the new one is complete).
    ///   - options: Number of data files and how tensors are spread over them.
    ///   - body: Adds the tensors.
    /// - Returns: What was written.
    /// - Throws: ``MetaGraphKitError`` `exists` when files of `prefix` exist and
    ///   `overwrite` is false, `notFound` when the directory does not exist,
    ///   `invalidArgument` from the writer (bad shard count, duplicate key, bytes
    ///   that do not match a shape), `io`, or what `body` throws. Nothing is left
    ///   behind on a throw.
    @discardableResult
    public static func save(prefix: String, overwrite: Bool, options: Options = Options(),
                            _ body: (BundleWriter) throws -> Void) throws -> Result {
        let existing = existingFiles(of: prefix)
        if !existing.isEmpty, !overwrite {
            throw MetaGraphKitError.outputExists(prefix, "the destination exists (\(existing[0]))")
        }
        let parent = PathRules.dirname(prefix)
        guard FileIO.isDirectory(parent.isEmpty ? "." : parent) else {
            throw MetaGraphKitError.noOutputDirectory(prefix, parent: parent)
        }
        let writer = try BundleWriter(prefix: prefix, options: options)
        do {
            try body(writer)
            return try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }
}
