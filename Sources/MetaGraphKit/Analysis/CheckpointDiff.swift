// `ckpt diff`: two checkpoints of any formats compared key by key and element by
// element, streamed tensor by tensor, each tensor's chunks spread over the cores.
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The difference between two checkpoints: keys on one side only, dtype and shape
/// changes, and for every common tensor how far its values are apart.
///
/// Closeness is numpy's `allclose` with `equal_nan=True`: elements `a` and `b` are
/// close when `a == b` (equal infinities included), when both are NaN, or when
/// `|a - b| <= atol + rtol * |b|` (B is the reference). `|Δ|` of a pair is 0 when
/// they are equal or both NaN, and infinite when one is NaN or infinite and the
/// other is not the same value. Values are compared as Double (64-bit integers
/// beyond 2^53 lose their low bits there, but `identical_bytes` still tells).
public struct CheckpointDiff: Sendable {
    /// How to compare.
    public struct Options: Sendable {
        /// Relative tolerance (numpy's default 1e-5).
        public var rtol = 1e-5
        /// Absolute tolerance (numpy's default 1e-8).
        public var atol = 1e-8
        /// Applied to B's keys before they are matched with A's (drops included);
        /// before ``ruleSet``.
        public var rules = KeyRules()
        /// The steps of `--rules` files and `--preset`s, applied to B after ``rules``:
        /// B's keys are renamed and its values transposed, reshaped, cast or merged
        /// (one tensor at a time) before they are compared with A's, so a converted
        /// checkpoint can be compared with its source. A `split` changes nothing here.
        public var ruleSet = RuleSet()
        /// Fail when a step or `map` entry matches nothing in B.
        public var strict = false

        /// numpy's default tolerances, no rules.
        public init() {}
    }

    /// What became of one common key.
    public enum Status: String, Sendable {
        /// Same dtype, shape and bytes.
        case identical
        /// Same dtype and shape, bytes differ, every element close.
        case close
        /// Some element is not close (or, for strings, differs).
        case different
        /// The dtypes differ (values compared as numbers where both are numeric).
        case dtypeChanged = "dtype_changed"
        /// The shapes differ (values not compared).
        case shapeChanged = "shape_changed"
        /// A side could not be read (the message says why).
        case unreadable
    }

    /// One key present on both sides.
    public struct TensorDifference: Sendable {
        /// The key in A.
        public let key: String
        /// The key in B before the rules renamed it.
        public let keyB: String
        public let dtypeA: DType, dtypeB: DType
        public let shapeA: [Int], shapeB: [Int]
        public var status: Status
        /// Whether the element bytes are the same (nil when not compared).
        public var identicalBytes: Bool?
        /// Elements compared.
        public var elements = 0
        /// Elements that are not equal (as numbers; bytewise for strings).
        public var differing = 0
        /// Elements that are not close.
        public var notClose = 0
        /// The largest |Δ|, its row-major multi-index and the two values there
        /// (nil for strings and when nothing was compared).
        public var maxAbsDiff: Double?
        public var maxAt: [Int]?
        public var valueA: Double?, valueB: Double?
        /// The mean |Δ| over all elements.
        public var meanAbsDiff: Double?
        /// Whether every element is close (false for shape changes and unreadable tensors).
        public var allclose = false
        /// Why the tensor could not be compared, if it could not.
        public var message: String?
        /// Whether reading a side failed (damage, a missing data file), as opposed to
        /// a dtype whose values are not compared (variants, resources).
        public var readFailed = false
    }

    /// The two checkpoints, as opened.
    public let a: String, b: String
    public let formatA: String, formatB: String
    public let options: Options
    /// B's keys the rules dropped.
    public let droppedB: [String]
    /// Steps and `map` entries that matched nothing in B (warnings; errors under `strict`).
    public internal(set) var unmatchedRules: [String] = []
    /// The outcome as lists, or as rows over two compact indexes (CheckpointDiff+Index.swift).
    let storage: Storage

