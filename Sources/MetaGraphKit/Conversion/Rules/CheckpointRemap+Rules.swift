// `ckpt rename`, `to-names` and `to-object` with a RuleSet: value-changing steps,
// unmatched-step warnings, the `.meta` beside the source written along with the
// same renames, and the destination's missing parent directories created.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a ``RuleSet`` did while a checkpoint was converted, beyond renaming keys.
public struct RulesOutcome: Sendable {
    /// Steps and `map` entries that matched nothing (warnings; errors under `strict`).
    public var unmatched: [String] = []
    /// Tensors written with changed values (merged, split, transposed, reshaped or cast), by written name.
    public var transformed: [String] = []
    /// Variables that took their EMA shadow's value.
    public var promoted: [(variable: String, shadow: String)] = []
    /// The largest rounding error of the `cast` steps.
    public var castError: CastError?
    /// The `.meta` read and the one written (nil when none was).
    public var meta: (source: String, destination: String)?
    /// Notes about the `.meta` (why it was not written, what it still says).
    public var metaNotes: [String] = []
    /// Nodes and saver keys the `.meta` renamed.
    public var metaRenamedNodes = 0, metaRenamedKeys = 0

    public init() {}
}

extension CheckpointRemap {
    /// Which `.meta` goes along with a converted checkpoint.
    public enum MetaSource: Sendable, Equatable {
        /// `SRC.meta` when it exists beside the source.
        case auto
        /// This file.
        case file(String)
        /// None.
        case none
    }

    /// Copies a checkpoint with its keys (and values) changed by rules, and its
    /// `.meta` with the same renames.
    ///
    /// - Parameters:
    ///   - source: A V1 or V2 checkpoint (prefix, pattern or directory).
    ///   - destination: The V2 prefix to write; missing parent directories are created.
    ///   - ruleSet: The steps.
    ///   - strict: Fail when a step or map entry matches nothing.
    ///   - meta: The `.meta` to rewrite as `DST.meta` (nodes, collections, SaverDef and
    ///     saver keys renamed as the keys are), ``MetaSource/auto`` for `SRC.meta` if present.
    ///   - overwrite: Replace an existing destination (and `DST.meta`).
    ///   - dryRun: Plan only; write nothing.
    ///   - shards: Data files to write.
    ///   - progress: Called after each tensor copied as stored.
    /// - Returns: The renaming and what was written.
    /// - Throws: ``MetaGraphKitError`` as ``RuleSet/plan(_:file:strict:)``, `exists`,
    ///   and the source's damage codes.
    public static func rename(source: String, destination: String, ruleSet: RuleSet, strict: Bool = false,
                              meta: MetaSource = .auto, overwrite: Bool = false, dryRun: Bool = false, shards: Int = 1,
                              progress: Migration.Progress? = nil) throws -> RenameResult {
        try rename(source: source, destination: destination, ruleSet: ruleSet, strict: strict, meta: meta,
                   overwrite: overwrite, dryRun: dryRun, shards: shards, progress: progress, within: nil)
    }

