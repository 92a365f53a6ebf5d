// The float32 loops of `ckpt stats` and `ckpt diff` eight lanes at a time: most
// checkpoints are float32, and a scalar loop costs several times the memory read.

extension CheckpointStats {
    /// ``blockMoments`` for float32, with SIMD lanes (sums in Double lanes).
    static func float32BlockMoments(_ p: UnsafeRawPointer, _ lo: Int, _ hi: Int) -> Moments? {
        let n = hi - lo
        let vectors = n / 8
        guard vectors > 0 else { return nil }
        var sum = SIMD8<Double>(), mn = SIMD8<Float>(repeating: .infinity), mx = SIMD8<Float>(repeating: -.infinity)
        var zeros = SIMD8<Int32>()
        let base = p + lo * 4
        for v in 0..<vectors {
            let x = base.loadUnaligned(fromByteOffset: v * 32, as: SIMD8<Float>.self)
            sum += SIMD8<Double>(x)
            mn = pointwiseMin(mn, x)
            mx = pointwiseMax(mx, x)
            zeros &+= SIMD8<Int32>().replacing(with: 1, where: x .== 0)
        }
        var total = sum.sum()
        var lowest = mn.min(), highest = mx.max()
        var zeroCount = Int(zeros.wrappedSum())
        for i in (lo + vectors * 8)..<hi {
            let x = F32.load(p, i)
            total += x
            lowest = Swift.min(lowest, Float(x)); highest = Swift.max(highest, Float(x))
            if x == 0 { zeroCount += 1 }
        }
        // A NaN or an infinity makes the sum non-finite: the caller counts that block element by element.
        guard total.isFinite else { return nil }
        let mean = total / Double(n)
        let meanLanes = SIMD8<Double>(repeating: mean)
        var m2 = SIMD8<Double>()
        for v in 0..<vectors {
            let d = SIMD8<Double>(base.loadUnaligned(fromByteOffset: v * 32, as: SIMD8<Float>.self)) - meanLanes
            m2 += d * d
        }
        var m2Total = m2.sum()
        for i in (lo + vectors * 8)..<hi {
            let d = F32.load(p, i) - mean
            m2Total += d * d
        }
        var m = Moments()
        m.n = n; m.mean = mean; m.m2 = m2Total; m.min = Double(lowest); m.max = Double(highest); m.zeros = zeroCount
        return m
    }
}

extension CheckpointDiff {
    /// ``scan`` for two float32 tensors, eight lanes at a time; the tail is scalar.
    static func float32Scan(_ pa: UnsafeRawPointer, _ pb: UnsafeRawPointer, _ lo: Int, _ hi: Int, _ o: Options) -> Tally {
        var t = Tally()
        let vectors = (hi - lo) / 8
        let atol = SIMD8<Double>(repeating: o.atol), rtol = SIMD8<Double>(repeating: o.rtol)
        var sum = SIMD8<Double>(), maxv = SIMD8<Double>(), maxi = SIMD8<Int64>(repeating: -1)
        var differing = SIMD8<Int64>(), notClose = SIMD8<Int64>()
        let lanes = SIMD8<Int64>(0, 1, 2, 3, 4, 5, 6, 7)
        for v in 0..<vectors {
            let at = (lo + v * 8) * 4
            let a = pa.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self)
            let b = pb.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self)
            if all(a .== b) { continue }
            let da = SIMD8<Double>(a), db = SIMD8<Double>(b)
            let same = (da .== db) .| ((da .!= da) .& (db .!= db))
            var d = (da - db).replacing(with: 0, where: same)
            d = pointwiseMax(d, -d)
            d = d.replacing(with: Double.infinity, where: .!(d .< SIMD8<Double>(repeating: .infinity)))
            differing &+= SIMD8<Int64>().replacing(with: 1, where: .!same)
            notClose &+= SIMD8<Int64>().replacing(with: 1, where: .!(d .<= atol + rtol * pointwiseMax(db, -db)))
            sum += d
            let better = d .> maxv
            maxv = maxv.replacing(with: d, where: better)
            maxi = maxi.replacing(with: lanes &+ Int64(lo + v * 8), where: better)
        }
        t.sumAbs = sum.sum()
        t.differing = Int(differing.wrappedSum())
        t.notClose = Int(notClose.wrappedSum())
        for l in 0..<8 where maxi[l] >= 0 {
            if maxv[l] > t.maxAbs || (maxv[l] == t.maxAbs && (t.maxAt < 0 || Int(maxi[l]) < t.maxAt)) { t.maxAbs = maxv[l]; t.maxAt = Int(maxi[l]) }
        }
        for i in (lo + vectors * 8)..<hi { t.add(F32.load(pa, i), F32.load(pb, i), i, atol: o.atol, rtol: o.rtol) }
        return t
    }
}
