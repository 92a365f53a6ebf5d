// A directory of checkpoints and its state file: get_checkpoint_state and
// latest_checkpoint of tensorflow/python/checkpoint/checkpoint_management.py.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A checkpoint directory and the state file (`checkpoint`) that lists its checkpoints.
///
/// Reading follows TensorFlow's `get_checkpoint_state`: the file is text-format
/// `tensorflow.CheckpointState`, an empty `model_checkpoint_path` is an error, and
/// relative paths are joined onto the directory. Unlike TensorFlow, which logs and
/// returns `None`, a missing or unparsable file is a thrown error that says why.
public struct CheckpointDirectory: Sendable {
    /// The directory, as given.
    public let path: String
    /// The state file's name inside ``path`` (`checkpoint` unless overridden).
    public let stateFileName: String
    /// The largest state file read; a bigger file is refused as `tooLarge`.
    public var maxStateFileSize: Int = 16 << 20

    /// Opens a checkpoint directory (nothing is read yet).
    ///
    /// - Parameters:
    ///   - path: The directory.
    ///   - stateFileName: The state file's name, TensorFlow's `latest_filename`.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when `stateFileName` is empty,
    ///   `.`/`..`, or contains `/`.
    public init(_ path: String, stateFileName: String = "checkpoint") throws {
        guard !stateFileName.isEmpty, !stateFileName.contains("/"), stateFileName != ".", stateFileName != ".." else {
            throw MetaGraphKitError(.invalidArgument,
                "state file name '\(stateFileName)' must be a plain file name without '/'")
        }
        self.path = path
        self.stateFileName = stateFileName
    }

    /// The state file's path, `os.path.join(path, stateFileName)`.
    public var stateFilePath: String { PathRules.join(path, stateFileName) }

    /// A stored path as a reader uses it: kept when absolute, else joined onto ``path``.
    ///
    /// - Parameter stored: A path from the state file.
    /// - Returns: The resolved path.
    public func resolve(_ stored: String) -> String { PathRules.join(path, stored) }

    // MARK: - Reading

    /// The state file exactly as stored (paths not resolved).
    ///
    /// - Returns: The parsed state.
    /// - Throws: ``MetaGraphKitError`` `notFound` when there is no state file, `io`
    ///   when it cannot be read or is not a regular file,
    ///   `tooLarge` beyond ``maxStateFileSize``, `syntax` for content that is not
    ///   UTF-8 text-format protobuf, `unknownName` for unknown fields.
    public func readStoredState() throws -> CheckpointState {
        let file = stateFilePath
        // A path that is not a directory (a file, an archive…) has no state file either.
        guard FileIO.isDirectory(path), let status = try SystemCalls.status(file, failure: "cannot read") else {
            // Not a checkpoint directory at all (a file, a SavedModel, an archive…): say what it is.
            let identity = InputIdentification.identify(path)
            if ![.directory, .missing, .checkpointDirectory, .unknown].contains(identity.kind) {
                throw MetaGraphKitError(.invalidArgument, identity.message, file: path)
            }
            var message = "no checkpoint state file (nothing was saved in \(path), or it was saved with another latest_filename)"
            let found = InputIdentification.checkpoints(in: path)
            if !found.isEmpty {
                message += "; the directory holds \(found.count) checkpoint\(found.count == 1 ? "" : "s") ("
                    + found.prefix(8).map { PathRules.join(path, $0) }.joined(separator: ", ")
                    + (found.count > 8 ? ", …" : "") + "): pass one of them, or `tfmeta state init \(path)` writes a state file listing them"
            }
            throw MetaGraphKitError.notFound(file, message)
        }
        guard status.kind == .regular else {
            throw MetaGraphKitError(.io, "\(file): not a regular file, so not a checkpoint state file", file: file)
        }
        guard status.size <= maxStateFileSize else {
            throw MetaGraphKitError.tooLarge(file,
                "\(status.size) bytes is larger than the \(maxStateFileSize)-byte limit for a checkpoint state file")
        }
        let data = try Self.readBounded(file, limit: maxStateFileSize)
        guard let text = String(validating: data, as: UTF8.self) else {
            throw MetaGraphKitError(.syntax, "\(file): not a checkpoint state file (not UTF-8 text)")
        }
        return try CheckpointState(textFormat: text, file: file)
    }