    /// ``rename(source:destination:ruleSet:strict:meta:overwrite:dryRun:shards:progress:)`` as
    /// part of a larger output (a converted directory): `outer` keeps what is written undoable.
    /// `fastPath` false writes through ``RulePlan/write(from:to:)`` even when
    /// ``RulePlan/writeFromIndex(_:to:shards:)`` applies (tests compare the two).
    static func rename(source: String, destination: String, ruleSet: RuleSet, strict: Bool, meta: MetaSource,
                       overwrite: Bool, dryRun: Bool, shards: Int, progress: Migration.Progress?,
                       within outer: OutputTransaction?, fastPath: Bool = true) throws -> RenameResult {
        let reader = try CheckpointReader(path: source)
        let graphKey = ObjectGraph.checkpointKey
        // Steps that only name, over a V2 index: planned flat, without the listing
        // or a PlannedTensor per key (RulePlan+Compact.swift); the general plan otherwise.
        var compact: CompactRulePlan?
        if fastPath, reader.foreign == nil, let bundle = reader.bundle, ruleSet.onlyNames {
            try bundle.loadIndex()
            if let index = bundle.compact {
                compact = try ruleSet.compactPlan(index, excluding: graphKey, file: source, strict: strict)
                // Decoded: the index's pages go back (the page cache keeps them).
                bundle.table.file.releaseResidentPages()
            }
        }
        let plan = compact == nil ? try ruleSet.plan(reader.entries.filter { $0.key != graphKey }, file: source, strict: strict) : nil
        let planDropped = compact?.droppedKeys ?? plan!.dropped
        var dropped = planDropped
        var keepGraph = false
        if reader.contains(graphKey) {
            let droppedByStep = ruleSet.steps.contains {
                if case .drop(let p) = $0 { return p.contains { $0.matches(graphKey) } }
                return false
            }
            let takenBy = compact.map { c in c.first(named: graphKey).map { c.source($0) } }
                ?? plan!.tensors.first(where: { $0.name == graphKey })?.sources[0]
            if droppedByStep {
                dropped.append(graphKey)
            } else if let other = takenBy {
                throw MetaGraphKitError.invalidArgument(source, "\(other) would be renamed to \(graphKey), which the object graph holds")
            } else {
                keepGraph = true
            }
        }
        var renamed = compact?.renamed ?? RenamedKeys(plan!.renamed)
        var warnings: [String] = []
        let renamesAny = plan.map { $0.tensors.contains(where: { $0.sources.count != 1 || $0.sources[0] != $0.name || !$0.copiedAsStored }) }
            ?? renamed.indices.contains { !renamed.keepsName($0) }
        if keepGraph, renamesAny {
            warnings.append("\(source) is object-based: its object graph still names the old keys, so tf.train.Checkpoint will not find the renamed ones (use ckpt to-object or to-names)")
        }
        var outcome = RulesOutcome()
        outcome.unmatched = compact?.unmatched ?? plan!.unmatched
        outcome.transformed = plan?.tensors.filter { !$0.copiedAsStored }.map(\.name) ?? []
        outcome.promoted = plan?.promoted ?? []
        let metaOut = try metaGraph(for: reader, source: source, meta: meta, destination: destination, overwrite: overwrite,
                                    nodeName: ruleSet.renameNode, renamed: renamed, dropped: planDropped,
                                    valuesChange: ruleSet.changesValues, outcome: &outcome)
        let written = renamed.count
        if keepGraph { renamed.append((graphKey, graphKey)) }
        var result: BundleWriter.Result?
        if !dryRun {
            let transaction = OutputTransaction(within: outer)
            try makeParents(of: destination, in: transaction)
            let out = try RemapOutput(destination: destination, overwrite: overwrite, sources: [reader], shards: shards,
                                      expected: written + (keepGraph ? 1 : 0), progress: progress, within: transaction)
            if keepGraph { try out.copy(reader, key: graphKey, as: graphKey) }
            if let compact {
                if shards == 1, let bundle = reader.bundle {
                    try IndexCopy.write(reader, bundle, compact.index, to: out, count: compact.count, key: { compact.source($0) }) {
                        (Int(compact.positions[$0]), compact.name($0))
                    }
                } else {
                    for n in 0..<compact.count { try out.copy(reader, key: compact.source(n), as: compact.name(n)) }
                }
            } else if let plan, try !(fastPath && plan.writeFromIndex(reader, to: out, shards: shards)) {
                outcome.castError = try plan.write(from: reader, to: out)
            }
            result = try out.finish()
            if let metaOut { try FileIO.writeAtomically(metaOut.bytes, to: metaOut.path, within: transaction) }
            transaction.commit()
        }
        var report = RenameResult(source: source, destination: destination, sourceFormat: reader.format,
                                  sourceFormatName: reader.formatName,
                                  renamed: renamed, dropped: dropped, warnings: warnings, written: result)
        report.rules = outcome
        return report
    }

