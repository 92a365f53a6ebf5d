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
        private(set) var rows: [Row] = []
        /// Entries of A / B whose key the other has not.
        private(set) var onlyInA: [Int32] = [], onlyInB: [Int32] = []
        private(set) var details: [TensorDifference] = []

        init(_ pa: IndexPayloads, _ ra: CheckpointReader, _ pb: IndexPayloads, _ rb: CheckpointReader, _ options: Options) {
            let a = pa.index, b = pb.index
            indexA = a
            indexB = b
            rows.reserveCapacity(Swift.min(a.count, b.count))
            var i = 0, j = 0
            while i < a.count || j < b.count {
                let order: Int
                if i == a.count { order = 1 } else if j == b.count { order = -1 } else {
                    order = a.withKey(i) { x in b.withKey(j) { y in Block.compare(x, y) } }
                }
                if order < 0 { onlyInA.append(Int32(i)); i += 1; continue }
                if order > 0 { onlyInB.append(Int32(j)); j += 1; continue }
                if Self.sameBytes(pa, i, pb, j) {
                    rows.append(Row(a: Int32(i), b: Int32(j), detail: -1))
                } else {
                    rows.append(Row(a: Int32(i), b: Int32(j), detail: Int32(details.count)))
                    details.append(CheckpointDiff.compareTensor(ra, pa.entry(i), rb, pb.entry(j), options))
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

        func entryB(_ j: Int) -> TensorEntry {
            TensorEntry(key: indexB.displayKey(j), dtype: DType(rawValue: indexB.records[j].dtype), shape: indexB.shape(j), slices: [])
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
