// Renaming checkpoint keys, and converting between name-based (TF1 Saver) and
// object-based (tf.train.Checkpoint) checkpoints, as TensorFlow's name-based
// fallbacks do at restore time (tensorflow/python/training/saver.py
// object_graph_key_mapping, saver_from_object_based_checkpoint; FORMATS.md §5.4).

/// Writes a new V2 checkpoint whose keys are renamed: by rules, into an
/// object-based template's keys, or into TF1 variable names.
///
/// Every check (rules compile, no two keys on one name, dtypes and shapes agree,
/// `strict` conditions) runs before anything is written; the destination appears
/// only when every tensor was copied, and nothing is left behind on a throw. The
/// source is never modified. V2 payloads are copied as stored (their checksums
/// re-checked on the way); partitioned tensors keep their slices.
public enum CheckpointRemap {
    /// Writes `renamed` (source key → new name) from `reader` as one V2 checkpoint at
    /// `destination`, through the one copy path; the writer's result.
    static func writeRenamed(_ reader: CheckpointReader, _ renamed: [(from: String, to: String)], to destination: String,
                             overwrite: Bool, shards: Int, progress: Migration.Progress?) throws -> BundleWriter.Result {
        let out = try RemapOutput(destination: destination, overwrite: overwrite, sources: [reader], shards: shards,
                                  expected: renamed.count, progress: progress)
        for (from, to) in renamed { try out.copy(reader, key: from, as: to) }
        return try out.finish()
    }

    /// What ``rename(source:destination:rules:overwrite:dryRun:)`` did or would do.
    public struct RenameResult: Sendable {
        /// The source as given.
        public let source: String
        /// The destination prefix.
        public let destination: String
        /// The source's format (``CheckpointFormat/foreign`` for another framework's file).
        public let sourceFormat: CheckpointFormat
        /// The format's name as the report prints it: `V1`, `V2`, or the other
        /// framework's format (``CheckpointReader/formatName``).
        public let sourceFormatName: String
        /// Every kept key and its new name (unchanged names included), in key order.
        public let renamed: RenamedKeys
        /// Keys a `--drop` pattern removed.
        public let dropped: [String]
        /// Notes for the user (an object graph that still names the old keys).
        public let warnings: [String]
        /// What was written; nil for a dry run.
        public let written: BundleWriter.Result?
        /// What the rules did beyond renaming (``RuleSet`` form only).
        public internal(set) var rules = RulesOutcome()
    }

    /// What ``toObject(source:template:destination:rules:fillFromTemplate:strict:overwrite:dryRun:)`` did.
    public struct ToObjectResult: Sendable {
        /// The match between the source and the template.
        public let report: MatchReport
        /// The destination as given.
        public let destination: String
        /// Template keys copied from the template (`fillFromTemplate`).
        public let filled: [String]
        /// What was written; nil for a dry run.
        public let written: BundleWriter.Result?
        /// What the rules did beyond renaming (``RuleSet`` form only).
        public internal(set) var rules = RulesOutcome()
    }

    /// What ``toNames(source:destination:strict:keepObjectGraph:overwrite:dryRun:)`` did.
    public struct ToNamesResult: Sendable {
        /// Several attributes sharing one full name, and the names they were given.
        public struct Duplicate: Sendable, Equatable {
            /// The shared full name.
            public let fullName: String
            /// The checkpoint keys, in object graph order.
            public let keys: [String]
            /// The TF1 names given to them (`Variable`, `Variable_1`, …).
            public let names: [String]
        }

        /// The source as given.
        public let source: String
        /// The destination prefix.
        public let destination: String
        /// Every written key and its new name, in object graph order, then the keys
        /// kept as they are.
        public let renamed: [(from: String, to: String)]
        /// Full names shared by several attributes.
        public let duplicates: [Duplicate]
        /// Keys of attributes with an empty full name (kept under their key).
        public let emptyFullName: [String]
        /// Keys no attribute names (kept under their key), the object graph aside.
        public let notInObjectGraph: [String]
        /// Whether the object graph entry was written too.
        public let keptObjectGraph: Bool
        /// What was written; nil for a dry run.
        public let written: BundleWriter.Result?
        /// What the rules did beyond renaming (``RuleSet`` form only).
        public internal(set) var rules = RulesOutcome()
    }

    // MARK: - rename