    /// The renamed `.meta` to write beside the destination, or nil (with a note saying why).
    static func metaGraph(for reader: CheckpointReader, source: String, meta: MetaSource, destination: String, overwrite: Bool,
                          nodeName: @escaping (String) -> String, renamed: RenamedKeys, dropped: [String],
                          valuesChange: Bool, outcome: inout RulesOutcome) throws -> (path: String, bytes: [UInt8])? {
        let path: String
        switch meta {
        case .none: return nil
        case .file(let p): path = p
        case .auto:
            let beside = reader.prefix + ".meta"
            guard FileIO.exists(beside) else { return nil }
            path = beside
        }
        let out = destination + ".meta"
        if FileIO.exists(out), !overwrite {
            throw MetaGraphKitError(.exists, "\(out): exists; use --overwrite to replace it")
        }
        let file = try MetaGraphFile.read(path)
        guard file.kind == .metaGraph else {
            throw MetaGraphKitError.invalidArgument(path, "is a SavedModel, not a .meta")
        }
        let keyMap = Dictionary(renamed.lazy.map { ($0.from, $0.to) }, uniquingKeysWith: { a, _ in a })
        let droppedKeys = Set(dropped)
        let result = try MetaGraphTransform.renameNodes(file.message, nodeName: nodeName, saverKey: { key in
            if let new = keyMap[key] { return new }
            if droppedKeys.contains(key) { return nil }
            return nodeName(key)
        }, pruneDropped: true, file: path)
        if !result.droppedKeys.isEmpty, result.prunedDroppedKeys {
            outcome.metaNotes.append("\(out): the saver no longer saves or restores the \(result.droppedKeys.count) dropped key(s); their variables keep their initializers")
        } else if !result.droppedKeys.isEmpty {
            let few = result.droppedKeys.prefix(3).joined(separator: ", ")
            outcome.metaNotes.append("\(out) not written: the saver in \(path) reads \(result.droppedKeys.count) dropped key(s) (\(few)\(result.droppedKeys.count > 3 ? ", …" : "")); restore through a Saver over the kept variables, or init_from_checkpoint")
            return nil
        }
        if valuesChange {
            outcome.metaNotes.append("\(out): the graph's variables keep their shapes and dtypes; the rules changed some values (\(outcome.transformed.prefix(3).joined(separator: ", ")))")
        }
        outcome.meta = (path, out)
        outcome.metaRenamedNodes = result.renamedNodes.count
        outcome.metaRenamedKeys = result.renamedKeys.count
        return (out, try MetaGraphFile(path: out, kind: .metaGraph, encoding: .binary, message: result.metaGraph)
            .encoded(as: ProtoFileEncoding.implied(by: out)))
    }

    /// Creates the missing directories above `path`, recorded in `transaction`.
    static func makeParents(of path: String, in transaction: OutputTransaction) throws {
        var missing: [String] = []
        var dir = PathRules.dirname(path)
        while !dir.isEmpty, dir != "/", dir != ".", !FileIO.exists(dir) {
            missing.append(dir)
            dir = PathRules.dirname(dir)
        }
        for d in missing.reversed() { try transaction.makeDirectory(d) }
    }
}

