// Fixed-bin value histograms for `tfmeta report`: once `ckpt stats` knows a tensor's
// finite range, one more pass over the same mapped bytes (still in the page cache)
// counts its finite elements into equal-width bins, chunks spread over the cores.
import Dispatch

extension CheckpointStats {
    /// Counts the finite elements of a tensor into `bins` equal-width bins over
    /// `[lo, hi]` (the last bin is closed; complex elements by magnitude).
    ///
    /// Memory is one `[Int]` of `bins` per chunk of 2^20 elements being worked on.
    static func histogram(_ p: UnsafeRawBufferPointer, _ kind: NumericKind, count n: Int,
                          lo: Double, hi: Double, bins: Int) -> [Int] {
        guard bins > 0, n > 0, lo.isFinite, hi.isFinite, let address = p.baseAddress else { return [] }
        let chunks = (n + chunk - 1) / chunk
        let results = UnsafeMutableBufferPointer<[Int]>.allocate(capacity: chunks)
        results.initialize(repeating: [])
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let slots = results
        nonisolated(unsafe) let base = address
        let work: @Sendable (Int) -> Void = { c in
            let from = c * chunk, to = Swift.min(n, from + chunk)
            switch kind {
            case .float32: slots[c] = count(base, from, to, lo, hi, bins, F32.self)
            case .float64: slots[c] = count(base, from, to, lo, hi, bins, F64.self)
            case .float16: slots[c] = count(base, from, to, lo, hi, bins, F16.self)
            case .bfloat16: slots[c] = count(base, from, to, lo, hi, bins, BF16.self)
            case .int8: slots[c] = count(base, from, to, lo, hi, bins, IntLoader<Int8>.self)
            case .int16: slots[c] = count(base, from, to, lo, hi, bins, IntLoader<Int16>.self)
            case .int32: slots[c] = count(base, from, to, lo, hi, bins, IntLoader<Int32>.self)
            case .int64: slots[c] = count(base, from, to, lo, hi, bins, IntLoader<Int64>.self)
            case .uint8, .bool: slots[c] = count(base, from, to, lo, hi, bins, IntLoader<UInt8>.self)
            case .uint16: slots[c] = count(base, from, to, lo, hi, bins, IntLoader<UInt16>.self)
            case .uint32: slots[c] = count(base, from, to, lo, hi, bins, IntLoader<UInt32>.self)
            case .uint64: slots[c] = count(base, from, to, lo, hi, bins, IntLoader<UInt64>.self)
            case .complex64, .complex128:
                var h = [Int](repeating: 0, count: bins)
                let scale = hi > lo ? Double(bins) / (hi - lo) : 0
                for i in from..<to {
                    let re = kind.load(base, 2 * i), im = kind.load(base, 2 * i + 1)
                    let x = (re * re + im * im).squareRoot()
                    guard x.isFinite else { continue }
                    h[Swift.max(0, Swift.min(bins - 1, Int((x - lo) * scale)))] += 1
                }
                slots[c] = h
            }
        }
        if chunks == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) }
        var total = [Int](repeating: 0, count: bins)
        for r in results { for (i, v) in r.enumerated() { total[i] += v } }
        return total
    }

    @inline(__always)
    private static func count<L: ElementLoader>(_ p: UnsafeRawPointer, _ from: Int, _ to: Int, _ lo: Double, _ hi: Double,
                                                 _ bins: Int, _: L.Type) -> [Int] {
        var h = [Int](repeating: 0, count: bins)
        let scale = hi > lo ? Double(bins) / (hi - lo) : 0
        let last = bins - 1
        h.withUnsafeMutableBufferPointer { h in
            for i in from..<to {
                let x = L.load(p, i)
                // NaN and ±Inf fail this test; they are counted by the statistics.
                guard x >= lo, x <= hi else { continue }
                let b = Int((x - lo) * scale)
                h[b < last ? b : last] &+= 1
            }
        }
        return h
    }
}
