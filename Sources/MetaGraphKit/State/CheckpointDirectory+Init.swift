// Writing a state file for checkpoints that have none (`state init`) and choosing
// another latest checkpoint (`state set-latest`), with the rules of
// update_checkpoint_state_internal: the latest is the last entry of the list.
import Foundation

/// A state file `state init` or `state set-latest` wrote (or would write).
public struct StateWrite: Sendable, JSONReportable {
    /// The state file.
    public var stateFile: String
    /// The state written.
    public var state: CheckpointState
    /// The latest checkpoint, resolved as `tf.train.latest_checkpoint` returns it.
    public var latest: String
    /// Files in the directory that belong to no checkpoint (init only; never touched).
    public var unknownFiles: [String]
    /// Whether the file was written (false for a dry run).
    public var written: Bool

    /// The result as JSON, the shape documented on `tfmeta state init` and
    /// `set-latest`: `{"state_file","latest","model_checkpoint_path",
    /// "all_model_checkpoint_paths":[str],"all_model_checkpoint_timestamps":[double],
    /// "last_preserved_timestamp":double,"unknown_files":[str],"written":bool}`.
    public var jsonValue: JSONValue {
        .object([
            ("state_file", .string(stateFile)),
            ("latest", .string(latest)),
            ("model_checkpoint_path", .string(state.modelCheckpointPath)),
            ("all_model_checkpoint_paths", .array(state.allModelCheckpointPaths.map(JSONValue.string))),
            ("all_model_checkpoint_timestamps", .array(state.allModelCheckpointTimestamps.map(JSONValue.double))),
            ("last_preserved_timestamp", .double(state.lastPreservedTimestamp)),
            ("unknown_files", .array(unknownFiles.map(JSONValue.string))),
            ("written", .bool(written)),
        ])
    }
}

extension CheckpointDirectory {
    /// Writes a state file listing every checkpoint the directory holds (V1 and V2,
    /// see ``scan()``), oldest first by global step then modification time, the
    /// newest (or `latest`) last and as `model_checkpoint_path`.
    ///
    /// Paths are base names relative to the directory, as TF2's `CheckpointManager`
    /// stores them, or absolute with `absolute` (as the TF1 `Saver` stores them).
    /// `all_model_checkpoint_timestamps` are the checkpoints' modification times,
    /// and `last_preserved_timestamp` is one second before the oldest of them, as a
    /// `CheckpointManager` created just before the first save records it.
    ///
    /// - Parameters:
    ///   - latest: The checkpoint to make the latest (a name in the directory or a
    ///     path); it moves to the end of the list. Nil: the newest.
    ///   - absolute: Store absolute paths.
    ///   - overwrite: Replace an existing state file.
    ///   - dryRun: Compute without writing.
    /// - Returns: What was written.
    /// - Throws: ``MetaGraphKitError`` `exists` when a state file exists and not
    ///   `overwrite`; `notFound` when the directory holds no checkpoint or `latest`
    ///   is none of them; `io` when writing fails.
    public func initializeState(latest: String? = nil, absolute: Bool = false,
                                overwrite: Bool = false, dryRun: Bool = false) throws -> StateWrite {
        if FileManager.default.fileExists(atPath: stateFilePath) && !overwrite {
            throw MetaGraphKitError(.exists,
                "\(stateFilePath) exists; give --overwrite to replace it (`tfmeta state show \(path)` shows what it lists)")
        }
        let scan = try scan()
        guard !scan.checkpoints.isEmpty else {
            throw MetaGraphKitError(.notFound,
                "\(path): no checkpoint found (no PREFIX.index, no V1 tensor-slice file)"
                + (scan.unknownFiles.isEmpty ? "" : "; other files: " + scan.unknownFiles.joined(separator: ", ")))
        }
        var ordered = scan.checkpoints
        if let latest {
            let target = try locate(latest)
            guard let i = ordered.firstIndex(where: { PathRules.absolute($0.resolved) == PathRules.absolute(target) }) else {
                throw MetaGraphKitError(.notFound, "\(latest): not one of the checkpoints in \(path): "
                    + scan.checkpoints.map(\.name).joined(separator: ", "))
            }
            ordered.append(ordered.remove(at: i))
        }
        let stored = ordered.map { absolute ? PathRules.absolute($0.resolved) : $0.name }
        let times = ordered.map(\.mtime)
        let state = CheckpointState(modelCheckpointPath: stored.last!, allModelCheckpointPaths: stored,
                                    allModelCheckpointTimestamps: times,
                                    lastPreservedTimestamp: (times.min() ?? 1) - 1)
        if !dryRun { try write(state) }
        return StateWrite(stateFile: stateFilePath, state: state, latest: resolve(state.modelCheckpointPath),
                          unknownFiles: scan.unknownFiles, written: !dryRun)
    }