extension CheckpointRemap {
    /// ``toObject(source:template:destination:rules:fillFromTemplate:strict:overwrite:dryRun:shards:progress:)``
    /// with a ``RuleSet``: the source tensors are matched under their names, dtypes
    /// and shapes after the steps, and written with the steps' value changes.
    ///
    /// - Parameters: as the ``KeyRules`` form; `strict` also fails on steps that match nothing.
    /// - Returns: The match report and what was written.
    /// - Throws: as the ``KeyRules`` form, and as ``RuleSet/plan(_:file:strict:)``.
    public static func toObject(source: String, template: String, destination: String, ruleSet: RuleSet,
                                fillFromTemplate: Bool = false, strict: Bool = false,
                                overwrite: Bool = false, dryRun: Bool = false, shards: Int = 1,
                                progress: Migration.Progress? = nil) throws -> ToObjectResult {
        let reader = try CheckpointReader(path: source)
        let target = try RemapTarget.template(template)
        let plan = try ruleSet.plan(reader.entries.filter { $0.key != ObjectGraph.checkpointKey }, file: source, strict: strict)
        let report = try MatchReport.match(reader, sourcePath: source, target: target, plan: plan)
        try report.checkAgreement()
        if strict, !report.missing.isEmpty || !report.unused.isEmpty {
            let what = (report.missing.prefix(3).map { "missing \($0.target.key)" } + report.unused.prefix(3).map { "unused \($0.source)" })
            throw MetaGraphKitError(.invalidArgument,
                "\(source): --strict and \(report.missing.count) template tensor(s) unmatched, \(report.unused.count) source key(s) unused: \(what.joined(separator: ", "))")
        }
        var outcome = RulesOutcome()
        outcome.unmatched = plan.unmatched
        outcome.promoted = plan.promoted
        let filled = fillFromTemplate ? report.missing.map(\.target.key) : []
        guard !dryRun, let templateReader = target.reader else {
            var r = ToObjectResult(report: report, destination: destination, filled: filled, written: nil)
            r.rules = outcome
            return r
        }
        let byName = Dictionary(plan.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var toWrite = plan
        toWrite.tensors = report.matched.compactMap { p in
            guard var t = byName[p.name] else { return nil }
            t.name = p.target.key
            return t
        }
        outcome.transformed = toWrite.tensors.filter { !$0.copiedAsStored }.map(\.name)
        let transaction = OutputTransaction()
        try makeParents(of: destination, in: transaction)
        let out = try RemapOutput(destination: destination, overwrite: overwrite, sources: [reader, templateReader], shards: shards,
                                  expected: 1 + report.matched.count + filled.count, progress: progress, within: transaction)
        try out.copy(templateReader, key: ObjectGraph.checkpointKey, as: ObjectGraph.checkpointKey)
        outcome.castError = try toWrite.write(from: reader, to: out)
        for key in filled { try out.copy(templateReader, key: key, as: key) }
        let written = try out.finish()
        transaction.commit()
        var r = ToObjectResult(report: report, destination: destination, filled: filled, written: written)
        r.rules = outcome
        return r
    }

    /// ``toNames(source:destination:strict:keepObjectGraph:overwrite:dryRun:shards:progress:)``
    /// followed by a ``RuleSet`` applied to the TF1 names, and a `.meta` (given with
    /// `meta`, or `SRC.meta` beside the source) rewritten by the same steps.
    ///
    /// - Parameters: as the plain form; `ruleSet` is applied to the TF1 names;
    ///   `strict` also fails on steps that match nothing.
    /// - Returns: The renaming (from object-based key to final name) and what was written.
    /// - Throws: as the plain form and ``RuleSet/plan(_:file:strict:)``.
    public static func toNames(source: String, destination: String, ruleSet: RuleSet, strict: Bool = false,
                               meta: MetaSource = .auto, keepObjectGraph: Bool = false, overwrite: Bool = false,
                               dryRun: Bool = false, shards: Int = 1,
                               progress: Migration.Progress? = nil) throws -> ToNamesResult {
        let names = try toNames(source: source, destination: destination, strict: strict, keepObjectGraph: false,
                                overwrite: overwrite, dryRun: true)
        let reader = try CheckpointReader(path: source)
        var origin: [String: String] = [:]
        var entries: [TensorEntry] = []
        for (from, to) in names.renamed {
            guard let e = reader.entry(from) else { continue }
            origin[to] = from
            entries.append(TensorEntry(key: to, dtype: e.dtype, shape: e.shape, slices: e.slices))
        }
        var plan = try ruleSet.plan(entries, file: source, strict: strict)
        var outcome = RulesOutcome()
        outcome.unmatched = plan.unmatched
        outcome.promoted = plan.promoted
        outcome.transformed = plan.tensors.filter { !$0.copiedAsStored }.map(\.name)
        let metaOut = try metaGraph(for: reader, source: source, meta: meta, destination: destination, overwrite: overwrite,
                                    nodeName: ruleSet.renameNode, renamed: RenamedKeys(plan.renamed), dropped: plan.dropped,
                                    valuesChange: ruleSet.changesValues, outcome: &outcome)
        // Back from TF1 names to the source's keys.
        for i in plan.tensors.indices { plan.tensors[i].sources = plan.tensors[i].sources.map { origin[$0] ?? $0 } }
        plan.dropped = plan.dropped.map { origin[$0] ?? $0 }
        var renamed = plan.renamed
        if keepObjectGraph { renamed.append((ObjectGraph.checkpointKey, ObjectGraph.checkpointKey)) }
        var written: BundleWriter.Result?
        if !dryRun {
            let transaction = OutputTransaction()
            try makeParents(of: destination, in: transaction)
            let out = try RemapOutput(destination: destination, overwrite: overwrite, sources: [reader], shards: shards,
                                      expected: renamed.count, progress: progress, within: transaction)
            outcome.castError = try plan.write(from: reader, to: out)
            if keepObjectGraph { try out.copy(reader, key: ObjectGraph.checkpointKey, as: ObjectGraph.checkpointKey) }
            written = try out.finish()
            if let metaOut { try FileIO.writeAtomically(metaOut.bytes, to: metaOut.path, within: transaction) }
            transaction.commit()
        }
        var r = ToNamesResult(source: source, destination: destination, renamed: renamed, duplicates: names.duplicates,
                              emptyFullName: names.emptyFullName, notInObjectGraph: names.notInObjectGraph,
                              keptObjectGraph: keepObjectGraph, written: written)
        r.rules = outcome
        return r
    }
}

extension RulesOutcome: JSONReportable {
    /// `{"unmatched": [str], "transformed": [str], "promoted": [{"variable", "shadow"}],
    /// "cast_max_error": null | {"key", "max_error"}, "meta": null | {"source", "destination",
    /// "renamed_nodes", "renamed_keys"}, "meta_notes": [str]}`.
    public var jsonValue: JSONValue {
        .object([
            ("unmatched", .array(unmatched.map { .string($0) })),
            ("transformed", .array(transformed.map { .string($0) })),
            ("promoted", .array(promoted.map { .object([("variable", .string($0.variable)), ("shadow", .string($0.shadow))]) })),
            ("cast_max_error", castError.map { .object([("key", .string($0.key)), ("max_error", .double($0.maxError))]) } ?? .null),
            ("meta", meta.map { .object([("source", .string($0.source)), ("destination", .string($0.destination)),
                                          ("renamed_nodes", .int(Int64(metaRenamedNodes))), ("renamed_keys", .int(Int64(metaRenamedKeys)))]) } ?? .null),
            ("meta_notes", .array(metaNotes.map { .string($0) })),
        ])
    }