    init(a: String, b: String, formatA: String, formatB: String, options: Options, onlyInA: [TensorEntry],
         onlyInB: [TensorEntry], droppedB: [String], tensors: [TensorDifference]) {
        self.a = a; self.b = b; self.formatA = formatA; self.formatB = formatB; self.options = options
        self.droppedB = droppedB
        storage = .listed(onlyInA: onlyInA, onlyInB: onlyInB, tensors: tensors)
    }

    init(a: String, b: String, formatA: String, formatB: String, options: Options, droppedB: [String], compact: CompactDiff) {
        self.a = a; self.b = b; self.formatA = formatA; self.formatB = formatB; self.options = options
        self.droppedB = droppedB
        storage = .compact(compact)
    }

    /// Keys only in A (made on each use when compared from V2 indexes: prefer
    /// ``onlyInACount`` and ``onlyInA(_:)``).
    public var onlyInA: [TensorEntry] { (0..<onlyInACount).map(onlyInA) }
    /// Keys only in B, B's after the rules (made on each use, as ``onlyInA``).
    public var onlyInB: [TensorEntry] { (0..<onlyInBCount).map(onlyInB) }
    /// Every common key, in A's order (made on each use, as ``onlyInA``: prefer
    /// ``tensorCount`` and ``tensor(_:)``).
    public var tensors: [TensorDifference] { (0..<tensorCount).map(tensor) }

    /// The number of keys only in A.
    public var onlyInACount: Int {
        switch storage {
        case .listed(let a, _, _): return a.count
        case .compact(let c): return c.onlyInA.count
        }
    }

    /// The number of keys only in B.
    public var onlyInBCount: Int {
        switch storage {
        case .listed(_, let b, _): return b.count
        case .compact(let c): return c.onlyInB.count
        }
    }

    /// The number of common keys.
    public var tensorCount: Int {
        switch storage {
        case .listed(_, _, let t): return t.count
        case .compact(let c): return c.rows.count
        }
    }

    /// Key `i` of those only in A.
    public func onlyInA(_ i: Int) -> TensorEntry {
        switch storage {
        case .listed(let a, _, _): return a[i]
        case .compact(let c): return c.entryA(Int(c.onlyInA[i]))
        }
    }

    /// Key `i` of those only in B.
    public func onlyInB(_ i: Int) -> TensorEntry {
        switch storage {
        case .listed(_, let b, _): return b[i]
        case .compact(let c): return c.entryB(Int(c.onlyInB[i]))
        }
    }

    /// Common key `i`, in A's order.
    public func tensor(_ i: Int) -> TensorDifference {
        switch storage {
        case .listed(_, _, let t): return t[i]
        case .compact(let c): return c.tensor(i)
        }
    }

    /// The status of common key `i` (without making its difference).
    public func status(_ i: Int) -> Status {
        switch storage {
        case .listed(_, _, let t): return t[i].status
        case .compact(let c): return c.status(i)
        }
    }

    /// The common keys whose reading failed (damage, a missing data file).
    public var readFailures: [TensorDifference] {
        switch storage {
        case .listed(_, _, let t): return t.filter(\.readFailed)
        case .compact(let c): return c.details.filter(\.readFailed)
        }
    }

    /// Whether the checkpoints hold the same keys, dtypes and shapes and every
    /// tensor is allclose.
    public var equal: Bool {
        onlyInACount == 0 && onlyInBCount == 0 && (0..<tensorCount).allSatisfy { status($0) == .identical || status($0) == .close }
    }

    /// Compares two checkpoints.
    ///
    /// - Parameters:
    ///   - a: Any checkpoint ``CheckpointReader`` opens (V1, V2, safetensors, npz, .npy).
    ///   - b: The other (the reference for the relative tolerance).
    ///   - options: Tolerances and B's key rules.
    /// - Throws: ``MetaGraphKitError`` when a checkpoint cannot be opened or the rules
    ///   map two of B's keys onto one, or as ``RuleSet/plan(_:file:strict:)``. Damage
    ///   inside a tensor is reported as `unreadable`.
    public static func compare(_ a: String, _ b: String, options: Options = Options()) throws -> CheckpointDiff {
        let ra = try CheckpointReader(path: a)
        let rb = try CheckpointReader(path: b)
        return try compare(ra, rb, options: options)
    }

