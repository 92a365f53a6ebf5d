// A plan whose steps only name (rename, map, drop, keep, slots), made straight
// from a V2 bundle's compact index: one pass over the keys applies every step to
// each key in turn (a key's new name depends only on its own name), and the new
// names go to one arena. No listing, no PlannedTensor and no dictionary per key,
// so renaming 100,000 keys stays within a few MB beyond the index. Its results
// (names, drops and their order, unmatched steps, the first clash and its
// message) are ``RuleSet/plan(_:file:strict:)``'s; RulePlanCompactTests compares
// the two.

/// The outcome of name-only steps over a V2 index, held flat.
struct CompactRulePlan: Sendable {
    /// The source's decoded index.
    let index: CompactBundleIndex
    /// Index positions of the tensors written, in source (index) order.
    fileprivate(set) var positions: [Int32] = []
    /// Their new names, one after another.
    fileprivate(set) var names: [UInt8] = []
    /// Where each new name ends in ``names``.
    fileprivate(set) var nameEnds: [Int] = []
    /// Index positions of the tensors left out, in the order ``RulePlan/dropped`` lists them.
    fileprivate(set) var dropped: [Int32] = []
    /// Steps and `map` entries that matched nothing.
    fileprivate(set) var unmatched: [String] = []

    /// The number of tensors written.
    var count: Int { positions.count }

    /// Lends the bytes of new name `n`.
    func withName<R>(_ n: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try names.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[(n == 0 ? 0 : nameEnds[n - 1])..<nameEnds[n]]))
        }
    }

    /// New name `n`.
    func name(_ n: Int) -> String { withName(n) { String(decoding: $0, as: UTF8.self) } }

    /// Source key of tensor `n`.
    func source(_ n: Int) -> String { index.displayKey(Int(positions[n])) }

    /// Whether tensor `n` keeps its key.
    func keepsName(_ n: Int) -> Bool {
        withName(n) { name in index.withKey(Int(positions[n])) { Block.compare($0, name) == 0 } }
    }

    /// The first tensor whose new name is `name`, if any.
    func first(named name: String) -> Int? {
        let bytes = Array(name.utf8)
        return bytes.withUnsafeBytes { target in (0..<count).first { withName($0) { Block.compare($0, target) == 0 } } }
    }

    /// Every kept key and its new name, in key order (made on access).
    var renamed: RenamedKeys { RenamedKeys(self) }

    /// The keys left out, in order.
    var droppedKeys: [String] { dropped.map { index.displayKey(Int($0)) } }
}

extension RuleSet {
    /// Whether every step only renames or leaves keys out: rename, map, drop, keep, slots.
    var onlyNames: Bool {
        steps.allSatisfy {
            switch $0 {
            case .rename, .map, .drop, .keep, .slots: true
            case .transpose, .reshape, .mergePartitions, .split, .promoteEMA, .cast: false
            }
        }
    }

