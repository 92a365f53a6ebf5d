import Testing
@testable import MetaGraphKit

/// The C float32 loops of `ckpt diff` and `ckpt stats` (AVX2 where the processor has
/// it) against the element-by-element definitions, on data with NaN, infinities,
/// zeros, one-ULP and larger changes, at unaligned offsets and odd lengths.
@Suite("float32 kernels", .serialized)
struct Float32KernelTests {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// Pairs of floats, with specials mixed in by `trial`.
    func pairs(_ n: Int, trial: Int, _ rng: inout Rng) -> ([Float], [Float]) {
        var a: [Float] = [], b: [Float] = []
        for _ in 0..<n {
            var x = Float(Int(rng.next() % 2_000_001) - 1_000_000) / 997
            var y = x
            switch rng.below(100) {
            case 0..<30: y = x.nextUp
            case 30..<35: y = x + 1
            case 35..<37 where trial % 3 == 0: y = .nan
            case 37 where trial % 4 == 0: x = .nan; y = .nan
            case 38 where trial % 5 == 0: y = .infinity
            case 39 where trial % 5 == 0: x = .infinity; y = .infinity
            case 99: x = 0
            default: break
            }
            a.append(x); b.append(y)
        }
        return (a, b)
    }

    /// `bytes` of `values` starting `offset` bytes into a buffer.
    func unaligned(_ values: [Float], offset: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0xA5, count: offset)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    @Test(arguments: [true, false]) func differenceMatchesTheDefinition(vector: Bool) {
        Float32Kernels.useVector(vector)
        defer { Float32Kernels.useVector(true) }
        var rng = Rng(state: 7)
        var options = CheckpointDiff.Options()
        options.rtol = 1e-5; options.atol = 1e-8
        for trial in 0..<60 {
            let n = 1 + rng.below(12_000)
            let (a, b) = pairs(n, trial: trial, &rng)
            let offset = trial % 4
            let ba = unaligned(a, offset: offset), bb = unaligned(b, offset: 3 - offset)
            var expected = CheckpointDiff.Tally()
            for i in 0..<n { expected.add(Double(a[i]), Double(b[i]), i, atol: options.atol, rtol: options.rtol) }
            // A sub-range too: positions count from the whole tensor.
            let lo = rng.below(n)
            var expectedTail = CheckpointDiff.Tally()
            for i in lo..<n { expectedTail.add(Double(a[i]), Double(b[i]), i, atol: options.atol, rtol: options.rtol) }
            ba.withUnsafeBytes { pa in
                bb.withUnsafeBytes { pb in
                    for (from, want) in [(0, expected), (lo, expectedTail)] {
                        let got = CheckpointDiff.float32Tally(pa.baseAddress! + offset, pb.baseAddress! + 3 - offset, from, n, options)
                        #expect(got.differing == want.differing, "trial \(trial)")
                        #expect(got.notClose == want.notClose, "trial \(trial)")
                        #expect(got.maxAt == want.maxAt, "trial \(trial)")
                        #expect(got.maxAbs == want.maxAbs, "trial \(trial)")
                        let scale = Swift.max(1, abs(want.sumAbs))
                        #expect(got.sumAbs == want.sumAbs || abs(got.sumAbs - want.sumAbs) <= 1e-9 * scale, "trial \(trial)")
                    }
                }
            }
        }
    }

    @Test(arguments: [true, false]) func momentsMatchTheDefinition(vector: Bool) {
        Float32Kernels.useVector(vector)
        defer { Float32Kernels.useVector(true) }
        var rng = Rng(state: 11)
        for trial in 0..<60 {
            let n = 1 + rng.below(20_000)
            let (a, _) = pairs(n, trial: trial, &rng)
            let offset = trial % 4
            let bytes = unaligned(a, offset: offset)
            let finite = a.allSatisfy(\.isFinite)
            let got = bytes.withUnsafeBytes { CheckpointStats.float32BlockMoments($0.baseAddress! + offset, 0, n) }
            guard finite else {
                #expect(got == nil, "trial \(trial): a NaN or an infinity goes to the counting loop")
                continue
            }
            let mean = a.reduce(0.0) { $0 + Double($1) } / Double(n)
            let m2 = a.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
            guard let got else { Issue.record("trial \(trial): finite data refused"); continue }
            #expect(got.n == n)
            #expect(abs(got.mean - mean) <= 1e-9 * Swift.max(1, abs(mean)), "trial \(trial)")
            #expect(abs(got.m2 - m2) <= 1e-9 * Swift.max(1, m2), "trial \(trial)")
            #expect(got.min == Double(a.min()!) && got.max == Double(a.max()!), "trial \(trial)")
            #expect(got.zeros == a.filter { $0 == 0 }.count, "trial \(trial)")
        }
    }
}
