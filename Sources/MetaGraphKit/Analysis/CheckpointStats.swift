// `ckpt stats`: per-tensor statistics and a size breakdown by role, streamed tensor
// by tensor, each tensor's chunks spread over the cores.
import Dispatch

/// Statistics of every tensor of a checkpoint and where its bytes go.
///
/// min, max, mean and std (population) are over the finite elements; NaN, +Inf and
/// -Inf are counted apart. Sums are accumulated in Double, per block of 16,384
/// elements in two passes (mean, then squared deviations) and blocks are merged
/// with Chan's formula, so the mean and std of a billion float32 elements keep
/// their precision. Complex tensors are summarised by magnitude.
public struct CheckpointStats: Sendable {
    /// One tensor.
    public struct TensorStats: Sendable {
        public let key: String
        public let dtype: DType
        public let shape: [Int]
        public let role: TensorRole
        /// Elements, and the bytes they take (strings: the sum of their lengths).
        public var elements = 0
        public var bytes = 0
        /// Over the finite elements; nil when there are none or the dtype is not numeric.
        public var min: Double?, max: Double?, mean: Double?, std: Double?
        public var nan = 0, positiveInfinity = 0, negativeInfinity = 0, zeros = 0
        /// Why the tensor could not be read, if it could not.
        public var message: String?
        /// Counts of the finite elements in equal-width bins over `[min, max]`, when
        /// ``CheckpointStats/compute(_:histogramBins:)`` was asked for bins; else empty.
        public var histogram: [Int] = []
    }

    /// The bytes and tensors of one role.
    public struct RoleTotal: Sendable {
        public let role: TensorRole
        public var tensors = 0
        public var elements = 0
        public var bytes = 0
    }

    public let path: String
    public let format: String
    /// The tensors as listed, or their compact rows (CheckpointStats+Index.swift).
    let storage: Storage

    /// Every tensor's statistics, in the listing's order (made on each use when
    /// they were computed from a V2 index: prefer ``count`` and ``tensor(_:)``).
    public var tensors: [TensorStats] {
        switch storage {
        case .listed(let t): return t
        case .compact: return (0..<count).map(tensor)
        }
    }

    /// The number of tensors.
    public var count: Int {
        switch storage {
        case .listed(let t): return t.count
        case .compact(let c): return c.rows.count
        }
    }

    /// Tensor `i`'s statistics.
    public func tensor(_ i: Int) -> TensorStats {
        switch storage {
        case .listed(let t): return t[i]
        case .compact(let c): return c.tensor(i)
        }
    }

    /// Tensor `i`'s counts (elements, bytes, NaN, ±Inf, zeros) and message, with
    /// its key, shape, min/max/mean/std and histogram left out where the rows are
    /// compact: for a pass over every tensor that needs only those.
    func counts(_ i: Int) -> TensorStats {
        switch storage {
        case .listed(let t): return t[i]
        case .compact(let c): return c.counts(i)
        }
    }

    init(path: String, format: String, tensors: [TensorStats]) {
        self.path = path
        self.format = format
        storage = .listed(tensors)
    }

    init(path: String, format: String, compact: CompactStats) {
        self.path = path
        self.format = format
        storage = .compact(compact)
    }

    /// The size breakdown, in the order of ``TensorRole/allCases``.
    public var roles: [RoleTotal] {
        var totals = TensorRole.allCases.map { RoleTotal(role: $0) }
        let slot = Dictionary(uniqueKeysWithValues: TensorRole.allCases.enumerated().map { ($1, $0) })
        func add(_ role: TensorRole, _ elements: Int, _ bytes: Int) {
            let j = slot[role]!
            totals[j].tensors += 1; totals[j].elements += elements; totals[j].bytes += bytes
        }
        switch storage {
        case .listed(let t): for s in t { add(s.role, s.elements, s.bytes) }
        case .compact(let c): for i in c.rows.indices { add(c.role(i), c.elements(i), c.bytes(i)) }
        }
        return totals
    }

    /// Every tensor's bytes.
    public var totalBytes: Int {
        switch storage {
        case .listed(let t): return t.reduce(0) { $0 + $1.bytes }
        case .compact(let c): return c.rows.indices.reduce(0) { $0 + c.bytes($1) }
        }
    }

    /// Why each tensor that could not be read could not, in order.
    public var messages: [String] {
        switch storage {
        case .listed(let t): return t.compactMap(\.message)
        case .compact(let c): return c.details.compactMap(\.message)
        }
    }