    /// Summary lines for the text report (empty when the rules only renamed).
    public var lines: [String] {
        var out: [String] = []
        if !transformed.isEmpty { out.append("  values changed: \(transformed.count) tensor(s) (\(transformed.prefix(4).joined(separator: ", "))\(transformed.count > 4 ? ", …" : ""))") }
        if !promoted.isEmpty { out.append("  promoted \(promoted.count) EMA shadow(s)") }
        if let c = castError { out.append("  cast: largest rounding error \(c.maxError) (\(c.key))") }
        if let m = meta { out.append("  wrote \(m.destination) from \(m.source): \(metaRenamedNodes) nodes and \(metaRenamedKeys) saver keys renamed") }
        return out
    }

    /// Warnings for stderr: unmatched steps, notes about the `.meta`.
    public var warnings: [String] { unmatched.map { "warning: \($0)" } + metaNotes.map { "warning: \($0)" } }
}

extension CheckpointRemap {
    /// What ``renameDirectory(source:destination:ruleSet:strict:overwrite:dryRun:shards:)`` did.
    public struct DirectoryRenameResult: Sendable {
        /// The source directory.
        public let source: String
        /// The destination directory.
        public let destination: String
        /// One result per converted checkpoint, in the state file's order.
        public let checkpoints: [RenameResult]
        /// The state file written (nil for a dry run).
        public let stateFile: String?
        /// The new state's latest checkpoint (a name inside `destination`).
        public let latest: String
        /// Listed checkpoints whose files are missing (not converted).
        public let missing: [String]
    }