    /// Copies a checkpoint with its keys renamed.
    ///
    /// - Parameters:
    ///   - source: A V1 or V2 checkpoint (prefix, pattern or directory).
    ///   - destination: The V2 prefix to write.
    ///   - rules: Drops, map and rules (``KeyRules``). The object graph entry of an
    ///     object-based checkpoint keeps its name (a drop pattern may remove it).
    ///   - overwrite: Replace an existing destination.
    ///   - dryRun: Plan only; write nothing.
    ///   - shards: Data files to write (1…99999).
    ///   - progress: Called after each tensor written.
    /// - Returns: The renaming and what was written.
    /// - Throws: ``MetaGraphKitError``: `invalidArgument` for two keys renamed onto
    ///   one (both named), `exists`, `notFound`, damage codes of the source.
    public static func rename(source: String, destination: String, rules: KeyRules,
                              overwrite: Bool = false, dryRun: Bool = false, shards: Int = 1,
                              progress: Migration.Progress? = nil) throws -> RenameResult {
        let reader = try CheckpointReader(path: source)
        // The object graph entry is not a variable: rules never rename it (a --drop may remove it).
        let graphKey = ObjectGraph.checkpointKey
        var plan = try rules.plan(reader.entries.map(\.key).filter { $0 != graphKey }, file: source)
        if reader.contains(graphKey) {
            if rules.drops.contains(where: { $0.matches(graphKey) }) {
                plan.dropped.append(graphKey)
            } else if let other = plan.kept.first(where: { $0.to == graphKey }) {
                throw MetaGraphKitError.invalidArgument(source, "\(other.from) would be renamed to \(graphKey), which the object graph holds")
            } else {
                plan.kept.append((graphKey, graphKey))
            }
        }
        var warnings: [String] = []
        if reader.contains(graphKey), plan.kept.contains(where: { $0.from != $0.to }) {
            warnings.append("\(source) is object-based: its object graph still names the old keys, so tf.train.Checkpoint will not find the renamed ones (use ckpt to-object or to-names)")
        }
        var written: BundleWriter.Result?
        if !dryRun {
            let out = try RemapOutput(destination: destination, overwrite: overwrite, sources: [reader], shards: shards,
                                      expected: plan.kept.count, progress: progress)
            for (from, to) in plan.kept { try out.copy(reader, key: from, as: to) }
            written = try out.finish()
        }
        return RenameResult(source: source, destination: destination, sourceFormat: reader.format, sourceFormatName: reader.formatName,
                            renamed: RenamedKeys(plan.kept), dropped: plan.dropped, warnings: warnings, written: written)
    }

    // MARK: - to-object

    /// Writes a name-based checkpoint's values under an object-based template's keys,
    /// with the template's object graph, so `tf.train.Checkpoint(...).read` restores
    /// them into the template's program.
    ///
    /// - Parameters:
    ///   - source: The checkpoint whose values to take (V1 or V2).
    ///   - template: An object-based checkpoint or a SavedModel directory.
    ///   - destination: The V2 prefix to write.
    ///   - rules: Renaming applied to the source keys before matching by full name.
    ///   - fillFromTemplate: Copy template tensors the source lacks from the template
    ///     (otherwise they are left out; the object graph is copied unchanged).
    ///   - strict: Fail when any template tensor or source key is unmatched.
    ///   - overwrite: Replace an existing destination.
    ///   - dryRun: Match only; write nothing.
    ///   - shards: Data files to write (1…99999).
    ///   - progress: Called after each tensor written.
    /// - Returns: The match report and what was written.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for a template that is not
    ///   object-based, a dtype or shape disagreement (both sides named), unmatched
    ///   tensors with `strict`; `exists`, `notFound`, damage codes.
    public static func toObject(source: String, template: String, destination: String, rules: KeyRules = KeyRules(),
                                fillFromTemplate: Bool = false, strict: Bool = false,
                                overwrite: Bool = false, dryRun: Bool = false, shards: Int = 1,
                                progress: Migration.Progress? = nil) throws -> ToObjectResult {
        let reader = try CheckpointReader(path: source)
        let target = try RemapTarget.template(template)
        let report = try MatchReport.match(reader, sourcePath: source, target: target, rules: rules)
        try report.checkAgreement()
        if strict, !report.missing.isEmpty || !report.unused.isEmpty {
            let what = (report.missing.prefix(3).map { "missing \($0.target.key)" } + report.unused.prefix(3).map { "unused \($0.source)" })
            throw MetaGraphKitError.invalidArgument(source, "--strict and \(report.missing.count) template tensor(s) unmatched, \(report.unused.count) source key(s) unused: \(what.joined(separator: ", "))")
        }
        let filled = fillFromTemplate ? report.missing.map(\.target.key) : []
        guard !dryRun, let templateReader = target.reader else {
            return ToObjectResult(report: report, destination: destination, filled: filled, written: nil)
        }
        let out = try RemapOutput(destination: destination, overwrite: overwrite, sources: [reader, templateReader], shards: shards,
                                  expected: 1 + report.matched.count + filled.count, progress: progress)
        try out.copy(templateReader, key: ObjectGraph.checkpointKey, as: ObjectGraph.checkpointKey)
        for p in report.matched { try out.copy(reader, key: p.source, as: p.target.key) }
        for key in filled { try out.copy(templateReader, key: key, as: key) }
        return ToObjectResult(report: report, destination: destination, filled: filled, written: try out.finish())
    }

