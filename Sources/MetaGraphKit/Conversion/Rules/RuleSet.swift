// Rules as data: an ordered list of steps applied to a checkpoint's keys (and,
// for the value-changing steps, to their tensors). The JSON form is documented in
// Schemas/rules-v1.schema.json; `tfmeta ckpt rename/to-object/to-names --rules`
// and `--preset` read it.
import Foundation

/// One step of a ``RuleSet``.
///
/// Steps that only rename or drop keys are applied to names; the others record a
/// change of the tensor's value (transpose, reshape, cast, merge, split) that is
/// carried out, one tensor at a time, while the checkpoint is written.
public enum RuleStep: Sendable {
    /// Every match of `pattern` in the name is replaced by `replacement` (`$1` for group 1).
    case rename(KeyRule)
    /// Exact old name → new name. A name it renames is not renamed by later `rename` steps.
    case map([String: String])
    /// Names any of these patterns match are left out.
    case drop([KeyRule])
    /// Names none of these patterns match are left out.
    case keep([KeyRule])
    /// Tensors whose name matches (and whose rank is `rank`, when given) are transposed by `perm`.
    case transpose(KeyRule, perm: [Int], rank: Int?)
    /// Tensors whose name matches are given `shape` (one `-1` allowed); the element count must agree.
    case reshape(KeyRule, shape: [Int], rank: Int?)
    /// `NAME/part_N` keys become one tensor `NAME` joined along `axis` (inferred when nil);
    /// a tensor stored as slices is written whole.
    case mergePartitions(KeyRule?, axis: Int?)
    /// Tensors whose name matches are written as `parts` slices along `axis`, as
    /// TF1's `fixed_size_partitioner` saves a `PartitionedVariable`.
    case split(KeyRule, parts: Int, axis: Int)
    /// Each variable takes the value of its `NAME<suffix>` shadow, which is left out.
    case promoteEMA(suffix: String)
    /// Tensors of dtype `from` whose name matches become `to` (round to nearest even).
    case cast(KeyRule?, from: DType, to: DType)
    /// Optimizer slot names of one convention renamed to another (see ``RuleSlotFamilies``).
    case slots(optimizer: String, from: String, to: String, tf1Name: String?)

    /// The step's kind as the JSON spells it.
    public var kind: String {
        switch self {
        case .rename: "rename"
        case .map: "map"
        case .drop: "drop"
        case .keep: "keep"
        case .transpose: "transpose"
        case .reshape: "reshape"
        case .mergePartitions: "merge_partitions"
        case .split: "split"
        case .promoteEMA: "promote_ema"
        case .cast: "cast"
        case .slots: "slots"
        }
    }

    /// A one-line description for warnings and `rules show`.
    public var summary: String {
        switch self {
        case .rename(let r): "rename \(r.pattern) → \(r.replacement)"
        case .map(let m): "map (\(m.count) names)"
        case .drop(let p): "drop " + p.map(\.pattern).joined(separator: " | ")
        case .keep(let p): "keep " + p.map(\.pattern).joined(separator: " | ")
        case .transpose(let r, let perm, let rank): "transpose \(r.pattern) by \(perm)" + (rank.map { " (rank \($0))" } ?? "")
        case .reshape(let r, let shape, _): "reshape \(r.pattern) to \(shape)"
        case .mergePartitions(let r, let axis): "merge_partitions \(r?.pattern ?? "(all)")" + (axis.map { " along axis \($0)" } ?? "")
        case .split(let r, let parts, let axis): "split \(r.pattern) into \(parts) along axis \(axis)"
        case .promoteEMA(let s): "promote_ema \(s)"
        case .cast(let r, let from, let to): "cast \(r?.pattern ?? "(all)") \(from) → \(to)"
        case .slots(let o, let from, let to, _): "slots \(o) \(from) → \(to)"
        }
    }

    /// Whether the step only renames (so it applies to graph node names too).
    var renamesNodes: Bool {
        switch self {
        case .rename, .map, .slots: true
        default: false
        }
    }
}