    /// Reads every tensor once and summarises it.
    ///
    /// - Parameters:
    ///   - path: Any checkpoint ``CheckpointReader`` opens.
    ///   - histogramBins: Bins of each numeric tensor's ``TensorStats/histogram``
    ///     (0, the default: none; no more bins than elements), counted in a second
    ///     pass over the tensor's bytes while they are in the page cache.
    /// - Throws: ``MetaGraphKitError`` when the checkpoint cannot be opened; a
    ///   damaged tensor is reported in its `message`.
    public static func compute(_ path: String, histogramBins: Int = 0) throws -> CheckpointStats {
        try compute(CheckpointReader(path: path), histogramBins: histogramBins)
    }

    /// ``compute(_:histogramBins:)`` of an open checkpoint; `fastPath: false` reads
    /// every tensor through the listing even where the V2 index would serve (tests
    /// compare the two).
    static func compute(_ reader: CheckpointReader, histogramBins: Int = 0, fastPath: Bool = true) throws -> CheckpointStats {
        if fastPath, let payloads = IndexPayloads(reader) {
            return CheckpointStats(path: reader.prefix, format: reader.formatName,
                                   compact: CompactStats(payloads, reader, histogramBins: histogramBins))
        }
        var out: [TensorStats] = []
        for e in reader.entries { out.append(tensorStats(reader, e, histogramBins: histogramBins)) }
        return CheckpointStats(path: reader.prefix, format: reader.formatName, tensors: out)
    }

    /// One listed tensor read and summarised the general way.
    static func tensorStats(_ reader: CheckpointReader, _ e: TensorEntry, histogramBins: Int = 0) -> TensorStats {
            var s = TensorStats(key: e.key, dtype: e.dtype, shape: e.shape, role: TensorRole.classify(e.key, dtype: e.dtype))
            do {
                let n = try Tensor.elementCount(e.shape, file: reader.prefix, key: e.key)
                s.elements = n
                if let kind = NumericKind(e.dtype) {
                    let (t, h) = try reader.withTensorBytes(e.key) { p -> (Moments, [Int]) in
                        let t = try summarise(p, kind, count: n, key: e.key)
                        guard histogramBins > 0, t.n > 0 else { return (t, []) }
                        return (t, histogram(p, kind, count: n, lo: t.min, hi: t.max, bins: Swift.min(histogramBins, n)))
                    }
                    s.histogram = h
                    s.bytes = n * kind.componentSize * (kind.isComplex ? 2 : 1)
                    s.nan = t.nan; s.positiveInfinity = t.posInf; s.negativeInfinity = t.negInf; s.zeros = t.zeros
                    if t.n > 0 {
                        s.min = t.min; s.max = t.max; s.mean = t.mean
                        s.std = (t.m2 / Double(t.n)).squareRoot()
                    }
                } else if e.dtype.base == .string {
                    let strings = try reader.tensor(e.key).strings ?? []
                    s.bytes = strings.reduce(0) { $0 + $1.count }
                } else if let size = e.dtype.elementSize {
                    s.bytes = n * size
                }
            } catch {
                s.message = (error as? MetaGraphKitError)?.message ?? "\(error)"
            }
            return s
    }

    // MARK: - Accumulation

    /// Running statistics of some elements (Chan et al.'s parallel merge).
    struct Moments {
        var n = 0
        var mean = 0.0
        var m2 = 0.0
        var min = Double.infinity, max = -Double.infinity
        var nan = 0, posInf = 0, negInf = 0, zeros = 0

        mutating func merge(_ o: Moments) {
            nan += o.nan; posInf += o.posInf; negInf += o.negInf; zeros += o.zeros
            guard o.n > 0 else { return }
            if o.min < min { min = o.min }
            if o.max > max { max = o.max }
            guard n > 0 else { n = o.n; mean = o.mean; m2 = o.m2; return }
            let total = n + o.n
            let delta = o.mean - mean
            mean += delta * Double(o.n) / Double(total)
            m2 += o.m2 + delta * delta * Double(n) * Double(o.n) / Double(total)
            n = total
        }
    }

    static let chunk = 1 << 20
    static let block = 1 << 14

