// The JSON header of a safetensors file, read in one pass without Foundation:
// a header of 100,000 tensors parsed through JSONSerialization built an
// NSDictionary per tensor (seconds, and half a GB). This reader takes the shape
// every writer produces (ASCII keys and strings without escapes, the three
// fields of a tensor, integer numbers, string metadata) and declines anything
// else, which then goes through JSONSerialization as before, so every message
// about a malformed header is unchanged.

/// A safetensors header as its writers write it.
struct SafetensorsHeader {
    /// One tensor's fields, as written.
    struct Tensor {
        let key: String
        let dtype: String
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    private(set) var tensors: [Tensor] = []
    private(set) var metadata: [String: String] = [:]

    /// Parses `bytes`; nil for anything outside the common form (escapes,
    /// non-ASCII, other fields, non-integer numbers, duplicate keys, malformed
    /// JSON), which the caller then reads the general way.
    init?(_ bytes: UnsafeRawBufferPointer) {
        var p = 0
        let end = bytes.count

        func skipSpace() {
            while p < end, bytes[p] == 0x20 || bytes[p] == 0x0A || bytes[p] == 0x0D || bytes[p] == 0x09 { p += 1 }
        }
        func take(_ c: UInt8) -> Bool {
            skipSpace()
            guard p < end, bytes[p] == c else { return false }
            p += 1
            return true
        }
        /// An ASCII string without escapes or control characters.
        func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = p
            while p < end, bytes[p] != UInt8(ascii: "\"") {
                let b = bytes[p]
                guard b >= 0x20, b < 0x80, b != UInt8(ascii: "\\") else { return nil }
                p += 1
            }
            guard p < end else { return nil }
            let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<p]), as: UTF8.self)
            p += 1
            return s
        }
        /// A non-negative integer as JSON writes it (no sign, fraction, exponent or leading zero).
        func integer() -> Int? {
            skipSpace()
            let start = p
            var value = 0
            while p < end, bytes[p] >= 0x30, bytes[p] <= 0x39 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(bytes[p] - 0x30))
                guard !o1, !o2 else { return nil }
                value = a
                p += 1
            }
            guard p > start, !(bytes[start] == 0x30 && p - start > 1) else { return nil }
            // A fraction or exponent: not an integer as written.
            if p < end, bytes[p] == UInt8(ascii: ".") || bytes[p] == UInt8(ascii: "e") || bytes[p] == UInt8(ascii: "E") { return nil }
            return value
        }
        func integers() -> [Int]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            var out: [Int] = []
            if take(UInt8(ascii: "]")) { return out }
            repeat {
                guard let v = integer() else { return nil }
                out.append(v)
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]")) ? out : nil
        }

        guard take(UInt8(ascii: "{")) else { return nil }
        var keys = Set<String>()
        // A tensor takes at least ~60 bytes of header.
        keys.reserveCapacity(end / 64)
        tensors.reserveCapacity(end / 64)
        var sawMetadata = false
        if !take(UInt8(ascii: "}")) {
            repeat {
                guard let key = string(), take(UInt8(ascii: ":")) else { return nil }
                if key == "__metadata__" {
                    guard !sawMetadata, take(UInt8(ascii: "{")) else { return nil }
                    sawMetadata = true
                    if !take(UInt8(ascii: "}")) {
                        repeat {
                            guard let k = string(), take(UInt8(ascii: ":")), let v = string(), metadata[k] == nil else { return nil }
                            metadata[k] = v
                        } while take(UInt8(ascii: ","))
                        guard take(UInt8(ascii: "}")) else { return nil }
                    }
                } else {
                    guard keys.insert(key).inserted, take(UInt8(ascii: "{")) else { return nil }
                    var dtype: String?
                    var shape: [Int]?
                    var offsets: [Int]?
                    repeat {
                        guard let field = string(), take(UInt8(ascii: ":")) else { return nil }
                        switch field {
                        case "dtype" where dtype == nil: dtype = string()
                        case "shape" where shape == nil: shape = integers()
                        case "data_offsets" where offsets == nil: offsets = integers()
                        default: return nil
                        }
                    } while take(UInt8(ascii: ","))
                    guard take(UInt8(ascii: "}")), let dtype, let shape, let offsets, offsets.count == 2 else { return nil }
                    tensors.append(Tensor(key: key, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
                }
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { return nil }
        }
        skipSpace()
        guard p == end else { return nil }
    }
}