/// An ordered list of ``RuleStep``s: what `--rules FILE`, `--preset NAME` and the
/// `--rule`/`--map`/`--drop` flags describe.
///
/// Steps are applied in order to every key, each to the previous step's result.
/// `merge_partitions` and `promote_ema` look at all names at that point (they join
/// or pair keys). A step that matches nothing is reported in the plan's
/// ``RulePlan/unmatched`` (and is an error under `strict`).
///
/// The JSON form (`Schemas/rules-v1.schema.json`):
///
/// ```json
/// {"$schema": "https://metagraphkit.dev/schemas/rules-v1.schema.json", "version": 1,
///  "description": "…",
///  "steps": [
///    {"rename": {"pattern": "^bert/", "replacement": "model/"}},
///    {"map": {"old/name": "new/name"}},
///    {"drop": ["/Adam(_1)?$", "^global_step$"]},
///    {"keep": "^model/"},
///    {"transpose": {"pattern": "kernel$", "perm": [1, 0], "rank": 2}},
///    {"reshape": {"pattern": "^w$", "shape": [6, -1]}},
///    {"merge_partitions": {"pattern": "^emb/", "axis": 0}},
///    {"split": {"pattern": "^emb$", "parts": 4, "axis": 0}},
///    {"promote_ema": {"suffix": "/ExponentialMovingAverage"}},
///    {"cast": {"from": "float32", "to": "bfloat16", "pattern": "kernel$"}},
///    {"slots": {"optimizer": "adam", "from": "tf1", "to": "slot_names"}}
///  ]}
/// ```
///
/// Each step may also carry a `"comment"` string. `drop` and `keep` take one
/// pattern or a list.
public struct RuleSet: Sendable {
    /// The steps, in order.
    public var steps: [RuleStep]
    /// Where each step came from (`--rule`, a file name, `preset drop-step`), for messages.
    public var origins: [String]
    /// The schema version this library reads and writes.
    public static let version = 1
    /// The `$schema` URL written into rules files.
    public static let schemaURL = "https://metagraphkit.dev/schemas/rules-v1.schema.json"

    /// No steps.
    public init() {
        steps = []
        origins = []
    }

    /// Steps given directly.
    ///
    /// - Parameters:
    ///   - steps: The steps.
    ///   - origin: Where they came from, for messages.
    public init(steps: [RuleStep], origin: String = "rules") {
        self.steps = steps
        origins = Array(repeating: origin, count: steps.count)
    }

    /// The steps of the `--drop`/`--map`/`--rule` flags: the drops (matched on the
    /// original keys), then the map, then the rules — the order ``KeyRules`` applies them.
    ///
    /// - Parameter rules: The flags' rules.
    public init(_ rules: KeyRules) {
        self.init()
        if !rules.drops.isEmpty { append(.drop(rules.drops), origin: "--drop") }
        if !rules.map.isEmpty { append(.map(rules.map), origin: "--map") }
        for r in rules.rules { append(.rename(r), origin: "--rule") }
    }

    /// Adds a step at the end.
    public mutating func append(_ step: RuleStep, origin: String) {
        steps.append(step)
        origins.append(origin)
    }

    /// Adds another set's steps at the end.
    public mutating func append(contentsOf other: RuleSet) {
        steps += other.steps
        origins += other.origins
    }

    /// Whether there are no steps.
    public var isEmpty: Bool { steps.isEmpty }

    /// Whether any step changes tensor values (transpose, reshape, merge, split, cast).
    public var changesValues: Bool {
        steps.contains {
            switch $0 {
            case .transpose, .reshape, .mergePartitions, .split, .cast: true
            default: false
            }
        }
    }

    // MARK: - Node names

    /// A graph node or variable name after the renaming steps only (`rename`, `map`,
    /// `slots`); drops and value steps do not apply to node names.
    ///
    /// - Parameter name: An op name (no `:N`, no `^`).
    /// - Returns: The new name.
    public func renameNode(_ name: String) -> String {
        var n = name
        var pinned = false
        for step in steps {
            switch step {
            case .rename(let r) where !pinned: n = r.apply(n)
            case .map(let m): if !pinned, let v = m[n] { n = v; pinned = true }
            case .slots(let o, let from, let to, let tf1): if !pinned, let v = RuleSlotFamilies.rename(n, optimizer: o, from: from, to: to, tf1Name: tf1) { n = v }
            default: break
            }
        }
        return n
    }
}
