// Matching a checkpoint's keys (after renaming rules) against what a target
// expects: the report `tfmeta ckpt match` prints and the converting commands
// print with --dry-run.

/// Which checkpoint key goes to which target tensor, and what is left over.
///
/// The JSON shape (``jsonValue``) is stable:
///
/// ```
/// {
///   "source": "SRC", "target": "T", "target_kind": "checkpoint" | "saved_model" | "meta_graph",
///   "counts": {"matched": n, "mismatched": n, "missing": n, "unused": n, "dropped": n},
///   "matched":    [{"source": KEY, "name": KEY_AFTER_RULES, "target": TARGET_KEY, "full_name": S,
///                   "dtype": "float32", "shape": [2, 3], "via": "full_name" | "tf1_unique_name" | "slot_convention" | "object_path" | "step_counter"}],
///   "mismatched": [{"source", "name", "target", "full_name",
///                   "source_dtype", "source_shape", "target_dtype", "target_shape" ([Int] or null)}],
///   "missing":    [{"target", "full_name", "dtype", "shape" ([Int] or null),
///                   "suggestion": null | {"source", "name", "dtype", "shape"}}],
///   "unused":     [{"source", "name", "dtype", "shape",
///                   "suggestion": null | {"target", "full_name", "dtype", "shape"}}],
///   "dropped":    [KEY, ...]
/// }
/// ```
///
/// `missing` are tensors the target expects that the checkpoint lacks; `unused` are
/// checkpoint keys nothing takes (the object graph key is never listed). A
/// `suggestion` is the most likely counterpart among the other side's leftovers:
/// same dtype and shape, nearest name by edit distance on `/`-separated components
/// (ties: character edit distance, then name order). For a meta graph target,
/// `target` and `full_name` are both the variable's name.
public struct MatchReport: Sendable, JSONReportable {
    /// How a checkpoint key was paired with a target tensor; the raw value is the
    /// `via` of the JSON report.
    public enum Via: String, Sendable, Hashable, CustomStringConvertible {
        /// The key (after the rules) is the tensor's full name.
        case fullName = "full_name"
        /// The key is the TF1 unique name of a full name several tensors share
        /// (`Variable`, `Variable_1`, …).
        case tf1UniqueName = "tf1_unique_name"
        /// The key is a TF1 optimizer's name for the tensor's slot (`w/Adam`, `w/Adam_1`).
        case slotConvention = "slot_convention"
        /// The key is the tensor's object path, for full names several objects share.
        case objectPath = "object_path"
        /// The key is TF1's step counter (`global_step`) for the optimizer's iterations.
        case stepCounter = "step_counter"

        /// The raw value.
        public var description: String { rawValue }
    }

    /// A checkpoint key and the target tensor it fills.
    public struct Pair: Sendable, Equatable {
        /// The source key.
        public let source: String
        /// The source key after the rules (the name it was matched by).
        public let name: String
        /// The target tensor.
        public let target: RemapTargetTensor
        /// How the two were paired.
        public let via: Via
        /// The source's dtype.
        public let dtype: DType
        /// The source's shape.
        public let shape: [Int]
    }

    /// A checkpoint key nothing uses.
    public struct Unused: Sendable, Equatable {
        /// The key.
        public let source: String
        /// The key after the rules.
        public let name: String
        /// Its dtype.
        public let dtype: DType
        /// Its shape.
        public let shape: [Int]
        /// The most likely target tensor, if any is left with the same dtype and shape.
        public let suggestion: RemapTargetTensor?
    }

    /// A target tensor the checkpoint lacks, with the most likely unused key.
    public struct Missing: Sendable, Equatable {
        /// The target tensor.
        public let target: RemapTargetTensor
        /// The most likely source key, if any.
        public let suggestion: Suggestion?

        /// An unused source key that likely fills the missing tensor.
        public struct Suggestion: Sendable, Hashable {
            /// The key as stored.
            public let source: String
            /// The key after the rules.
            public let name: String
        }
    }

    /// The source as given.
    public let source: String
    /// The target as given.
    public let target: String
    /// What the target is.
    public let targetKind: RemapTarget.Kind
    /// Pairs whose dtype and shape agree, in target order.
    public let matched: [Pair]
    /// Pairs whose dtype or shape disagree.
    public let mismatched: [Pair]
    /// Target tensors without a source, in target order.
    public let missing: [Missing]
    /// Source keys without a target, in key order.
    public let unused: [Unused]
    /// Source keys a `--drop` pattern removed.
    public let dropped: [String]

