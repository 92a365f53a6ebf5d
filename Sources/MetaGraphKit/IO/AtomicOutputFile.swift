// An output file written under a temporary name in its destination directory and
// renamed over the destination only when complete (TensorFlow writes `.tempstate`
// names the same way, tensor_bundle.cc). The one way MetaGraphKit replaces a file.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written to a temporary name and renamed into place by ``commit(sync:)``;
/// removed if it is never committed, and on Ctrl-C while it is open (its
/// `OutputTransaction` records it with ``TemporaryFiles``).
final class AtomicOutputFile {
    /// The destination.
    let path: String
    /// Where the bytes go until ``commit(sync:)``.
    let temporaryPath: String
    private let transaction: OutputTransaction
    private let file: OutputFile

    /// Bytes written so far.
    var offset: Int { file.offset }

    /// Creates the temporary file.
    ///
    /// - Parameters:
    ///   - path: The destination.
    ///   - temporaryPath: The temporary name (default `<path>.tempstate<random>`,
    ///     as TensorFlow names its own); must be in the destination's directory.
    ///   - parent: A transaction the file belongs to (a `.meta` or state file of a
    ///     migrated directory): the commit then hands the file to it, so it stays
    ///     undoable until the whole output is committed.
    init(path: String, temporaryPath: String? = nil, within parent: OutputTransaction? = nil) throws {
        self.path = path
        self.temporaryPath = temporaryPath ?? FileIO.temporaryName(for: path)
        transaction = OutputTransaction(within: parent)
        file = try transaction.createFile(self.temporaryPath)
    }

    deinit { file.discard() }   // the transaction, if not committed, removes the file

    /// Appends bytes.
    func write(_ bytes: UnsafeRawBufferPointer) throws { try file.write(bytes) }

    /// Appends bytes.
    func write(_ bytes: [UInt8]) throws { try file.write(bytes) }

    /// Appends `count` bytes of the open file `source` at `offset`, copied by the
    /// kernel (see ``OutputFile/copyInKernel(from:offset:count:)``).
    func copyInKernel(from source: Int32, offset: Int, count: Int) throws {
        try file.copyInKernel(from: source, offset: offset, count: count)
    }

    /// Flushes, optionally syncs, closes, and renames the file over ``path``. A file
    /// that was at ``path`` stays (under a backup name) until the rename is done.
    ///
    /// - Parameter sync: `fsync` the file first, and the directory after the rename.
    func commit(sync: Bool = false) throws {
        try file.close(sync: sync)
        PausePoint.reached("atomic-commit")
        try transaction.place(temporaryPath, at: path)
        PausePoint.reached("atomic-placed")
        transaction.commit()
        if sync {
            let slash = path.lastIndex(of: "/")
            let dir = slash.map { String(path[..<$0]) } ?? "."
            if let fd = try? SystemCalls.open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) {
                try? SystemCalls.sync(fd, path: dir)
                SystemCalls.closeQuietly(fd)
            }
        }
    }
}
