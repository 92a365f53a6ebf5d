// Applying a RuleSet to a checkpoint's keys: which tensors are written, under which
// names, from which source keys, with which value changes. Nothing is read but the
// index; the values change only when RulePlan+Write copies them.
import Foundation

/// A change of a tensor's value, carried out while it is written.
public enum ValueTransform: Sendable, Equatable {
    /// Axes permuted: output axis i is input axis `perm[i]` (numpy's `transpose`).
    case transpose([Int])
    /// New dimensions, same element order.
    case reshape([Int])
    /// Elements converted to another floating-point type, rounding to nearest even.
    case cast(DType)
}

/// One tensor a ``RuleSet`` writes.
public struct PlannedTensor: Sendable {
    /// The name it is written under.
    public var name: String
    /// The source keys whose values it takes: one, or the parts joined along ``mergeAxis``.
    public var sources: [String]
    /// The dtype written (after casts).
    public var dtype: DType
    /// The full shape written (after merges, transposes and reshapes).
    public var shape: [Int]
    /// The axis the parts are joined along when ``sources`` has several.
    public var mergeAxis: Int?
    /// Whether a source stored as slices is written whole.
    public var mergeSlices = false
    /// Value changes, in order.
    public var transforms: [ValueTransform] = []
    /// Written as this many slices along an axis.
    public var split: (parts: Int, axis: Int)?
    /// A `map` entry named it; later `rename` steps leave it alone.
    var pinned = false

    /// Whether the values are copied as stored (no value change, no merge or split).
    public var copiedAsStored: Bool {
        sources.count == 1 && !mergeSlices && transforms.isEmpty && split == nil
    }
}

/// What a ``RuleSet`` does to a checkpoint's keys.
public struct RulePlan: Sendable {
    /// The tensors to write, in source key order (merged parts at their first part).
    public var tensors: [PlannedTensor]
    /// Source keys left out (drop, keep, promoted shadows).
    public var dropped: [String]
    /// Steps (and `map` entries) that matched nothing: "step 3 (rename …, from rules.json) matched nothing".
    public var unmatched: [String]
    /// Variables that took their EMA shadow's value (variable name, shadow key).
    public var promoted: [(variable: String, shadow: String)]

    /// (original, new) pairs of tensors copied from one key (for reports and the meta graph).
    public var renamed: [(from: String, to: String)] {
        tensors.compactMap { $0.sources.count == 1 ? ($0.sources[0], $0.name) : nil }
    }
}