    /// Reads at most `limit` bytes of `file`; more is `tooLarge` (the file grew).
    static func readBounded(_ file: String, limit: Int) throws -> [UInt8] {
        let fd = try SystemCalls.open(file, O_RDONLY | O_CLOEXEC)
        defer { SystemCalls.closeQuietly(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try SystemCalls.read(fd, into: $0.baseAddress!, count: $0.count, path: file) }
            if n == 0 { return bytes }
            bytes += chunk[..<n]
            guard bytes.count <= limit else {
                throw MetaGraphKitError.tooLarge(file, "larger than the \(limit)-byte limit for a checkpoint state file")
            }
        }
    }

    /// The state with every relative path joined onto ``path``, as TensorFlow's
    /// `get_checkpoint_state` returns it.
    ///
    /// - Returns: The resolved state.
    /// - Throws: As ``readStoredState()``, and `corrupt` when `model_checkpoint_path`
    ///   is empty.
    ///
    /// TensorFlow's name for this is `tf.train.get_checkpoint_state`.
    public func state() throws -> CheckpointState {
        var state = try validatedStoredState()
        state.modelCheckpointPath = resolve(state.modelCheckpointPath)
        state.allModelCheckpointPaths = state.allModelCheckpointPaths.map(resolve)
        return state
    }

    /// The stored state, refused when `model_checkpoint_path` is empty.
    func validatedStoredState() throws -> CheckpointState {
        let state = try readStoredState()
        guard !state.modelCheckpointPath.isEmpty else {
            throw MetaGraphKitError.corrupt(stateFilePath, "model_checkpoint_path is empty (TensorFlow: invalid checkpoint state)")
        }
        return state
    }

    /// Every checkpoint the state file lists (``CheckpointState/listedPaths``), oldest
    /// first, with its resolved path, format on disk and timestamp.
    ///
    /// - Returns: One entry per listed path; the last is `model_checkpoint_path`.
    /// - Throws: As ``state()``.
    public func allCheckpoints() throws -> [CheckpointEntry] {
        let stored = try validatedStoredState()
        return stored.listedPaths.enumerated().map { i, p in
            let resolved = resolve(p)
            let timestamp = i < stored.allModelCheckpointPaths.count ? stored.timestamp(at: i) : nil
            return CheckpointEntry(path: p, resolved: resolved,
                                   format: CheckpointFormat.detect(prefix: resolved), timestamp: timestamp)
        }
    }

    /// The newest checkpoint's prefix, when its files exist: `model_checkpoint_path`
    /// resolved, accepted when `P.index` exists (V2) or `P` matches files (V1).
    ///
    /// - Returns: The prefix, exactly as `tf.train.latest_checkpoint` returns it.
    /// - Throws: As ``state()``, and `notFound` naming the files looked for when the
    ///   checkpoint does not exist (with a hint when ``rebase(dryRun:dropMissing:)`` could fix it).
    ///
    /// TensorFlow's name for this is `tf.train.latest_checkpoint`.
    public func latestCheckpoint() throws -> String {
        let stored = try validatedStoredState()
        let latest = resolve(stored.modelCheckpointPath)
        if CheckpointFormat.detect(prefix: latest) != nil { return latest }
        var error = missingCheckpointError(stored: stored.modelCheckpointPath)
        if repairedPath(for: stored.modelCheckpointPath) == nil,
           stored.listedPaths.contains(where: { CheckpointFormat.detect(prefix: resolve($0)) != nil || repairedPath(for: $0) != nil }) {
            error = MetaGraphKitError(.notFound, error.message
                + "; other listed checkpoints exist: `tfmeta state rebase \(path) --drop-missing` drops the missing "
                + "entries and makes the newest remaining one the latest (or `tfmeta state set-latest \(path) PREFIX`)")
        }
        throw error
    }

    /// The stored path rewritten relative to ``path`` when its checkpoint is missing
    /// where it points but exists under a trailing part of the path in ``path``; nil
    /// otherwise. The parts are split at `/` and at `\` (a state file written on
    /// Windows, drive letters and UNC shares included) and tried longest first, so a
    /// doubled relative path (`dir/model.ckpt` stored in `dir/checkpoint`,
    /// tensorflow#571) becomes `model.ckpt`.
    func repairedPath(for stored: String) -> String? {
        guard CheckpointFormat.detect(prefix: resolve(stored)) == nil else { return nil }
        for candidate in PathRules.relativeSuffixes(stored) where candidate != stored && !candidate.isEmpty {
            if CheckpointFormat.detect(prefix: resolve(candidate)) != nil { return candidate }
        }
        return nil
    }
}
