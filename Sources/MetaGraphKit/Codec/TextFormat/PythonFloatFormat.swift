// Floating-point numbers spelled the way Python's text_format prints them.
import Foundation

enum PythonFloatFormat {
    /// Python's `repr(float)`: the shortest digits that round-trip, in fixed
    /// notation when the decimal exponent is in -4 ..< 16, else `1e-05` style;
    /// `inf`, `-inf`, `nan`.
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        // Swift's description has the same shortest, closest digits; only the layout differs.
        var text = value.description
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
        var precision = 6
        while true {
            let rounded = Double(String(format: "%.\(precision)g", Double(value)))!
            if Float(rounded) == value || precision >= 17 { return repr(rounded) }
            precision += 1
        }
    }
}
