// OrderedCode, the order-preserving key encoding of slice keys
// (tsl/lib/strings/ordered_code.cc; EncodeTensorNameSlice in
// tensorflow/core/util/saved_tensor_slice_util.cc).

/// TensorFlow's OrderedCode key encoding, as used for V1 checkpoint keys and V2
/// slice keys.
///
/// Keys are generated from metadata and never parsed, as TensorFlow does.
public enum OrderedCode {
    // MARK: - Primitives

    /// `NumIncreasing`: a length byte (0…8) then the value's significant bytes, big-endian.
    ///
    /// - Parameters:
    ///   - value: The number.
    ///   - out: The key being built.
    ///
    /// TensorFlow's name for this is `OrderedCode::WriteNumIncreasing`.
    public static func appendNumIncreasing(_ value: UInt64, to out: inout [UInt8]) {
        let length = (64 - value.leadingZeroBitCount + 7) / 8
        out.append(UInt8(length))
        for i in stride(from: length - 1, through: 0, by: -1) {
            out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))))
        }
    }

    /// `String`: bytes copied with `00 → 00 ff` and `ff → ff 00`, then `00 01`.
    ///
    /// - Parameters:
    ///   - bytes: The string's bytes.
    ///   - out: The key being built.
    ///
    /// TensorFlow's name for this is `OrderedCode::WriteString`.
    public static func appendString<S: Sequence<UInt8>>(_ bytes: S, to out: inout [UInt8]) {
        for b in bytes {
            switch b {
            case 0x00: out.append(0x00); out.append(0xff)
            case 0xff: out.append(0xff); out.append(0x00)
            default: out.append(b)
            }
        }
        out.append(0x00)
        out.append(0x01)
    }

    private static let h0: [UInt8] = [0, 0, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe, 0xff, 0xff, 0xff]
    private static let h1: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xc0]

    /// `SignedNumIncreasing`: a self-delimiting, order-preserving signed encoding.
    ///
    /// - Parameters:
    ///   - value: The number.
    ///   - out: The key being built.
    ///
    /// TensorFlow's name for this is `OrderedCode::WriteSignedNumIncreasing`.
    public static func appendSignedNumIncreasing(_ value: Int64, to out: inout [UInt8]) {
        let x = UInt64(bitPattern: value >= 0 ? value : ~value)
        if x < 64 {
            out.append(UInt8(truncatingIfNeeded: value) ^ 0x80)
            return
        }
        let bits = 64 - x.leadingZeroBitCount
        let length = bits / 7 + 1
        let sign: UInt8 = value < 0 ? 0xff : 0x00
        var ten: [UInt8] = [sign, sign]
        for i in stride(from: 7, through: 0, by: -1) {
            ten.append(UInt8(truncatingIfNeeded: UInt64(bitPattern: value) >> (8 * UInt64(i))))
        }
        var kept = Array(ten[(10 - length)...])
        kept[0] ^= h0[length]
        kept[1] ^= h1[length]
        out.append(contentsOf: kept)
    }

    // MARK: - Slice keys

    /// The key of one slice of a tensor: `NumIncreasing(0) ‖ String(name) ‖
    /// NumIncreasing(rank) ‖ (SignedNumIncreasing(start) ‖ SignedNumIncreasing(length))*`,
    /// a full dimension written as start 0, length −1.
    ///
    /// - Parameters:
    ///   - name: The tensor's name.
    ///   - slice: The slice (one extent per dimension).
    /// - Returns: The key bytes.
    ///
    /// TensorFlow's name for this is `checkpoint::EncodeTensorNameSlice`.
    public static func tensorNameSliceKey(name: String, slice: TensorSlice) -> [UInt8] {
        var out: [UInt8] = []
        appendNumIncreasing(0, to: &out)
        appendString(name.utf8, to: &out)
        appendNumIncreasing(UInt64(slice.extents.count), to: &out)
        for e in slice.extents {
            if let length = e.length {
                appendSignedNumIncreasing(e.start, to: &out)
                appendSignedNumIncreasing(length, to: &out)
            } else {
                appendSignedNumIncreasing(0, to: &out)
                appendSignedNumIncreasing(-1, to: &out)
            }
        }
        return out
    }
}