    // MARK: - to-names

    /// Writes an object-based checkpoint's tensors under their TF1 names (each
    /// attribute's `full_name`), so a TF1 `Saver` over variables of those names
    /// restores it — `saver_from_object_based_checkpoint` as a file.
    ///
    /// Several attributes with one full name (eager variables all called
    /// `Variable`) get TF1's unique names in object graph order (`Variable`,
    /// `Variable_1`, …); attributes with an empty full name keep their key.
    ///
    /// - Parameters:
    ///   - source: An object-based checkpoint.
    ///   - destination: The V2 prefix to write.
    ///   - strict: Fail on shared full names instead of resolving them.
    ///   - keepObjectGraph: Also write `_CHECKPOINTABLE_OBJECT_GRAPH` (unchanged).
    ///   - overwrite: Replace an existing destination.
    ///   - dryRun: Plan only; write nothing.
    ///   - shards: Data files to write (1…99999).
    ///   - progress: Called after each tensor written.
    /// - Returns: The renaming and what was written.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for a name-based source, a
    ///   `strict` violation, or a new name that collides with a kept key.
    public static func toNames(source: String, destination: String, strict: Bool = false,
                               keepObjectGraph: Bool = false, overwrite: Bool = false,
                               dryRun: Bool = false, shards: Int = 1,
                               progress: Migration.Progress? = nil) throws -> ToNamesResult {
        let reader = try CheckpointReader(path: source)
        guard let graph = try reader.objectGraph() else {
            if let keras = try kerasToNames(reader, source: source, destination: destination, overwrite: overwrite,
                                            dryRun: dryRun, shards: shards, progress: progress) { return keras }
            throw MetaGraphKitError.invalidArgument(source, "not an object-based checkpoint (no \(ObjectGraph.checkpointKey)); its keys already are TF1 names")
        }
        let tensors = RemapTarget.tensors(of: graph, in: reader)
        let names = MatchReport.tf1UniqueNames(tensors.map(\.fullName))
        var renamed: [(from: String, to: String)] = []
        var claimed = Set<String>()
        var groups: [String: [(String, String)]] = [:]
        var order: [String] = []
        var empty: [String] = []
        for (t, name) in zip(tensors, names) where !claimed.contains(t.key) {
            claimed.insert(t.key)
            if name.isEmpty {
                empty.append(t.key)
                renamed.append((t.key, t.key))
                continue
            }
            if groups[t.fullName] == nil { order.append(t.fullName) }
            groups[t.fullName, default: []].append((t.key, name))
            renamed.append((t.key, name))
        }
        let duplicates = order.compactMap { n -> ToNamesResult.Duplicate? in
            let g = groups[n]!
            return g.count > 1 ? ToNamesResult.Duplicate(fullName: n, keys: g.map(\.0), names: g.map(\.1)) : nil
        }
        if strict, let d = duplicates.first {
            throw MetaGraphKitError.invalidArgument(source, "--strict and \(d.keys.count) attributes share the full name \(d.fullName): \(d.keys.joined(separator: ", "))")
        }
        let stray = reader.entries.map(\.key).filter { !claimed.contains($0) && $0 != ObjectGraph.checkpointKey }
        renamed += stray.map { ($0, $0) }
        if keepObjectGraph { renamed.append((ObjectGraph.checkpointKey, ObjectGraph.checkpointKey)) }
        var owner: [String: String] = [:]
        for (from, to) in renamed {
            if let other = owner[to] {
                throw MetaGraphKitError.invalidArgument(source, "\(other) and \(from) would both be written as \(to)")
            }
            owner[to] = from
        }
        let written = dryRun ? nil : try writeRenamed(reader, renamed, to: destination, overwrite: overwrite,
                                                      shards: shards, progress: progress)
        return ToNamesResult(source: source, destination: destination, renamed: renamed, duplicates: duplicates,
                             emptyFullName: empty, notInObjectGraph: stray, keptObjectGraph: keepObjectGraph, written: written)
    }
}