    /// ``plan(_:file:strict:)`` over every key of a decoded V2 index but `excluded`,
    /// held flat; nil when the flat form does not apply: a step that is not
    /// ``onlyNames``, an index that is unsorted or has partitioned tensors, or a
    /// key or new name that is not ASCII (whose String equality is not byte equality).
    ///
    /// - Throws: as ``plan(_:file:strict:)``, with the same messages.
    func compactPlan(_ index: CompactBundleIndex, excluding excluded: String, file: String,
                     strict: Bool) throws -> CompactRulePlan? {
        guard onlyNames, index.isSorted, !index.hasSlices, !index.keyBytes.contains(where: { $0 >= 0x80 }) else { return nil }
        var plan = CompactRulePlan(index: index)
        plan.positions.reserveCapacity(index.count)
        plan.nameEnds.reserveCapacity(index.count)
        plan.names.reserveCapacity(index.keyBytes.count)
        let excludedBytes = Array(excluded.utf8)
        var hits = [Int](repeating: 0, count: steps.count)
        var usedMapKeys = [Set<String>](repeating: [], count: steps.count)
        var droppedAt: [(step: Int, position: Int32)] = []
        for i in 0..<index.count {
            if index.withKey(i, { Block.compare($0, excludedBytes) == 0 }) { continue }
            var name = index.displayKey(i)
            var pinned = false
            var droppedBy: Int?
            for (s, step) in steps.enumerated() {
                switch step {
                case .rename(let r):
                    if !pinned, r.matches(name) {
                        name = r.apply(name)
                        hits[s] += 1
                    }
                case .map(let m):
                    if !pinned, let v = m[name] {
                        usedMapKeys[s].insert(name)
                        name = v
                        pinned = true
                    }
                case .drop(let patterns):
                    if patterns.contains(where: { $0.matches(name) }) {
                        hits[s] += 1
                        droppedBy = s
                    }
                case .keep(let patterns):
                    if patterns.contains(where: { $0.matches(name) }) { hits[s] += 1 } else { droppedBy = s }
                case .slots(let o, let from, let to, let tf1):
                    if !pinned, let v = RuleSlotFamilies.rename(name, optimizer: o, from: from, to: to, tf1Name: tf1) {
                        name = v
                        hits[s] += 1
                    }
                case .transpose, .reshape, .mergePartitions, .split, .promoteEMA, .cast:
                    return nil
                }
                if droppedBy != nil { break }
            }
            if let s = droppedBy {
                droppedAt.append((s, Int32(i)))
                continue
            }
            plan.positions.append(Int32(i))
            plan.names.append(contentsOf: name.utf8)
            plan.nameEnds.append(plan.names.count)
        }
        guard !plan.names.contains(where: { $0 >= 0x80 }) else { return nil }
        // Step by step, as the general plan drops them: by step, then in key order.
        droppedAt.sort { $0.step != $1.step ? $0.step < $1.step : $0.position < $1.position }
        plan.dropped = droppedAt.map(\.position)
        // Unused map entries when their step runs, then the steps that matched nothing.
        var missed: [Int: String] = [:]
        for (s, step) in steps.enumerated() {
            if case .map(let m) = step {
                for k in m.keys.sorted() where !usedMapKeys[s].contains(k) {
                    plan.unmatched.append("\(origins[s]): map entry \"\(k)\" matched nothing")
                }
            } else if hits[s] == 0 {
                missed[s] = "\(label(ofStep: s)) matched nothing"
            }
        }
        plan.unmatched += unmatchedSteps(missed)
        try Self.checkStrict(plan.unmatched, file: file, strict: strict)
        if let (n, first) = plan.firstClash() {
            guard let first else { throw Self.emptyName(file: file, source: plan.source(n)) }
            throw Self.sameName(file: file, first: plan.source(first), second: plan.source(n), name: plan.name(n))
        }
        return plan
    }
}

extension CompactRulePlan {
    /// The first tensor (in order) whose new name is empty or an earlier one's,
    /// with that earlier tensor (nil for an empty name): where
    /// ``RuleSet/plan(_:file:strict:)`` stops.
    func firstClash() -> (Int, Int?)? {
        let empty = (0..<count).first { n in withName(n) { $0.isEmpty } }
        // New names in increasing order (a rename that keeps the order) cannot repeat.
        let increasing = (1..<max(count, 1)).allSatisfy { n in
            withName(n - 1) { a in withName(n) { b in Block.compare(a, b) < 0 } }
        }
        var clash: (Int, Int?)?
        if !increasing {
            var order = Array(0..<count)
            order.sort { a, b in
                let c = withName(a) { x in withName(b) { y in Block.compare(x, y) } }
                return c != 0 ? c < 0 : a < b
            }
            func same(_ a: Int, _ b: Int) -> Bool {
                withName(a) { x in withName(b) { y in Block.compare(x, y) == 0 } }
            }
            // In each run of equal names (sorted by position) the first is the earliest
            // tensor; the second is where the general plan finds the name taken.
            var k = 0
            while k < order.count {
                var end = k + 1
                while end < order.count, same(order[k], order[end]) { end += 1 }
                if end - k >= 2, clash.map({ order[k + 1] < $0.0 }) ?? true { clash = (order[k + 1], order[k]) }
                k = end
            }
        }
        if let empty, clash.map({ empty <= $0.0 }) ?? true { return (empty, nil) }
        return clash
    }
}
