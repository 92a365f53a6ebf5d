// Migrating a whole checkpoint directory: every checkpoint its state file lists,
// the `.meta` files beside them (saver switched to V2), and a new state file.
// Follows checkpoint_management.py (state, meta_graph_filename) and saver.py.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Migration {
    /// What happened to one `.meta` file.
    public struct MetaGraphResult: Sendable {
        /// The source `.meta`.
        public var source: String
        /// The written `.meta`.
        public var destination: String
        /// What was done to its saver.
        public var outcome: MetaGraphOutcome
        /// A sentence for the summary.
        public var note: String
    }

    /// What ``migrateMetaGraph(source:destination:)`` did to a `.meta` file's saver;
    /// the raw value is the `outcome` the `--json` report prints.
    public enum MetaGraphOutcome: String, Sendable, Hashable, CustomStringConvertible {
        /// The saver was switched to V2 (the note says what changed).
        case rewritten
        /// The saver already wrote V2; the file was copied unchanged.
        case alreadyV2 = "already-v2"
        /// The graph has no saver; the file was copied unchanged.
        case noSaver = "no-saver"
        /// The saver could not be switched safely and was kept (the note says why).
        case kept
        /// The file is not a MetaGraphDef; it was copied unchanged.
        case copied

        /// What the saver rewrite reported.
        init(_ outcome: SaverGraphRewrite.Outcome) {
            switch outcome {
            case .rewritten: self = .rewritten
            case .alreadyV2: self = .alreadyV2
            case .noSaver: self = .noSaver
            case .kept: self = .kept
            }
        }

        /// The raw value.
        public var description: String { rawValue }
    }

    /// The result of migrating a directory.
    public struct DirectorySummary: Sendable {
        /// The source directory.
        public var source: String
        /// The destination directory.
        public var destination: String
        /// One summary per checkpoint, oldest first.
        public var checkpoints: [Summary]
        /// One result per `.meta` carried along.
        public var metaGraphs: [MetaGraphResult]
        /// The state file written.
        public var stateFile: String
        /// Listed checkpoints whose files are missing (not migrated).
        public var missing: [String]
        /// Wall-clock seconds.
        public var seconds: Double
    }

    /// Migrates every checkpoint a directory's state file lists into `destination`,
    /// carries each `.meta` along (a V1 saver, sharded or not, is rewritten to save
    /// and restore V2 where its graph allows),
    /// and writes `destination/checkpoint` with relative paths.
    ///
    /// - Parameters:
    ///   - source: A directory with a `checkpoint` state file.
    ///   - destination: The directory to fill (created when missing; must be empty
    ///     unless `options.overwrite`).
    ///   - options: As for ``migrate(source:destination:options:)``.
    /// - Returns: What was written.
    /// - Throws: ``MetaGraphKitError``; on a throw everything written is removed.
    @discardableResult
    public static func migrateDirectory(source: String, destination: String, options: Options = Options()) throws -> DirectorySummary {
        let started = Date()
        let from = try CheckpointDirectory(source)
        // A directory without a state file, a SavedModel, a file…: say what it is.
        let listed = try CheckpointReader.explaining(source, as: .stateDirectory) { try from.allCheckpoints() }
        // The rule every directory command follows: a stored path that is stale but
        // whose checkpoint sits in the directory is refused, with the rebase hint.
        try from.refuseStalePaths(listed)
        let stored = try from.readStoredState()
        try OutputDestination.check(destination, kind: .directory, overwrite: options.overwrite, sources: [source])
        // Every file written (and the directory, when created here) belongs to one
        // transaction: a failure or Ctrl-C before the state file is in place removes
        // them all, and puts back any file an --overwrite replaced.
        let transaction = OutputTransaction()
        var info = stat()
        if stat(destination, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw MetaGraphKitError.notADirectory(destination)
            }
        } else {
            try transaction.makeDirectory(destination)
        }
        do {
            var summaries: [Summary] = []
            var metas: [MetaGraphResult] = []
            var missing: [String] = []
            var newPaths: [String: String] = [:]
            for entry in listed {
                let resolved = entry.resolved
                if !entry.exists { missing.append(entry.path); continue }
                let name = checkpointName(entry.path)
                // The output is named after the stored path's base name, inside the
                // destination; a path whose base name is not a plain name gives none.
                guard !name.isEmpty, name != ".", name != ".." else {
                    throw MetaGraphKitError.invalidArgument(from.stateFilePath, "listed checkpoint '\(entry.path)' has no file name to give its migrated copy")
                }
                let target = PathRules.join(destination, name)
                var summary = try migrate(source: resolved, destination: target, options: options, within: transaction)
                newPaths[entry.path] = name
                let meta = CheckpointFiles.metaGraphFilename(for: resolved)
                if FileIO.exists(meta) {
                    let out = target + ".meta"
                    let result = try migrateMetaGraph(source: meta, destination: out, within: transaction)
                    metas.append(result)
                    summary.metaGraph = result
                }
                summaries.append(summary)
                PausePoint.reached("directory-checkpoint")
            }
            guard let state = CheckpointState.converted(from: stored, newNames: newPaths,
                                                        fallbackLatest: summaries.last.map { PathRules.basename($0.destination) }) else {
                throw MetaGraphKitError.notFound(from.stateFilePath, "none of the listed checkpoints exists")
            }
            let to = try CheckpointDirectory(destination)
            try to.write(state, within: transaction)
            transaction.commit()
            return DirectorySummary(source: source, destination: destination, checkpoints: summaries, metaGraphs: metas,
                                    stateFile: to.stateFilePath, missing: missing,
                                    seconds: Date().timeIntervalSince(started))
        } catch {
            transaction.rollback()
            throw error
        }
    }

    /// The prefix name a listed checkpoint gets in the destination: its base name,
    /// a V1 `-?????-of-NNNNN` shard pattern removed.
    static func checkpointName(_ stored: String) -> String {
        let base = PathRules.basename(stored)
        if let (prefix, _, _) = TensorSliceReader.parseShardName(base) { return prefix }
        return base
    }

    /// Copies a `.meta` file with its saver switched to V2 where that is safe.
    ///
    /// - Parameters:
    ///   - source: The `.meta` (a binary or text MetaGraphDef; written back in the
    ///     same encoding).
    ///   - destination: Where to write it (atomically).
    /// - Returns: What was done.
    /// - Throws: ``MetaGraphKitError`` `io`, `notAProtobuf`.
    public static func migrateMetaGraph(source: String, destination: String) throws -> MetaGraphResult {
        try migrateMetaGraph(source: source, destination: destination, within: nil)
    }

    /// ``migrateMetaGraph(source:destination:)`` as part of a migrated directory.
    static func migrateMetaGraph(source: String, destination: String,
                                 within parent: OutputTransaction?) throws -> MetaGraphResult {
        let file: MetaGraphFile
        do {
            file = try MetaGraphFile.read(source)
        } catch let error as MetaGraphKitError where error.code != .io && error.code != .notFound {
            try FileIO.writeAtomically(try FileIO.read(source), to: destination, within: parent)
            return MetaGraphResult(source: source, destination: destination, outcome: .copied,
                                   note: "not a MetaGraphDef (binary or text); copied unchanged, its saver still writes V1")
        }
        let message = file.message
        let outcome = try SaverGraphRewrite.rewriteToV2(message, file: source)
        let note = switch outcome {
        case .rewritten(let what): what
        case .alreadyV2: "the saver already writes V2"
        case .noSaver: "no saver in the graph"
        case .kept(let why): "saver kept unchanged, it saves V1 and may not restore the migrated V2 checkpoint: \(why); re-create the saver in TensorFlow"
        }
        if case .rewritten = outcome {
            try file.write(to: destination, as: file.encoding, within: parent)
        } else {
            try FileIO.writeAtomically(try FileIO.read(source), to: destination, within: parent)
        }
        return MetaGraphResult(source: source, destination: destination, outcome: MetaGraphOutcome(outcome), note: note)
    }
}