    /// Makes `prefix` the latest checkpoint: it becomes `model_checkpoint_path` and
    /// the last entry of `all_model_checkpoint_paths` (moved there if listed, with
    /// its timestamp; appended otherwise, stamped with its modification time when
    /// the file records timestamps), as `update_checkpoint_state` leaves the list.
    /// Other entries and `last_preserved_timestamp` are kept.
    ///
    /// The stored form follows the file: relative to the directory when the current
    /// latest is stored relative and `prefix` is inside the directory, else absolute.
    ///
    /// - Parameters:
    ///   - prefix: A checkpoint: a name in the directory, or a path.
    ///   - dryRun: Compute without writing.
    /// - Returns: What was written.
    /// - Throws: As ``state()``; `notFound` when no file of `prefix` exists; `io`.
    public func setLatest(_ prefix: String, dryRun: Bool = false) throws -> StateWrite {
        let before = try validatedStoredState()
        let target = try locate(prefix)
        let absoluteTarget = PathRules.absolute(target)
        let inside = PathRules.relative(absoluteTarget, to: path)
        let storeRelative = !PathRules.isAbsolute(before.modelCheckpointPath)
            && inside != ".." && !inside.hasPrefix("../")
        let storedTarget = storeRelative ? inside : absoluteTarget
        var paths: [String] = [], times: [Double] = []
        let hasTimes = !before.allModelCheckpointTimestamps.isEmpty
            && before.allModelCheckpointTimestamps.count == before.allModelCheckpointPaths.count
        var targetTime: Double?
        for (i, p) in before.allModelCheckpointPaths.enumerated() {
            if PathRules.absolute(resolve(p)) == absoluteTarget {
                if hasTimes { targetTime = before.allModelCheckpointTimestamps[i] }
                continue
            }
            paths.append(p)
            if hasTimes { times.append(before.allModelCheckpointTimestamps[i]) }
        }
        paths.append(storedTarget)
        if hasTimes {
            let format = CheckpointFormat.detect(prefix: target)
            let file = format == .v2 ? target + ".index" : (FileGlob.matchingPaths(target).first ?? target)
            times.append(targetTime ?? Self.modificationTime(file) ?? 0)
        }
        let state = CheckpointState(modelCheckpointPath: storedTarget, allModelCheckpointPaths: paths,
                                    allModelCheckpointTimestamps: hasTimes ? times : [],
                                    lastPreservedTimestamp: before.lastPreservedTimestamp)
        if !dryRun { try write(state) }
        return StateWrite(stateFile: stateFilePath, state: state, latest: resolve(storedTarget),
                          unknownFiles: [], written: !dryRun)
    }

    /// A checkpoint named on the command line: joined onto the directory when that
    /// exists, else taken as given (relative to the working directory).
    func locate(_ prefix: String) throws -> String {
        let joined = resolve(prefix)
        if CheckpointFormat.detect(prefix: joined) != nil { return joined }
        if CheckpointFormat.detect(prefix: prefix) != nil { return prefix }
        throw MetaGraphKitError(.notFound,
            "\(prefix): no such checkpoint: neither \(joined).index (V2) nor a file matching \(joined) (V1)")
    }
}