    /// Compares two open checkpoints (see ``compare(_:_:options:)-(String,String,_)``).
    public static func compare(_ ra: CheckpointReader, _ rb: CheckpointReader, options: Options = Options()) throws -> CheckpointDiff {
        try compare(ra, rb, options: options, fastPath: true)
    }

    /// ``compare(_:_:options:)-(CheckpointReader,CheckpointReader,_)``; `fastPath: false`
    /// compares through the listings even where two V2 indexes would serve (tests
    /// compare the two).
    static func compare(_ ra: CheckpointReader, _ rb: CheckpointReader, options: Options, fastPath: Bool) throws -> CheckpointDiff {
        var steps = RuleSet(options.rules)
        steps.append(contentsOf: options.ruleSet)
        // Two V2 indexes and rules that only name (or none): matched from the
        // indexes, B's new names planned flat (RulePlan+Compact.swift).
        if fastPath, steps.onlyNames, let pa = IndexPayloads(ra), let pb = IndexPayloads(rb) {
            var plan: CompactRulePlan?
            if !steps.isEmpty { plan = try steps.compactPlan(pb.index, excluding: "", file: rb.prefix, strict: options.strict) }
            if steps.isEmpty || plan != nil {
                var diff = CheckpointDiff(a: ra.prefix, b: rb.prefix, formatA: ra.formatName, formatB: rb.formatName, options: options,
                                          droppedB: plan?.droppedKeys ?? [], compact: CompactDiff(pa, ra, pb, rb, options, names: plan))
                diff.unmatchedRules = plan?.unmatched ?? []
                return diff
            }
        }
        let plan = try steps.plan(rb.entries, file: rb.prefix, strict: options.strict)
        var fromB: [String: PlannedTensor] = [:]   // A-side name → B's tensor
        for t in plan.tensors { fromB[t.name] = t }
        var onlyInA: [TensorEntry] = []
        var tensors: [TensorDifference] = []
        for ea in ra.entries {
            guard let t = fromB.removeValue(forKey: ea.key), let source = rb.entry(t.sources[0]) else {
                onlyInA.append(ea)
                continue
            }
            if t.sources.count == 1, t.transforms.isEmpty {
                tensors.append(compareTensor(ra, ea, rb, source, options))
            } else {
                // B's value as the steps make it, one tensor in memory at a time.
                let eb = TensorEntry(key: t.sources.joined(separator: ", "), dtype: t.dtype, shape: t.shape, slices: [])
                do {
                    let value = try t.value(from: rb).tensor
                    tensors.append(compareTensor(ra, ea, rb, eb, options, valueB: value))
                } catch {
                    var d = TensorDifference(key: ea.key, keyB: eb.key, dtypeA: ea.dtype, dtypeB: eb.dtype, shapeA: ea.shape,
                                             shapeB: eb.shape, status: .unreadable)
                    d.message = (error as? MetaGraphKitError)?.message ?? "\(error)"
                    d.readFailed = true
                    tensors.append(d)
                }
            }
        }
        let onlyInB = fromB.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { name -> TensorEntry in
            let t = fromB[name]!
            return TensorEntry(key: name, dtype: t.dtype, shape: t.shape, slices: [])
        }
        var diff = CheckpointDiff(a: ra.prefix, b: rb.prefix, formatA: ra.formatName, formatB: rb.formatName, options: options,
                                  onlyInA: onlyInA, onlyInB: onlyInB, droppedB: plan.dropped, tensors: tensors)
        diff.unmatchedRules = plan.unmatched
        return diff
    }

    // MARK: - One tensor