    /// Converts every checkpoint a directory's `checkpoint` state lists by the same
    /// rules, each `.meta` along, into `destination` (created when missing), and writes
    /// a state file whose latest checkpoint is the converted newest.
    ///
    /// - Parameters:
    ///   - source: A directory with a `checkpoint` state file.
    ///   - destination: The directory to fill; must be empty unless `overwrite`.
    ///   - ruleSet: The steps.
    ///   - strict: Fail when a step matches nothing in a checkpoint.
    ///   - overwrite: Write into a non-empty directory, replacing what has the same names.
    ///   - dryRun: Plan only.
    ///   - shards: Data files per checkpoint.
    /// - Returns: What was written.
    /// - Throws: ``MetaGraphKitError``; on a throw nothing written is left behind.
    public static func renameDirectory(source: String, destination: String, ruleSet: RuleSet, strict: Bool = false,
                                       overwrite: Bool = false, dryRun: Bool = false, shards: Int = 1) throws -> DirectoryRenameResult {
        let from = try CheckpointDirectory(source)
        let listed = try from.allCheckpoints()
        let stored = try from.readStoredState()
        if PathRules.absolute(source) == PathRules.absolute(destination) {
            throw MetaGraphKitError.invalidArgument(destination, "the destination directory is the source directory")
        }
        let transaction = OutputTransaction()
        var info = stat()
        if stat(destination, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw MetaGraphKitError(.exists, "\(destination): exists and is not a directory")
            }
            if FileIO.exists(PathRules.join(destination, "checkpoint")), !overwrite {
                throw MetaGraphKitError(.exists, "\(destination): already holds a checkpoint state file; use --overwrite to write into it")
            }
        } else if !dryRun {
            try makeParents(of: destination, in: transaction)
            try transaction.makeDirectory(destination)
        }
        do {
            var results: [RenameResult] = []
            var missing: [String] = []
            var newPaths: [String: String] = [:]
            for entry in listed {
                var resolved = entry.resolved
                if !entry.exists {
                    guard let repaired = from.repairedPath(for: entry.path) else { missing.append(entry.path); continue }
                    resolved = from.resolve(repaired)
                }
                let name = Migration.checkpointName(entry.path)
                guard !name.isEmpty, name != ".", name != ".." else {
                    throw MetaGraphKitError(.invalidArgument,
                        "\(from.stateFilePath): listed checkpoint '\(entry.path)' has no file name to give its converted copy")
                }
                results.append(try rename(source: resolved, destination: PathRules.join(destination, name), ruleSet: ruleSet,
                                          strict: strict, meta: .auto, overwrite: overwrite, dryRun: dryRun, shards: shards,
                                          progress: nil, within: transaction))
                newPaths[entry.path] = name
            }
            guard let state = CheckpointState.converted(from: stored, newNames: newPaths,
                                                        fallbackLatest: results.last.map { PathRules.basename($0.destination) }) else {
                throw MetaGraphKitError.notFound(from.stateFilePath, "none of the listed checkpoints exists")
            }
            let latest = state.modelCheckpointPath
            var stateFile: String?
            if !dryRun {
                let to = try CheckpointDirectory(destination)
                try to.write(state, within: transaction)
                stateFile = to.stateFilePath
            }
            transaction.commit()
            return DirectoryRenameResult(source: source, destination: destination, checkpoints: results, stateFile: stateFile,
                                         latest: latest, missing: missing)
        } catch {
            transaction.rollback()
            throw error
        }
    }
}

extension CheckpointRemap.DirectoryRenameResult: JSONReportable {
    /// `{"source", "destination", "dry_run", "latest", "state_file", "missing": [str],
    /// "checkpoints": [<ckpt rename JSON>]}`.
    public var jsonValue: JSONValue {
        .object([
            ("source", .string(source)), ("destination", .string(destination)), ("dry_run", .bool(stateFile == nil)),
            ("latest", .string(latest)), ("state_file", stateFile.map { .string($0) } ?? .null),
            ("missing", .array(missing.map { .string($0) })),
            ("checkpoints", .array(checkpoints.map(\.jsonValue))),
        ])
    }

    /// One summary line per checkpoint, then the state line.
    public var text: String {
        var lines = checkpoints.map { r in
            r.text.split(separator: "\n").last.map(String.init) ?? ""
        }
        for c in checkpoints { lines += c.rules.lines.filter { $0.contains(".meta") } }
        for m in missing { lines.append("  missing (not converted): \(m)") }
        lines.append(stateFile.map { "wrote \($0): latest \(latest), \(checkpoints.count) checkpoint(s)" }
                     ?? "would write \(destination)/checkpoint: latest \(latest)")
        return lines.joined(separator: "\n")
    }
}
