// One output (a file, a checkpoint's several files, a directory of checkpoints) made
// all-or-nothing: every change on disk is recorded with TemporaryFiles in the same
// locked step that makes it, and undone unless the whole output is committed.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The changes on disk of one output that is not complete yet.
///
/// Each method makes one change and records it in ``TemporaryFiles`` under its lock,
/// so the interrupt handler sees either neither or both. ``commit()`` makes the
/// output final: recorded changes are forgotten and the files moved aside are
/// deleted, or, for a transaction inside another, everything is handed to the outer
/// one (a checkpoint inside a migrated directory stays undoable until the state
/// file is written). ``rollback()``, or deinit before a commit, undoes the changes,
/// newest first, which puts every replaced file back.
final class OutputTransaction {
    private let id = TemporaryFiles.newOwner()
    private let parent: OutputTransaction?
    private var open = true

    /// Starts a transaction; inside `parent`, its commit hands its changes over.
    init(within parent: OutputTransaction? = nil) {
        self.parent = parent
    }

    deinit { if open { rollback() } }

    /// Creates a new file (exclusively; an existing one is an error), recorded for
    /// removal.
    func createFile(_ path: String) throws -> OutputFile {
        try TemporaryFiles.withLockedEntries { entries in
            let file = try OutputFile(creating: path)
            entries.append(.init(owner: id, undo: .remove(path)))
            return file
        }
    }

    /// Gives the existing file `source` a second name `path` (a hard link: no byte
    /// copied, the source untouched), recorded for removal.
    ///
    /// - Returns: false, with nothing changed, where a link cannot be made there
    ///   (another file system, one without hard links, the link limit reached).
    func createLink(to source: String, at path: String) throws -> Bool {
        try TemporaryFiles.withLockedEntries { entries in
            if link(source, path) == 0 {
                entries.append(.init(owner: id, undo: .remove(path)))
                return true
            }
            let error = Errno.current
            if [EXDEV, EPERM, ENOTSUP, EOPNOTSUPP, EMLINK].contains(error.rawValue) { return false }
            throw MetaGraphKitError.system("cannot link \(source) there", path: path, errno: error)
        }
    }

    /// Creates a directory, recorded for removal (when empty).
    func makeDirectory(_ path: String) throws {
        try TemporaryFiles.withLockedEntries { entries in
            try SystemCalls.makeDirectory(path)
            entries.append(.init(owner: id, undo: .removeDirectory(path)))
        }
    }

    /// Renames an existing file to a temporary name beside it, recorded to be put
    /// back; the commit deletes it.
    func moveAside(_ path: String) throws {
        try TemporaryFiles.withLockedEntries { entries in
            let backup = FileIO.temporaryName(for: path)
            try SystemCalls.rename(path, to: backup, path: path, failure: "cannot move the old file aside")
            entries.append(.init(owner: id, undo: .restore(backup: backup, original: path)))
        }
    }

    /// Renames a temporary file this transaction created over `final`.
    ///
    /// A regular file already at `final` is kept under a backup name (a hard link,
    /// so `final` never stops existing) until the commit, and put back on rollback.
    func place(_ temporary: String, at final: String) throws {
        try TemporaryFiles.withLockedEntries { entries in
            if let old = SystemCalls.linkStatus(final), old.kind != .directory {
                let backup = FileIO.temporaryName(for: final)
                try SystemCalls.linkOrRename(final, to: backup, path: final, failure: "cannot keep the old file while replacing it")
                entries.append(.init(owner: id, undo: .restore(backup: backup, original: final)))
            }
            try SystemCalls.rename(temporary, to: final, path: final, failure: "cannot rename \(temporary) into place")
            entries.removeAll { $0.owner == id && $0.undo == .remove(temporary) }
            // Appended last, so an undo removes the new file before putting back the old.
            entries.append(.init(owner: id, undo: .remove(final)))
        }
    }

    /// Removes a file this transaction created (a temporary it no longer needs).
    func remove(_ path: String) {
        TemporaryFiles.withLockedEntries { entries in
            unlink(path)
            entries.removeAll { $0.owner == id && $0.undo == .remove(path) }
        }
    }

    /// Makes the changes final (deleting what was moved aside), or hands them to
    /// the enclosing transaction.
    func commit() {
        guard open else { return }
        open = false
        TemporaryFiles.withLockedEntries { entries in
            if let parent {
                for i in entries.indices where entries[i].owner == id { entries[i].owner = parent.id }
                return
            }
            for e in entries where e.owner == id {
                if case .restore(let backup, _) = e.undo { unlink(backup) }
            }
            entries.removeAll { $0.owner == id }
        }
    }

    /// Undoes every change, newest first.
    func rollback() {
        guard open else { return }
        open = false
        TemporaryFiles.withLockedEntries { entries in
            for e in entries.reversed() where e.owner == id { e.undo.run() }
            entries.removeAll { $0.owner == id }
        }
    }
}