    static func summarise(_ p: UnsafeRawBufferPointer, _ kind: NumericKind, count n: Int, key: String) throws -> Moments {
        guard p.count == n * kind.componentSize * (kind.isComplex ? 2 : 1) else {
            throw MetaGraphKitError.dataDoNotMatchShape(key: key)
        }
        guard n > 0 else { return Moments() }
        let chunks = (n + chunk - 1) / chunk
        let results = UnsafeMutableBufferPointer<Moments>.allocate(capacity: chunks)
        results.initialize(repeating: Moments())
        defer { results.deallocate() }
        nonisolated(unsafe) let slots = results
        nonisolated(unsafe) let base = p.baseAddress!
        let work: @Sendable (Int) -> Void = { c in
            let lo = c * chunk, hi = Swift.min(n, lo + chunk)
            var m = Moments()
            var b = lo
            while b < hi {
                let e = Swift.min(hi, b + block)
                switch kind {
                case .float32: m.merge(float32BlockMoments(base, b, e) ?? blockMoments(base, b, e, F32.self))
                case .float64: m.merge(blockMoments(base, b, e, F64.self))
                case .float16: m.merge(blockMoments(base, b, e, F16.self))
                case .bfloat16: m.merge(blockMoments(base, b, e, BF16.self))
                case .int8: m.merge(blockMoments(base, b, e, IntLoader<Int8>.self))
                case .int16: m.merge(blockMoments(base, b, e, IntLoader<Int16>.self))
                case .int32: m.merge(blockMoments(base, b, e, IntLoader<Int32>.self))
                case .int64: m.merge(blockMoments(base, b, e, IntLoader<Int64>.self))
                case .uint8, .bool: m.merge(blockMoments(base, b, e, IntLoader<UInt8>.self))
                case .uint16: m.merge(blockMoments(base, b, e, IntLoader<UInt16>.self))
                case .uint32: m.merge(blockMoments(base, b, e, IntLoader<UInt32>.self))
                case .uint64: m.merge(blockMoments(base, b, e, IntLoader<UInt64>.self))
                case .complex64, .complex128: m.merge(complexMoments(base, b, e, kind))
                }
                b = e
            }
            slots[c] = m
        }
        if chunks == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) }
        var total = Moments()
        for r in results { total.merge(r) }
        return total
    }

    /// Two passes over one cache-sized block: sums, extremes and counts, then the
    /// squared deviations from the block's mean.
    @inline(__always)
    private static func blockMoments<L: ElementLoader>(_ p: UnsafeRawPointer, _ lo: Int, _ hi: Int, _: L.Type) -> Moments {
        var m = Moments()
        var s0 = 0.0, s1 = 0.0
        var mn = Double.infinity, mx = -Double.infinity
        var zeros = 0
        var i = lo
        // Finite blocks (the usual case) take the fast loop; a block with a NaN or an
        // infinity is counted element by element.
        while i + 1 < hi {
            let x = L.load(p, i), y = L.load(p, i + 1)
            s0 += x; s1 += y
            mn = Swift.min(mn, Swift.min(x, y)); mx = Swift.max(mx, Swift.max(x, y))
            zeros &+= (x == 0 ? 1 : 0) &+ (y == 0 ? 1 : 0)
            i += 2
        }
        if i < hi {
            let x = L.load(p, i)
            s0 += x; mn = Swift.min(mn, x); mx = Swift.max(mx, x); zeros &+= x == 0 ? 1 : 0
        }
        var sum = s0 + s1
        var count = hi - lo
        if !sum.isFinite {
            sum = 0; count = 0; mn = .infinity; mx = -.infinity; zeros = 0
            for j in lo..<hi {
                let x = L.load(p, j)
                if x.isNaN { m.nan += 1 } else if x == .infinity { m.posInf += 1 } else if x == -.infinity { m.negInf += 1 } else {
                    sum += x; count += 1; mn = Swift.min(mn, x); mx = Swift.max(mx, x); zeros &+= x == 0 ? 1 : 0
                }
            }
        }
        m.zeros = zeros
        guard count > 0 else { return m }
        let mean = sum / Double(count)
        var m2 = 0.0
        for j in lo..<hi {
            let d = L.load(p, j) - mean
            if d.isFinite { m2 += d * d }
        }
        m.n = count; m.mean = mean; m.m2 = m2; m.min = mn; m.max = mx
        return m
    }

    private static func complexMoments(_ p: UnsafeRawPointer, _ lo: Int, _ hi: Int, _ kind: NumericKind) -> Moments {
        var m = Moments()
        for i in lo..<hi {
            let re = kind.load(p, 2 * i), im = kind.load(p, 2 * i + 1)
            if re.isNaN || im.isNaN { m.nan += 1; continue }
            if re.isInfinite || im.isInfinite { m.posInf += 1; continue }
            if re == 0 && im == 0 { m.zeros += 1 }
            var one = Moments()
            one.n = 1; one.mean = (re * re + im * im).squareRoot(); one.min = one.mean; one.max = one.mean
            m.merge(one)
        }
        return m
    }
}
