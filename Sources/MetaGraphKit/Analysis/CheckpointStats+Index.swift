// `ckpt stats` of a V2 checkpoint from its compact index: each tensor summarised
// straight from the mapped data file and kept as one row of numbers (no String,
// shape array or TensorEntry per key); the report is written from the rows.

extension CheckpointStats {
    /// Where the tensors' statistics live.
    enum Storage: Sendable {
        case listed([TensorStats])
        case compact(CompactStats)
    }

    /// The statistics of every entry of a compact index, one row each.
    struct CompactStats: Sendable {
        struct Row: Sendable {
            var min = 0.0, max = 0.0, mean = 0.0, std = 0.0
            var nan = 0, positiveInfinity = 0, negativeInfinity = 0, zeros = 0
            var elements = 0, bytes = 0
            /// Index in ``details`` of a tensor read the general way, else -1.
            var detail: Int32 = -1
            /// Position of the role in ``TensorRole/allCases``.
            var role: UInt8 = 0
            /// Whether min/max/mean/std are set (some finite element).
            var hasStats = false
            /// Where the row's bins start in ``histograms``, and how many there are.
            var histogramStart = 0
            var histogramCount: Int32 = 0
        }

        let index: CompactBundleIndex
        private(set) var rows: [Row] = []
        /// The tensors the index could not serve (strings, damage…), read through
        /// the reader as ``CheckpointStats/compute(_:histogramBins:)`` reads them.
        private(set) var details: [TensorStats] = []
        /// Every row's histogram bins, one after another (4 bytes a bin).
        private(set) var histograms: [UInt32] = []

        init(_ payloads: IndexPayloads, _ reader: CheckpointReader, histogramBins: Int = 0) {
            let index = payloads.index
            self.index = index
            let roles = TensorRole.allCases
            rows.reserveCapacity(index.count)
            var pages = IndexPayloads.PageRelease()
            defer { pages.flush(payloads) }
            for i in 0..<index.count {
                pages.read(payloads, i)
                let dtype = DType(rawValue: index.records[i].dtype)
                if let kind = NumericKind(dtype), let (bytes, n) = payloads.payload(i), n <= Int(UInt32.max),
                   let m = try? CheckpointStats.summarise(bytes, kind, count: n, key: "") {
                    let role = index.withKey(i) { TensorRole.classify(asciiKey: $0, dtype: dtype) }
                    var r = Row()
                    r.role = UInt8(roles.firstIndex(of: role)!)
                    r.elements = n
                    r.bytes = n * kind.componentSize * (kind.isComplex ? 2 : 1)
                    r.nan = m.nan; r.positiveInfinity = m.posInf; r.negativeInfinity = m.negInf; r.zeros = m.zeros
                    if m.n > 0 {
                        r.hasStats = true
                        r.min = m.min; r.max = m.max; r.mean = m.mean
                        r.std = (m.m2 / Double(m.n)).squareRoot()
                        if histogramBins > 0 {
                            // As the general path bins them (CheckpointStats.tensorStats).
                            let bins = CheckpointStats.histogram(bytes, kind, count: n, lo: m.min, hi: m.max,
                                                                 bins: Swift.min(histogramBins, n))
                            r.histogramStart = histograms.count
                            r.histogramCount = Int32(bins.count)
                            for b in bins { histograms.append(UInt32(b)) }
                        }
                    }
                    rows.append(r)
                } else {
                    var r = Row()
                    r.detail = Int32(details.count)
                    details.append(CheckpointStats.tensorStats(reader, payloads.entry(i), histogramBins: histogramBins))
                    rows.append(r)
                }
            }
        }

        func role(_ i: Int) -> TensorRole {
            let r = rows[i]
            return r.detail >= 0 ? details[Int(r.detail)].role : TensorRole.allCases[Int(r.role)]
        }

        func elements(_ i: Int) -> Int {
            let r = rows[i]
            return r.detail >= 0 ? details[Int(r.detail)].elements : r.elements
        }

        func bytes(_ i: Int) -> Int {
            let r = rows[i]
            return r.detail >= 0 ? details[Int(r.detail)].bytes : r.bytes
        }

