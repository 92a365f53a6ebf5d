// The (old key, new name) pairs of a rename, as a collection. A rename planned
// from a V2 index keeps them flat (the index's key arena and one arena of new
// names) and makes each pair's Strings only when it is read, so a rename of
// 100,000 keys holds no 200,000 Strings to report what it did.

/// Every kept key and its new name, in key order: `(from, to)` pairs, unchanged
/// names included.
public struct RenamedKeys: RandomAccessCollection, Sendable {
    public typealias Element = (from: String, to: String)

    private enum Storage: Sendable {
        case pairs([(from: String, to: String)])
        case compact(CompactRulePlan)
    }

    private let storage: Storage
    private var appended: [(from: String, to: String)] = []

    /// The pairs as given.
    public init(_ pairs: [(from: String, to: String)]) { storage = .pairs(pairs) }

    /// The pairs of a plan made from a V2 index, made on access.
    init(_ plan: CompactRulePlan) { storage = .compact(plan) }

    private var stored: Int {
        switch storage {
        case .pairs(let p): p.count
        case .compact(let plan): plan.count
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { stored + appended.count }

    public subscript(position: Int) -> (from: String, to: String) {
        precondition(position >= 0 && position < endIndex, "RenamedKeys index out of range")
        if position >= stored { return appended[position - stored] }
        switch storage {
        case .pairs(let p): return p[position]
        case .compact(let plan): return (plan.source(position), plan.name(position))
        }
    }

    /// Whether pair `position` keeps its name (compared without making its Strings
    /// when the pairs are flat).
    public func keepsName(_ position: Int) -> Bool {
        if position < stored, case .compact(let plan) = storage { return plan.keepsName(position) }
        let pair = self[position]
        return pair.from == pair.to
    }

    /// Adds a pair at the end (the object graph entry, kept as it is).
    mutating func append(_ pair: (from: String, to: String)) { appended.append(pair) }
}
