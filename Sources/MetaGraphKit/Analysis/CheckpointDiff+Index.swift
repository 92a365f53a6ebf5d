// `ckpt diff` of two V2 checkpoints from their compact indexes, with no rules: the
// keys matched by one merge over the two sorted key arenas, and a common tensor
// whose bytes are the same kept as three integers. Only the tensors that differ
// (or that the indexes cannot serve: strings, damage) are compared the general
// way and kept whole.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CheckpointDiff {
    /// Where the outcome lives.
    enum Storage: Sendable {
        case listed(onlyInA: [TensorEntry], onlyInB: [TensorEntry], tensors: [TensorDifference])
        case compact(CompactDiff)
    }

    /// The outcome over two compact indexes.
    struct CompactDiff: Sendable {
        /// One common key: its entries in A and B, and its index in ``details``
        /// (-1: same dtype, shape and checked bytes, so identical).
        struct Row: Sendable {
            var a: Int32, b: Int32, detail: Int32
        }

        let indexA: CompactBundleIndex, indexB: CompactBundleIndex
        /// B's names after name-only rules (nil: no rules, B's keys as they are).
        let namesB: CompactRulePlan?
        private(set) var rows: [Row] = []
        /// Entries of A whose key B has not; B's (plan positions with ``namesB``,
        /// else index entries) whose name A has not, in name order.
        private(set) var onlyInA: [Int32] = [], onlyInB: [Int32] = []
        private(set) var details: [TensorDifference] = []

        init(_ pa: IndexPayloads, _ ra: CheckpointReader, _ pb: IndexPayloads, _ rb: CheckpointReader, _ options: Options,
             names plan: CompactRulePlan? = nil) {
            let a = pa.index, b = pb.index
            indexA = a
            indexB = b
            namesB = plan
            // B's tensors in name order: the index's order, or the renamed ones sorted.
            var order = [Int32](0..<Int32(plan?.count ?? b.count))
            if let plan {
                order.sort { x, y in plan.withName(Int(x)) { p in plan.withName(Int(y)) { q in Block.compare(p, q) < 0 } } }
            }
            func withNameB<R>(_ k: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
                if let plan { return plan.withName(k, body) }
                return b.withKey(k, body)
            }
            rows.reserveCapacity(Swift.min(a.count, order.count))
            var pagesA = IndexPayloads.PageRelease(), pagesB = IndexPayloads.PageRelease()
            defer { pagesA.flush(pa); pagesB.flush(pb) }
            var i = 0, j = 0
            while i < a.count || j < order.count {
                let cmp: Int
                if i == a.count { cmp = 1 } else if j == order.count { cmp = -1 } else {
                    cmp = a.withKey(i) { x in withNameB(Int(order[j])) { y in Block.compare(x, y) } }
                }
                if cmp < 0 { onlyInA.append(Int32(i)); i += 1; continue }
                if cmp > 0 { onlyInB.append(order[j]); j += 1; continue }
                let k = plan.map { Int($0.positions[Int(order[j])]) } ?? Int(order[j])
                pagesA.read(pa, i)
                pagesB.read(pb, k)
                if Self.sameBytes(pa, i, pb, k) {
                    rows.append(Row(a: Int32(i), b: Int32(k), detail: -1))
                } else {
                    rows.append(Row(a: Int32(i), b: Int32(k), detail: Int32(details.count)))
                    details.append(CheckpointDiff.compareTensor(ra, pa.entry(i), rb, pb.entry(k), options))
                }
                i += 1
                j += 1
            }
        }

        /// Whether entries `i` of A and `j` of B are numeric tensors of one dtype and
        /// shape whose checked payloads are the same bytes (what the general path
        /// reports as identical).
        private static func sameBytes(_ pa: IndexPayloads, _ i: Int, _ pb: IndexPayloads, _ j: Int) -> Bool {
            let ra = pa.index.records[i], rb = pb.index.records[j]
            guard ra.dtype == rb.dtype, NumericKind(DType(rawValue: ra.dtype)) != nil, ra.size == rb.size else { return false }
            let da = pa.index.dimRange(i), db = pb.index.dimRange(j)
            guard da.count == db.count, zip(da, db).allSatisfy({ pa.index.dims[$0] == pb.index.dims[$1] }) else { return false }
            guard let (x, _) = pa.payload(i), let (y, _) = pb.payload(j), x.count == y.count else { return false }
            return x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
        }

        func status(_ n: Int) -> Status {
            let r = rows[n]
            return r.detail >= 0 ? details[Int(r.detail)].status : .identical
        }

        func entryA(_ i: Int) -> TensorEntry {
            TensorEntry(key: indexA.displayKey(i), dtype: DType(rawValue: indexA.records[i].dtype), shape: indexA.shape(i), slices: [])
        }

        /// B's tensor `k` of ``onlyInB`` under its name after the rules.
        func entryB(_ k: Int) -> TensorEntry {
            let j = namesB.map { Int($0.positions[k]) } ?? k
            return TensorEntry(key: namesB?.name(k) ?? indexB.displayKey(j), dtype: DType(rawValue: indexB.records[j].dtype),
                               shape: indexB.shape(j), slices: [])
        }

        /// The JSON object of identical common key `n` (fields at level 3), as
        /// ``CheckpointDiff/writeJSON(_:)`` writes ``tensor(_:)``, straight from the
        /// two indexes (their keys are ASCII).
        func writeIdentical(_ n: Int, _ b: inout ReportBytes) {
            let r = rows[n]
            let i = Int(r.a), j = Int(r.b)
            let dtype = DType(rawValue: indexA.records[i].dtype).name
            let count = indexA.elementCount(i) ?? 0
            b.raw("{")
            b.field("key", 3, first: true)
            indexA.withKey(i) { b.quoted(bytes: $0) }
            b.field("key_b", 3)
            indexB.withKey(j) { b.quoted(bytes: $0) }
            b.field("status", 3); b.raw("\"identical\"")
            b.field("dtype_a", 3); b.quoted(dtype)
            b.field("dtype_b", 3); b.quoted(dtype)
            b.field("shape_a", 3); b.intArray(indexA.dims[indexA.dimRange(i)], 3)
            b.field("shape_b", 3); b.intArray(indexB.dims[indexB.dimRange(j)], 3)
            b.field("identical_bytes", 3); b.raw("true")
            b.field("elements", 3); b.int(count)
            b.field("differing", 3); b.raw("0")
            b.field("not_close", 3); b.raw("0")
            b.field("max_abs_diff", 3); b.raw(count > 0 ? "0" : "null")
            b.field("mean_abs_diff", 3); b.raw(count > 0 ? "0" : "null")
            b.field("max_diff_at", 3); b.raw("null")
            b.field("a_value", 3); b.raw("null")
            b.field("b_value", 3); b.raw("null")
            b.field("allclose", 3); b.raw("true")
            b.field("message", 3); b.raw("null")
            b.newline(2); b.raw("}")
        }

        /// Common key `n` as the general path makes it.
        func tensor(_ n: Int) -> TensorDifference {
            let r = rows[n]
            if r.detail >= 0 { return details[Int(r.detail)] }
            let i = Int(r.a), j = Int(r.b)
            let dtype = DType(rawValue: indexA.records[i].dtype)
            var d = TensorDifference(key: indexA.displayKey(i), keyB: indexB.displayKey(j), dtypeA: dtype, dtypeB: dtype,
                                     shapeA: indexA.shape(i), shapeB: indexB.shape(j), status: .identical)
            let count = indexA.elementCount(i) ?? 0
            d.identicalBytes = true
            d.elements = count
            d.allclose = true
            if count > 0 {
                d.maxAbsDiff = 0
                d.meanAbsDiff = 0
            }
            return d
        }
    }
}