        /// Row `i`'s line of the text report (no newline), as
        /// ``CheckpointStats/writeText(quiet:_:)`` writes ``tensor(_:)``, straight
        /// from the index (its keys are ASCII: one byte a character).
        func writeTextRow(_ i: Int, width: Int, _ b: inout ReportBytes) {
            let r = rows[i]
            let length = index.withKey(i) { key in
                b.bytes(key)
                return key.count
            }
            for _ in 0..<Swift.max(0, width - length) { b.byte(UInt8(ascii: " ")) }
            b.raw("  "); b.text(DType(rawValue: index.records[i].dtype).name); b.raw(" "); b.shapeText(index.dims[index.dimRange(i)])
            b.raw("  "); b.text(TensorRole.allCases[Int(r.role)].rawValue); b.raw("  "); b.size(r.bytes)
            b.statistics(min: r.hasStats ? r.min : nil, max: r.hasStats ? r.max : nil, mean: r.hasStats ? r.mean : nil,
                         std: r.hasStats ? r.std : nil, zeros: r.zeros, nan: r.nan,
                         positiveInfinity: r.positiveInfinity, negativeInfinity: r.negativeInfinity)
            b.raw("\n")
        }

        /// Row `i`'s JSON object (fields at level 3), as
        /// ``CheckpointStats/writeJSON(_:)`` writes ``tensor(_:)``.
        func writeJSONRow(_ i: Int, _ b: inout ReportBytes) {
            let r = rows[i]
            b.raw("{")
            b.field("key", 3, first: true)
            index.withKey(i) { b.quoted(bytes: $0) }
            b.field("dtype", 3); b.quoted(DType(rawValue: index.records[i].dtype).name)
            b.field("shape", 3); b.intArray(index.dims[index.dimRange(i)], 3)
            b.field("role", 3); b.quoted(TensorRole.allCases[Int(r.role)].rawValue)
            b.field("elements", 3); b.int(r.elements)
            b.field("bytes", 3); b.int(r.bytes)
            b.field("min", 3); b.double(r.hasStats ? r.min : nil)
            b.field("max", 3); b.double(r.hasStats ? r.max : nil)
            b.field("mean", 3); b.double(r.hasStats ? r.mean : nil)
            b.field("std", 3); b.double(r.hasStats ? r.std : nil)
            b.field("nan", 3); b.int(r.nan)
            b.field("pos_inf", 3); b.int(r.positiveInfinity)
            b.field("neg_inf", 3); b.int(r.negativeInfinity)
            b.field("zeros", 3); b.int(r.zeros)
            b.field("message", 3); b.raw("null")
            b.newline(2); b.raw("}")
        }

        /// Row `i` as the general path makes it.
        func tensor(_ i: Int) -> TensorStats {
            let r = rows[i]
            if r.detail >= 0 { return details[Int(r.detail)] }
            var s = TensorStats(key: index.displayKey(i), dtype: DType(rawValue: index.records[i].dtype), shape: index.shape(i),
                                role: TensorRole.allCases[Int(r.role)])
            s.elements = r.elements
            s.bytes = r.bytes
            s.nan = r.nan; s.positiveInfinity = r.positiveInfinity; s.negativeInfinity = r.negativeInfinity; s.zeros = r.zeros
            if r.hasStats { s.min = r.min; s.max = r.max; s.mean = r.mean; s.std = r.std }
            s.histogram = histogram(i).map { Int($0) }
            return s
        }

        /// Row `i`'s histogram bins (empty for a row read the general way: its
        /// ``details`` entry holds them).
        func histogram(_ i: Int) -> ArraySlice<UInt32> {
            let r = rows[i]
            return histograms[r.histogramStart..<(r.histogramStart + Int(r.histogramCount))]
        }

        /// Row `i`'s counts and message, with an empty key and shape and no
        /// histogram: what a filter over every row needs, without a String per row.
        func counts(_ i: Int) -> TensorStats {
            let r = rows[i]
            if r.detail >= 0 { return details[Int(r.detail)] }
            var s = TensorStats(key: "", dtype: DType(rawValue: index.records[i].dtype), shape: [],
                                role: TensorRole.allCases[Int(r.role)])
            s.elements = r.elements
            s.bytes = r.bytes
            s.nan = r.nan; s.positiveInfinity = r.positiveInfinity; s.negativeInfinity = r.negativeInfinity; s.zeros = r.zeros
            return s
        }
    }
}