extension RuleSet {
    /// Plans the steps over a checkpoint's tensors.
    ///
    /// - Parameters:
    ///   - entries: The checkpoint's tensors (the object graph entry left out by the caller).
    ///   - file: The checkpoint, for messages.
    ///   - strict: Fail when a step or `map` entry matches nothing.
    /// - Returns: The plan.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for two tensors on one name
    ///   (both named), a name renamed to the empty string, a permutation or shape that
    ///   does not fit a tensor, parts that do not join, or (`strict`) an unmatched step.
    public func plan(_ entries: [TensorEntry], file: String, strict: Bool = false) throws -> RulePlan {
        var items = entries.map { PlannedTensor(name: $0.key, sources: [$0.key], dtype: $0.dtype, shape: $0.shape) }
        let slicedKeys = Set(entries.filter { !($0.slices.isEmpty || ($0.slices.count == 1 && $0.slices[0].isFull)) }.map(\.key))
        var dropped: [String] = []
        var unmatched: [String] = []
        var promoted: [(String, String)] = []
        var missed: [Int: String] = [:]
        for (index, step) in steps.enumerated() {
            let label = self.label(ofStep: index)
            var hits = 0
            switch step {
            case .rename(let r):
                for i in items.indices where !items[i].pinned && r.matches(items[i].name) {
                    items[i].name = r.apply(items[i].name)
                    hits += 1
                }
            case .map(let m):
                var used = Set<String>()
                for i in items.indices where !items[i].pinned {
                    if let v = m[items[i].name] {
                        used.insert(items[i].name)
                        items[i].name = v
                        items[i].pinned = true
                    }
                }
                for k in m.keys.sorted() where !used.contains(k) {
                    unmatched.append("\(origins[index]): map entry \"\(k)\" matched nothing")
                }
                hits = 1   // unused entries are reported one by one above
            case .drop(let patterns):
                items.removeAll { t in
                    guard patterns.contains(where: { $0.matches(t.name) }) else { return false }
                    dropped += t.sources
                    hits += 1
                    return true
                }
            case .keep(let patterns):
                items.removeAll { t in
                    guard !patterns.contains(where: { $0.matches(t.name) }) else { hits += 1; return false }
                    dropped += t.sources
                    return true
                }
            case .transpose(let r, let perm, let rank):
                for i in items.indices where r.matches(items[i].name) && (rank == nil || items[i].shape.count == rank) {
                    guard perm.count == items[i].shape.count, Set(perm) == Set(0..<perm.count) else {
                        throw MetaGraphKitError(.invalidArgument,
                            "\(file): \(label): \(items[i].sources[0]) has shape \(items[i].shape); \(perm) is not a permutation of its \(items[i].shape.count) axes")
                    }
                    items[i].transforms.append(.transpose(perm))
                    items[i].shape = perm.map { items[i].shape[$0] }
                    hits += 1
                }
            case .reshape(let r, let shape, let rank):
                for i in items.indices where r.matches(items[i].name) && (rank == nil || items[i].shape.count == rank) {
                    let new = try Self.resolve(shape, count: items[i].shape.reduce(1, *),
                                               what: "\(file): \(label): \(items[i].sources[0]) of shape \(items[i].shape)")
                    items[i].transforms.append(.reshape(new))
                    items[i].shape = new
                    hits += 1
                }
            case .mergePartitions(let r, let axis):
                hits = try Self.merge(&items, slicedKeys: slicedKeys, pattern: r, axis: axis, label: "\(file): \(label)")
            case .split(let r, let parts, let axis):
                for i in items.indices where r.matches(items[i].name) {
                    let shape = items[i].shape
                    guard parts >= 1, axis >= 0, axis < shape.count, shape[axis] >= parts else {
                        throw MetaGraphKitError(.invalidArgument,
                            "\(file): \(label): \(items[i].name) has shape \(shape); cannot split axis \(axis) into \(parts) parts")
                    }
                    guard items[i].dtype.elementSize != nil else {
                        throw MetaGraphKitError.unsupported(file, "\(label): \(items[i].name) is \(items[i].dtype); only fixed-size tensors are split")
                    }
                    items[i].split = (parts, axis)
                    hits += 1
                }
            case .promoteEMA(let suffix):
                var byName: [String: Int] = [:]
                for (i, t) in items.enumerated() { byName[t.name] = i }
                var remove = Set<Int>()
                for (i, t) in items.enumerated() where t.name.hasSuffix(suffix) && t.name.count > suffix.count {
                    let base = String(t.name.dropLast(suffix.count))
                    if let j = byName[base] {
                        guard items[j].dtype == t.dtype, items[j].shape == t.shape else {
                            throw MetaGraphKitError(.invalidArgument,
                                "\(file): \(label): \(base) is \(items[j].dtype) \(items[j].shape) but its shadow \(t.name) is \(t.dtype) \(t.shape)")
                        }
                        dropped += items[j].sources
                        var shadow = t
                        shadow.name = base
                        items[j] = shadow
                        remove.insert(i)
                    } else {
                        items[i].name = base
                    }
                    promoted.append((base, t.sources[0]))
                    hits += 1
                }
                items = items.enumerated().filter { !remove.contains($0.offset) }.map(\.element)
            case .cast(let r, let from, let to):
                for i in items.indices where items[i].dtype == from && (r?.matches(items[i].name) ?? true) {
                    items[i].transforms.append(.cast(to))
                    items[i].dtype = to
                    hits += 1
                }
            case .slots(let o, let from, let to, let tf1):
                for i in items.indices where !items[i].pinned {
                    if let v = RuleSlotFamilies.rename(items[i].name, optimizer: o, from: from, to: to, tf1Name: tf1) {
                        items[i].name = v
                        hits += 1
                    }
                }
            }
            if hits == 0 { missed[index] = "\(label) matched nothing" }
        }
        unmatched += unmatchedSteps(missed)
        try Self.checkStrict(unmatched, file: file, strict: strict)
        var owner: [String: String] = [:]
        owner.reserveCapacity(items.count)
        for t in items {
            guard !t.name.isEmpty else { throw Self.emptyName(file: file, source: t.sources[0]) }
            if let other = owner[t.name] {
                throw Self.sameName(file: file, first: other, second: t.sources[0], name: t.name)
            }
            owner[t.name] = t.sources[0]
        }
        return RulePlan(tensors: items, dropped: dropped, unmatched: unmatched, promoted: promoted)
    }

    /// The lines for steps that matched nothing (`missed`, by step index) in step
    /// order; a preset is one rule to the user, reported only when none of its
    /// steps matched.
    func unmatchedSteps(_ missed: [Int: String]) -> [String] {
        var out: [String] = []
        var reportedPresets = Set<String>()
        for index in steps.indices {
            guard let line = missed[index] else { continue }
            let origin = origins[index]
            guard origin.hasPrefix("preset ") else { out.append(line); continue }
            let all = steps.indices.filter { origins[$0] == origin }
            if all.allSatisfy({ missed[$0] != nil }), reportedPresets.insert(origin).inserted {
                out.append("\(origin) matched nothing")
            }
        }
        return out
    }

    /// The label of step `index` in messages: `step 3 (rename …, from rules.json)`.
    func label(ofStep index: Int) -> String { "step \(index + 1) (\(steps[index].summary), from \(origins[index]))" }