    /// Compares A's tensor `ea` with B's `eb`, read from `rb` or, when the rules
    /// changed it, given as `valueB`.
    static func compareTensor(_ ra: CheckpointReader, _ ea: TensorEntry, _ rb: CheckpointReader, _ eb: TensorEntry,
                                      _ options: Options, valueB: Tensor? = nil) -> TensorDifference {
        func withB<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
            if let valueB { return try (valueB.bytes ?? []).withUnsafeBytes(body) }
            return try rb.withTensorBytes(eb.key, body)
        }
        var d = TensorDifference(key: ea.key, keyB: eb.key, dtypeA: ea.dtype, dtypeB: eb.dtype, shapeA: ea.shape,
                                 shapeB: eb.shape, status: .identical)
        guard ea.shape == eb.shape else {
            d.status = .shapeChanged
            return d
        }
        let ka = NumericKind(ea.dtype), kb = NumericKind(eb.dtype)
        do {
            if ea.dtype.base == .string, eb.dtype.base == .string {
                let sa = try ra.tensor(ea.key).strings ?? [], sb = try (valueB ?? rb.tensor(eb.key)).strings ?? []
                d.elements = sa.count
                d.differing = zip(sa, sb).filter { $0 != $1 }.count + abs(sa.count - sb.count)
                d.notClose = d.differing
                d.identicalBytes = d.differing == 0
                d.allclose = d.differing == 0
                d.status = d.differing == 0 ? .identical : .different
                return d
            }
            guard let ka, let kb, ka.isComplex == kb.isComplex else {
                d.status = ea.dtype == eb.dtype ? .unreadable : .dtypeChanged
                d.message = ea.dtype == eb.dtype ? "\(ea.dtype) tensors are not compared" : "\(ea.dtype) and \(eb.dtype) are not comparable"
                return d
            }
            let n = try Tensor.elementCount(ea.shape, file: ra.prefix, key: ea.key)
            // The two values at the largest difference are read while the bytes are
            // lent: lending them again would check both CRCs a second time.
            let (tally, atA, atB) = try ra.withTensorBytes(ea.key) { pa in
                try withB { pb -> (Tally, Double?, Double?) in
                    let t = try scanAll(pa, ka, pb, kb, count: n, sameType: ea.dtype.base == eb.dtype.base, options, key: ea.key)
                    guard n > 0, t.maxAt >= 0 else { return (t, nil, nil) }
                    let at = t.maxAt
                    return (t, ka.load(pa.baseAddress!, ka.isComplex ? 2 * at : at), kb.load(pb.baseAddress!, kb.isComplex ? 2 * at : at))
                }
            }
            d.elements = n
            d.differing = tally.differing
            d.notClose = tally.notClose
            d.identicalBytes = ea.dtype.base == eb.dtype.base ? tally.identical : false
            d.allclose = tally.notClose == 0
            if n > 0 {
                d.maxAbsDiff = tally.maxAbs
                d.meanAbsDiff = tally.sumAbs / Double(n)
            }
            if n > 0, tally.maxAt >= 0 {
                let at = tally.maxAt
                d.maxAt = ea.shape.multiIndex(at)
                d.valueA = atA
                d.valueB = atB
            }
            if ea.dtype.base != eb.dtype.base { d.status = .dtypeChanged } else if tally.identical { d.status = .identical } else {
                d.status = tally.notClose == 0 ? .close : .different
            }
        } catch {
            d.status = .unreadable
            d.message = (error as? MetaGraphKitError)?.message ?? "\(error)"
            d.readFailed = true
        }
        return d
    }

    /// What a pass over some elements found.
    struct Tally {
        var identical = true
        var maxAbs = 0.0
        var maxAt = -1
        var sumAbs = 0.0
        var differing = 0
        var notClose = 0

        mutating func merge(_ o: Tally) {
            identical = identical && o.identical
            if o.maxAbs > maxAbs || (maxAt < 0 && o.maxAt >= 0) { maxAbs = o.maxAbs; maxAt = o.maxAt }
            sumAbs += o.sumAbs
            differing += o.differing
            notClose += o.notClose
        }

        @inline(__always) mutating func add(_ a: Double, _ b: Double, _ i: Int, atol: Double, rtol: Double) {
            if a == b || (a.isNaN && b.isNaN) { return }
            var delta = abs(a - b)
            if !delta.isFinite { delta = .infinity }
            differing &+= 1
            if !(delta <= atol + rtol * abs(b)) { notClose &+= 1 }
            sumAbs += delta
            if delta > maxAbs || maxAt < 0 { maxAbs = delta; maxAt = i }
        }
    }

    /// Elements per chunk handed to one core.
    static let chunk = 1 << 20

    static func scanAll(_ pa: UnsafeRawBufferPointer, _ ka: NumericKind, _ pb: UnsafeRawBufferPointer, _ kb: NumericKind,
                                count n: Int, sameType: Bool, _ options: Options, key: String) throws -> Tally {
        let width = ka.isComplex ? 2 : 1
        guard pa.count == n * width * ka.componentSize, pb.count == n * width * kb.componentSize else {
            throw MetaGraphKitError.dataDoNotMatchShape(key: key)
        }
        guard n > 0 else { return Tally() }
        let chunks = (n + chunk - 1) / chunk
        // Each chunk writes its own slot; the slots are merged in order, so the
        // position of the largest difference is its first occurrence.
        let results = UnsafeMutableBufferPointer<Tally>.allocate(capacity: chunks)
        results.initialize(repeating: Tally())
        defer { results.deallocate() }
        nonisolated(unsafe) let slots = results
        nonisolated(unsafe) let a = pa, b = pb
        let work: @Sendable (Int) -> Void = { c in
            let lo = c * chunk, hi = min(n, lo + chunk)
            slots[c] = scanChunk(a, ka, b, kb, lo, hi, sameType: sameType, options)
        }
        if chunks == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) }
        var total = Tally()
        for r in results { total.merge(r) }
        return total
    }

    private static func scanChunk(_ a: UnsafeRawBufferPointer, _ ka: NumericKind, _ b: UnsafeRawBufferPointer, _ kb: NumericKind,
                                  _ lo: Int, _ hi: Int, sameType: Bool, _ o: Options) -> Tally {
        let pa = a.baseAddress!, pb = b.baseAddress!
        if sameType {
            let w = (ka.isComplex ? 2 : 1) * ka.componentSize
            if memcmp(pa + lo * w, pb + lo * w, (hi - lo) * w) == 0 { return Tally() }
        }
        var t: Tally
        switch (ka, sameType) {
        case (.float32, true): t = float32Tally(pa, pb, lo, hi, o)
        case (.float64, true): t = scan(pa, pb, lo, hi, o, F64.self, F64.self)
        case (.float16, true): t = scan(pa, pb, lo, hi, o, F16.self, F16.self)
        case (.bfloat16, true): t = scan(pa, pb, lo, hi, o, BF16.self, BF16.self)
        case (.int32, true): t = scan(pa, pb, lo, hi, o, IntLoader<Int32>.self, IntLoader<Int32>.self)
        case (.int64, true): t = scan(pa, pb, lo, hi, o, IntLoader<Int64>.self, IntLoader<Int64>.self)
        default:
            t = Tally()
            if ka.isComplex {
                for i in lo..<hi {
                    let ar = ka.load(pa, 2 * i), ai = ka.load(pa, 2 * i + 1)
                    let br = kb.load(pb, 2 * i), bi = kb.load(pb, 2 * i + 1)
                    if (ar == br || (ar.isNaN && br.isNaN)) && (ai == bi || (ai.isNaN && bi.isNaN)) { continue }
                    var delta = ((ar - br) * (ar - br) + (ai - bi) * (ai - bi)).squareRoot()
                    if !delta.isFinite { delta = .infinity }
                    t.differing += 1
                    if !(delta <= o.atol + o.rtol * (br * br + bi * bi).squareRoot()) { t.notClose += 1 }
                    t.sumAbs += delta
                    if delta > t.maxAbs || t.maxAt < 0 { t.maxAbs = delta; t.maxAt = i }
                }
            } else {
                for i in lo..<hi { t.add(ka.load(pa, i), kb.load(pb, i), i, atol: o.atol, rtol: o.rtol) }
            }
        }
        t.identical = false
        return t
    }

    @inline(__always)
    private static func scan<A: ElementLoader, B: ElementLoader>(_ pa: UnsafeRawPointer, _ pb: UnsafeRawPointer, _ lo: Int, _ hi: Int,
                                                                 _ o: Options, _: A.Type, _: B.Type) -> Tally {
        var t = Tally()
        let atol = o.atol, rtol = o.rtol
        for i in lo..<hi { t.add(A.load(pa, i), B.load(pb, i), i, atol: atol, rtol: rtol) }
        return t
    }
}