    // MARK: - Matching

    /// Matches a checkpoint against a target.
    ///
    /// Each target tensor, in order, takes the first of these names the renamed
    /// checkpoint has and no earlier tensor took: its full name; for the second,
    /// third … tensor of one full name, the TF1 unique name (`Variable_1`, …); for an
    /// optimizer slot or Keras 3 optimizer variable, the names of
    /// ``SlotConventions``.
    ///
    /// - Parameters:
    ///   - reader: The source checkpoint.
    ///   - sourcePath: The source as the user named it, for the report and messages
    ///     (default: the reader's resolved prefix).
    ///   - target: What to match it against.
    ///   - rules: Renaming applied to the source keys first.
    /// - Returns: The report.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when two keys are renamed onto one.
    public static func match(_ reader: CheckpointReader, sourcePath: String? = nil, target: RemapTarget,
                             rules: KeyRules = KeyRules()) throws -> MatchReport {
        try match(reader, sourcePath: sourcePath, target: target, ruleSet: RuleSet(rules))
    }

    /// Matches a checkpoint against a target after a ``RuleSet``: each source tensor
    /// is matched under its name, dtype and shape after the steps (merged parts as
    /// one tensor; `source` is the first source key).
    ///
    /// - Parameters:
    ///   - reader: The source checkpoint.
    ///   - sourcePath: The source as the user named it.
    ///   - target: What to match it against.
    ///   - ruleSet: The steps applied to the source keys first.
    ///   - strict: Fail when a step matches nothing.
    /// - Returns: The report.
    /// - Throws: ``MetaGraphKitError`` as ``RuleSet/plan(_:file:strict:)``.
    public static func match(_ reader: CheckpointReader, sourcePath: String? = nil, target: RemapTarget,
                             ruleSet: RuleSet, strict: Bool = false) throws -> MatchReport {
        try match(reader, sourcePath: sourcePath, target: target,
                  plan: ruleSet.plan(reader.entries.filter { $0.key != ObjectGraph.checkpointKey },
                                     file: sourcePath ?? reader.prefix, strict: strict))
    }

    static func match(_ reader: CheckpointReader, sourcePath: String? = nil, target: RemapTarget,
                      plan rulePlan: RulePlan) throws -> MatchReport {
        let plan = (kept: rulePlan.tensors.map { (from: $0.sources[0], to: $0.name) }, dropped: rulePlan.dropped)
        let byKey = Dictionary(rulePlan.tensors.map { ($0.sources[0], TensorEntry(key: $0.sources[0], dtype: $0.dtype, shape: $0.shape, slices: [])) },
                               uniquingKeysWith: { a, _ in a })
        var byName: [String: (from: String, entry: TensorEntry)] = [:]
        for (from, to) in plan.kept { byName[to] = (from, byKey[from]!) }

        let unique = tf1UniqueNames(target.tensors.map(\.fullName))
        var flat: [String: String] = [:]
        for t in target.tensors where t.slot == nil && !t.fullName.isEmpty {
            let key = String(t.fullName.map { $0 == "/" ? "_" : $0 })
            if flat[key] == nil { flat[key] = t.fullName }
        }
        // Keras 3 gives two layers' variables one full_name (`net/kernel`): those go
        // by object path, and its optimizer names slots after the variable's path.
        let collided = KerasTemplateNames.collidedFullNames(target.tensors)
        for (k, v) in KerasTemplateNames.flattenedPaths(target.tensors) where flat[k] == nil || collided.contains(flat[k]!) {
            flat[k] = v
        }
        var claimed = Set<String>()
        var matched: [Pair] = [], mismatched: [Pair] = [], missingTargets: [RemapTargetTensor] = []
        for (t, name) in zip(target.tensors, unique) {
            var candidates: [(String, Via)] = []
            let byPath = t.slot == nil ? KerasTemplateNames.objectPathNames(t.key) : []
            if collided.contains(t.fullName) { candidates += byPath.map { ($0, Via.objectPath) } }
            if !name.isEmpty { candidates.append((name, name == t.fullName ? .fullName : .tf1UniqueName)) }
            if let counter = KerasTemplateNames.stepCounterSource(t) { candidates.append((counter, .stepCounter)) }
            if let slot = t.slot {
                candidates += SlotConventions.tf1Names(variable: slot.variable, slot: slot.name, siblings: slot.siblings)
                    .map { ($0, Via.slotConvention) }
            } else if !t.fullName.isEmpty {
                candidates += SlotConventions.keras3TF1Names(fullName: t.fullName, variables: flat).map { ($0, Via.slotConvention) }
            }
            guard let (c, via) = candidates.first(where: { byName[$0.0] != nil && !claimed.contains($0.0) }),
                  let src = byName[c] else {
                missingTargets.append(t)
                continue
            }
            claimed.insert(c)
            let pair = Pair(source: src.from, name: c, target: t, via: via, dtype: src.entry.dtype, shape: src.entry.shape)
            if agree(src.entry, t) { matched.append(pair) } else { mismatched.append(pair) }
        }
        let leftovers = plan.kept.filter { !claimed.contains($0.to) }.map { (from: $0.from, name: $0.to, entry: byKey[$0.from]!) }
        let missing = missingTargets.map { t in
            let best = nearest(t.fullName.isEmpty ? t.key : t.fullName,
                               among: leftovers.filter { agree($0.entry, t) && KerasTemplateNames.plausible($0.name, t) }, name: \.name)
            return Missing(target: t, suggestion: best.map { Missing.Suggestion(source: $0.from, name: $0.name) })
        }
        let unused = leftovers.map { s in
            Unused(source: s.from, name: s.name, dtype: s.entry.dtype, shape: s.entry.shape,
                   suggestion: nearest(s.name, among: missingTargets.filter { agree(s.entry, $0) && KerasTemplateNames.plausible(s.name, $0) },
                                       name: { $0.fullName.isEmpty ? $0.key : $0.fullName }))
        }
        return MatchReport(source: sourcePath ?? reader.prefix, target: target.path, targetKind: target.kind,
                           matched: matched, mismatched: mismatched, missing: missing, unused: unused, dropped: plan.dropped)
    }

