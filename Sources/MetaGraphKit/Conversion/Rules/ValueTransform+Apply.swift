// The value changes of rules: transposes, reshapes, float casts with
// round-to-nearest-even, joining parts along an axis and cutting slices, on raw
// little-endian row-major element bytes (Tensor's layout).

enum TensorBytes {
    /// numpy's `transpose(x, perm)` on raw element bytes.
    static func transpose(_ bytes: [UInt8], shape: [Int], elementSize: Int, perm: [Int]) -> [UInt8] {
        let rank = shape.count
        guard rank > 1, bytes.count > 0 else { return bytes }
        var inStrides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { inStrides[d] = inStrides[d + 1] * shape[d + 1] }
        let outShape = perm.map { shape[$0] }
        let strides = perm.map { inStrides[$0] }   // input stride of each output axis
        var out = [UInt8](repeating: 0, count: bytes.count)
        var index = [Int](repeating: 0, count: rank)
        var source = 0
        let count = shape.reduce(1, *)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                for o in 0..<count {
                    let from = source * elementSize, to = o * elementSize
                    for b in 0..<elementSize { dst[to + b] = src[from + b] }
                    var d = rank - 1
                    while d >= 0 {
                        index[d] += 1
                        source += strides[d]
                        if index[d] < outShape[d] { break }
                        source -= strides[d] * outShape[d]
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return out
    }

    /// Joins parts along `axis` (numpy's `concatenate`).
    static func concatenate(_ parts: [(bytes: [UInt8], shape: [Int])], axis: Int, elementSize: Int) -> [UInt8] {
        guard let first = parts.first else { return [] }
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *) * elementSize
        var out: [UInt8] = []
        out.reserveCapacity(parts.reduce(0) { $0 + $1.bytes.count })
        for o in 0..<outer {
            for p in parts {
                let row = p.shape[axis] * inner
                out += p.bytes[(o * row)..<((o + 1) * row)]
            }
        }
        return out
    }

    /// The block `[start, start + length)` of `axis`.
    static func slice(_ bytes: [UInt8], shape: [Int], axis: Int, start: Int, length: Int, elementSize: Int) -> [UInt8] {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *) * elementSize
        let row = shape[axis] * inner
        var out: [UInt8] = []
        out.reserveCapacity(outer * length * inner)
        for o in 0..<outer { out += bytes[(o * row + start * inner)..<(o * row + (start + length) * inner)] }
        return out
    }

    /// TF1 `fixed_size_partitioner` sizes: `n / parts` each, the first `n % parts` one more.
    static func partitionSizes(_ n: Int, parts: Int) -> [Int] {
        (0..<parts).map { n / parts + ($0 < n % parts ? 1 : 0) }
    }

    // MARK: - Casts

    /// The elements as doubles (float32, float64, float16, bfloat16).
    static func decode(_ bytes: [UInt8], _ dtype: DType) -> [Double] {
        bytes.withUnsafeBytes { raw -> [Double] in
            switch dtype {
            case .float32: return (0..<bytes.count / 4).map { Double(Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            case .float64: return (0..<bytes.count / 8).map { Double(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
            case .float16: return (0..<bytes.count / 2).map { Double(halfToFloat(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
            default: return (0..<bytes.count / 2).map { Double(Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) << 16)) }
            }
        }
    }

    /// Elements converted from `from` to `to`, and the largest absolute difference
    /// between an element and its converted value (NaN and infinities excluded).
    static func cast(_ bytes: [UInt8], from: DType, to: DType) -> (bytes: [UInt8], maxError: Double) {
        let values = decode(bytes, from)
        var out: [UInt8] = []
        var worst = 0.0
        func note(_ a: Double, _ b: Double) { if a.isFinite, b.isFinite { worst = max(worst, abs(a - b)) } }
        switch to {
        case .float32:
            out.reserveCapacity(values.count * 4)
            for v in values { let f = Float(v); note(v, Double(f)); withUnsafeBytes(of: f.bitPattern.littleEndian) { out += $0 } }
        case .float64:
            out.reserveCapacity(values.count * 8)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        case .float16:
            out.reserveCapacity(values.count * 2)
            for v in values {
                let h = floatToHalf(Float(v))
                note(v, Double(halfToFloat(h)))
                withUnsafeBytes(of: h.littleEndian) { out += $0 }
            }
        default:   // bfloat16
            out.reserveCapacity(values.count * 2)
            for v in values {
                let b = floatToBFloat16(Float(v))
                note(v, Double(Float(bitPattern: UInt32(b) << 16)))
                withUnsafeBytes(of: b.littleEndian) { out += $0 }
            }
        }
        return (out, worst)
    }

    /// float32 → bfloat16, round to nearest even (NaN stays a quiet NaN), as
    /// TensorFlow's `bfloat16(float)` does.
    static func floatToBFloat16(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        if f.isNaN { return UInt16(bits >> 16) | 0x40 }
        let bias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ bias) >> 16)
    }

    /// float32 → IEEE half, round to nearest even, overflow to infinity.
    static func floatToHalf(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exp = Int((bits >> 23) & 0xFF)
        var mant = bits & 0x7F_FFFF
        if exp == 0xFF { return sign | 0x7C00 | (mant != 0 ? 0x200 : 0) }
        var e = exp - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            // Subnormal half (or zero): shift the implicit bit in, round to nearest even.
            if e < -10 { return sign }
            mant |= 0x80_0000
            let shift = UInt32(14 - e)
            let half = UInt32(1) << (shift - 1)
            let rest = mant & ((UInt32(1) << shift) - 1)
            var m = mant >> shift
            if rest > half || (rest == half && (m & 1) == 1) { m += 1 }
            return sign | UInt16(m)
        }
        let rest = mant & 0x1FFF
        var m = mant >> 13
        if rest > 0x1000 || (rest == 0x1000 && (m & 1) == 1) {
            m += 1
            if m == 0x400 { m = 0; e += 1 }
            if e >= 0x1F { return sign | 0x7C00 }
        }
        return sign | UInt16(e << 10) | UInt16(m)
    }

    /// IEEE half → float32 (exact).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign: Float = (h & 0x8000) != 0 ? -1 : 1
        let exp = Int((h >> 10) & 0x1F)
        let mant = Float(h & 0x3FF)
        switch exp {
        case 0: return sign * mant * Float(sign: .plus, exponent: -24, significand: 1)
        case 0x1F: return mant == 0 ? sign * .infinity : .nan
        default: return sign * (1 + mant / 1024) * Float(sign: .plus, exponent: exp - 15, significand: 1)
        }
    }
}
