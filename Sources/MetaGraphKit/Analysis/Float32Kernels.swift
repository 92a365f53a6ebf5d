// The float32 loops of `ckpt stats` and `ckpt diff`, most checkpoints being float32.
// They are C (CMetaGraphSupport/float32_kernels.c): the package targets the x86-64
// baseline, where Swift's SIMD8<Double> is split into scalar code (a Swift SIMD
// version of the diff loop measured slower than its scalar loop, 5.1 s against
// 2.0 s of CPU for 2 × 1 GiB); the C loops use AVX2 when the processor has it.
internal import CMetaGraphSupport

/// Which loops the float32 kernels run (for tests).
enum Float32Kernels {
    /// false: the portable loops; true: AVX2 where the processor has it.
    static func useVector(_ on: Bool) { mgk_float32_kernels_use_vector(on ? 1 : 0) }
}

extension CheckpointStats {
    /// ``blockMoments`` for float32 elements `lo..<hi`, or nil when one is NaN or
    /// infinite (the caller then counts the block element by element).
    static func float32BlockMoments(_ p: UnsafeRawPointer, _ lo: Int, _ hi: Int) -> Moments? {
        guard hi > lo else { return nil }
        var out = mgk_float32_block()
        guard mgk_float32_moments(p + lo * 4, hi - lo, &out) == 1 else { return nil }
        var m = Moments()
        m.n = hi - lo; m.mean = out.mean; m.m2 = out.m2; m.min = Double(out.min); m.max = Double(out.max); m.zeros = Int(out.zeros)
        return m
    }
}

extension CheckpointDiff {
    /// float32 elements `lo..<hi` of A and B compared as ``Tally/add(_:_:_:atol:rtol:)`` does.
    static func float32Tally(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ lo: Int, _ hi: Int, _ o: Options) -> Tally {
        var c = mgk_float32_difference(differing: 0, not_close: 0, sum_abs: 0, max_abs: 0, max_at: -1)
        mgk_float32_difference_scan(a + lo * 4, b + lo * 4, hi - lo, o.atol, o.rtol, &c)
        var t = Tally()
        t.differing = Int(c.differing); t.notClose = Int(c.not_close); t.sumAbs = c.sum_abs
        if c.max_at >= 0 { t.maxAbs = c.max_abs; t.maxAt = lo + Int(c.max_at) }
        return t
    }
}
