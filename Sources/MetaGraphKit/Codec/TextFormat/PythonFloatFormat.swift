// Floating-point numbers spelled the way Python's text_format prints them.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum PythonFloatFormat {
    /// Python's `repr(float)`: the shortest digits that round-trip, in fixed
    /// notation when the decimal exponent is in -4 ..< 16, else `1e-05` style;
    /// `inf`, `-inf`, `nan`.
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        // Swift's description has the same shortest, closest digits; only the layout
        // differs. Where both write fixed notation, the layouts agree too.
        let text = value.description
        if value.magnitude >= 1e-4, value.magnitude < 1e16, !text.utf8.contains(0x65) { return text }
        return relaidOut(text)
    }

    /// Python's layout of the digits in Swift's `description` of a finite double.
    static func relaidOut(_ description: String) -> String {
        var text = description
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        let point = text.firstIndex(of: ".").map { text.distance(from: text.startIndex, to: $0) } ?? text.count
        var digits = Array(text.replacingOccurrences(of: ".", with: ""))
        var decimalPoint = point + exponent
        while let first = digits.first, first == "0" { digits.removeFirst(); decimalPoint -= 1 }
        while let last = digits.last, last == "0" { digits.removeLast() }
        let sign = negative ? "-" : ""
        if digits.isEmpty { return sign + "0.0" }
        let d = String(digits)
        if decimalPoint > -4 && decimalPoint <= 16 {
            if decimalPoint <= 0 { return sign + "0." + String(repeating: "0", count: -decimalPoint) + d }
            if decimalPoint >= digits.count {
                return sign + d + String(repeating: "0", count: decimalPoint - digits.count) + ".0"
            }
            return sign + String(digits[..<decimalPoint]) + "." + String(digits[decimalPoint...])
        }
        let e = decimalPoint - 1
        let mantissa = digits.count == 1 ? d : String(digits[0]) + "." + String(digits[1...])
        let magnitude = abs(e) < 10 ? "0\(abs(e))" : "\(abs(e))"
        return sign + mantissa + "e" + (e < 0 ? "-" : "+") + magnitude
    }

    /// What Python's text_format prints for a `float` field:
    /// `repr(ToShortestFloat(v))`, where ToShortestFloat tries `%.6g`, `%.7g`, …
    /// until the decimal converts back to the same 32-bit float.
    static func repr(_ value: Float) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        // When Swift's shortest round-trip digits number six or fewer, they are
        // the digits `%.6g` gives (a normal float is exact to better than half a
        // unit of the sixth digit; subnormals are not), so Python's first try
        // succeeds with them.
        if value.isNormal || value.isZero {
            let shortest = value.description
            if significantDigits(shortest) <= 6, let rounded = Double(shortest) { return repr(rounded) }
        }
        var precision: Int32 = 6
        while true {
            let rounded = rounded(Double(value), significantDigits: precision)
            if Float(rounded) == value || precision >= 17 { return repr(rounded) }
            precision += 1
        }
    }

    /// The number of significant digits in a description such as `-0.00125`
    /// or `1.4013e-45` (leading and trailing zeros not counted).
    static func significantDigits(_ description: String) -> Int {
        var first = -1
        var last = -1
        var index = 0
        for c in description.utf8 {
            if c == 0x65 || c == 0x45 { break }  // e, E: the exponent follows
            if c >= 0x31 && c <= 0x39 {
                if first < 0 { first = index }
                last = index
            }
            if c >= 0x30 && c <= 0x39 { index += 1 }
        }
        return first < 0 ? 0 : last - first + 1
    }

    /// `float('%.{digits}g' % value)`: C's `%g` (correctly rounded, as Python's
    /// formatting is) read back with `strtod`, without Foundation's String(format:).
    static func rounded(_ value: Double, significantDigits digits: Int32) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 48) { buffer in
            let base = buffer.baseAddress!
            let written = withVaList([digits, value]) { vsnprintf(base, buffer.count, "%.*g", $0) }
            precondition(written > 0 && Int(written) < buffer.count, "%g of a double fits in 48 bytes")
            return strtod(base, nil)
        }
    }
}