    /// Whether a checkpoint tensor fits a target tensor: same dtype (an unknown target
    /// dtype fits any) and shape (unknown target dimensions fit any size).
    static func agree(_ e: TensorEntry, _ t: RemapTargetTensor) -> Bool {
        guard t.dtype == .invalid || e.dtype.base == t.dtype.base else { return false }
        guard let shape = t.shape else { return true }
        return shape.count == e.shape.count && zip(shape, e.shape).allSatisfy { $0 < 0 || $0 == $1 }
    }

    /// Names made unique the way TF1 graph building does: the second `Variable`
    /// becomes `Variable_1`, skipping names that exist in the list anyway. Empty
    /// names stay empty.
    ///
    /// - Parameter names: Full names in object graph order.
    /// - Returns: One unique name per input.
    public static func tf1UniqueNames(_ names: [String]) -> [String] {
        let all = Set(names)
        var used = Set<String>()
        var next: [String: Int] = [:]
        return names.map { n in
            guard !n.isEmpty else { return "" }
            if used.insert(n).inserted { return n }
            var i = next[n, default: 1]
            while used.contains("\(n)_\(i)") || all.contains("\(n)_\(i)") { i += 1 }
            next[n] = i + 1
            used.insert("\(n)_\(i)")
            return "\(n)_\(i)"
        }
    }

    // MARK: - Suggestions

    /// The item whose name is nearest to `name` (component edit distance, then
    /// character edit distance, then name order).
    static func nearest<T>(_ name: String, among items: [T], name key: (T) -> String) -> T? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var best: (T, Int, Int, String)?
        for item in items {
            let other = key(item)
            let d = editDistance(parts, other.split(separator: "/", omittingEmptySubsequences: false).map(String.init))
            if let b = best, b.1 < d { continue }
            let c = editDistance(Array(name.unicodeScalars), Array(other.unicodeScalars))
            if let b = best, (b.1, b.2, b.3) <= (d, c, other) { continue }
            best = (item, d, c, other)
        }
        return best?.0
    }

    /// Levenshtein distance between two sequences.
    static func editDistance<E: Equatable>(_ a: [E], _ b: [E]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = prev
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    // MARK: - Checks

    /// Throws when any matched pair disagrees in dtype or shape.
    ///
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` naming both sides of the first.
    public func checkAgreement() throws {
        guard let p = mismatched.first else { return }
        let more = mismatched.count > 1 ? " (and \(mismatched.count - 1) more)" : ""
        throw MetaGraphKitError(.invalidArgument,
            "\(source): \(p.source) is \(p.dtype) \(p.shape) but \(target) expects \(p.target.key) as \(p.target.dtype) \(p.target.shape.map { "\($0)" } ?? "(any shape)")\(more)")
    }
}