    /// Throws under `strict` when anything matched nothing.
    static func checkStrict(_ unmatched: [String], file: String, strict: Bool) throws {
        if strict, let first = unmatched.first {
            let more = unmatched.count > 1 ? " (and \(unmatched.count - 1) more)" : ""
            throw MetaGraphKitError.invalidArgument(file, "--strict and \(first)\(more)")
        }
    }

    /// A tensor renamed to the empty string.
    static func emptyName(file: String, source: String) -> MetaGraphKitError {
        MetaGraphKitError.invalidArgument(file, "\(source) would be renamed to the empty string")
    }

    /// Two tensors renamed to one name, the first one planned named first.
    static func sameName(file: String, first: String, second: String, name: String) -> MetaGraphKitError {
        MetaGraphKitError(.invalidArgument,
            "\(file): \(first) and \(second) would both be renamed to \(name); add a rule, a --map entry or a --drop")
    }

    /// A shape with at most one `-1` resolved against an element count.
    static func resolve(_ shape: [Int], count: Int, what: String) throws -> [Int] {
        let unknown = shape.indices.filter { shape[$0] == -1 }
        guard unknown.count <= 1, shape.allSatisfy({ $0 >= -1 }) else {
            throw MetaGraphKitError(.invalidArgument, "\(what): \(shape) may hold one -1 and no other negative size")
        }
        var known = 1
        for d in shape where d >= 0 {
            let (m, overflow) = known.multipliedReportingOverflow(by: d)
            guard !overflow else { throw MetaGraphKitError(.invalidArgument, "\(what): \(shape) is too large") }
            known = m
        }
        var out = shape
        if let u = unknown.first {
            guard known > 0, count % known == 0 else {
                throw MetaGraphKitError(.invalidArgument, "\(what): \(count) elements do not fit \(shape)")
            }
            out[u] = count / known
        }
        guard unknown.isEmpty ? known == count : out[unknown[0]] * known == count else {
            throw MetaGraphKitError(.invalidArgument, "\(what): \(count) elements do not fit \(shape)")
        }
        return out
    }

    /// Joins `NAME/part_N` items into `NAME`, and marks sliced sources to be written whole.
    static func merge(_ items: inout [PlannedTensor], slicedKeys: Set<String>, pattern: KeyRule?,
                      axis: Int?, label: String) throws -> Int {
        var hits = 0
        var groups: [String: [(part: Int, index: Int)]] = [:]
        var order: [String] = []
        for (i, t) in items.enumerated() {
            guard pattern?.matches(t.name) ?? true else { continue }
            if t.sources.count == 1, slicedKeys.contains(t.sources[0]) {
                items[i].mergeSlices = true
                hits += 1
            }
            guard let r = t.name.range(of: "/part_", options: .backwards),
                  let n = Int(t.name[r.upperBound...]), n >= 0, String(n) == t.name[r.upperBound...] else { continue }
            let base = String(t.name[..<r.lowerBound])
            if groups[base] == nil { order.append(base) }
            groups[base, default: []].append((n, i))
        }
        var remove = Set<Int>()
        for base in order {
            let parts = groups[base]!.sorted { $0.part < $1.part }
            guard parts.map(\.part) == Array(0..<parts.count) else {
                throw MetaGraphKitError(.invalidArgument,
                    "\(label): \(base) has parts \(parts.map(\.part)); expected part_0 … part_\(parts.count - 1)")
            }
            let first = items[parts[0].index]
            let shapes = parts.map { items[$0.index].shape }
            guard parts.allSatisfy({ items[$0.index].dtype == first.dtype }), shapes.allSatisfy({ $0.count == first.shape.count }),
                  !first.shape.isEmpty else {
                throw MetaGraphKitError(.invalidArgument,
                    "\(label): the parts of \(base) differ in dtype or rank, or are scalars: \(shapes)")
            }
            let differing = (0..<first.shape.count).filter { d in shapes.contains { $0[d] != first.shape[d] } }
            let along: Int
            if let axis {
                along = axis
            } else if differing.count <= 1 {
                along = differing.first ?? 0
            } else {
                throw MetaGraphKitError(.invalidArgument, "\(label): the parts of \(base) differ in several axes: \(shapes)")
            }
            guard along >= 0, along < first.shape.count, differing.allSatisfy({ $0 == along }) else {
                throw MetaGraphKitError(.invalidArgument, "\(label): the parts of \(base) do not join along axis \(along): \(shapes)")
            }
            var merged = first
            merged.name = base
            merged.sources = parts.flatMap { items[$0.index].sources }
            merged.shape[along] = shapes.reduce(0) { $0 + $1[along] }
            merged.mergeAxis = along
            guard parts.allSatisfy({ items[$0.index].transforms.isEmpty && items[$0.index].sources.count == 1 }) else {
                throw MetaGraphKitError(.invalidArgument, "\(label): merge the parts of \(base) before transposing, reshaping or casting them")
            }
            merged.mergeSlices = true
            items[parts[0].index] = merged
            for p in parts.dropFirst() { remove.insert(p.index) }
            hits += 1
        }
        items = items.enumerated().filter { !remove.contains($0.offset) }.map(\.element)
        return hits
    }
}
