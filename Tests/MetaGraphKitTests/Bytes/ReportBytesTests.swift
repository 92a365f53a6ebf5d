import Foundation
import Testing
@testable import MetaGraphKit

/// The byte writer of the per-key reports (ReportBytes) and the one JSON string
/// escaper (JSONValue.escape) against JSONValue's serialization of the same
/// values: random rows of strings with escapes and non-ASCII text, every kind of
/// double, integers at the extremes, written across many 64 KiB hand-overs.
@Suite("Report bytes")
struct ReportBytesTests {
    /// A seeded generator, so a failure repeats.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pieces = ["a", "model/dense", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1f}", "\u{7f}", " ", "é", "ünïcødé",
                         "✓", "🙂", "\u{80}", "\u{2028}", "/", "'", "{}", "[", "0"]

    func randomString(_ g: inout SplitMix) -> String {
        var s = ""
        for _ in 0..<Int.random(in: 0...12, using: &g) { s += Self.pieces.randomElement(using: &g)! }
        return s
    }

    func randomDouble(_ g: inout SplitMix) -> Double? {
        switch Int.random(in: 0...12, using: &g) {
        case 0: return nil
        case 1: return .nan
        case 2: return .infinity
        case 3: return -.infinity
        case 4: return -0.0
        case 5: return 0
        case 6: return [Double.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude,
                        1e300, 1e-300, 1e16, 1e15, 123456789012345680, 0.1, -2.5, 1, 100].randomElement(using: &g)!
        case 7: return Double(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &g)))
        case 8: return Double(Int.random(in: -1_000_000...1_000_000, using: &g))
        default: return Double(bitPattern: g.next())
        }
    }

    func randomInt(_ g: inout SplitMix) -> Int {
        switch Int.random(in: 0...4, using: &g) {
        case 0: return [Int.min, Int.max, 0, -1, 9, 10, -10].randomElement(using: &g)!
        case 1: return Int.random(in: 0...9, using: &g)
        default: return Int(bitPattern: UInt(g.next()))
        }
    }

    struct Row {
        var key: String, value: Double?, count: Int, dims: [Int], flag: Bool?
    }

    func randomRow(_ g: inout SplitMix) -> Row {
        Row(key: randomString(&g), value: randomDouble(&g), count: randomInt(&g),
            dims: (0..<Int.random(in: 0...3, using: &g)).map { _ in randomInt(&g) },
            flag: [true, false, nil].randomElement(using: &g)!)
    }

    func value(_ r: Row) -> JSONValue {
        .object([("key", .string(r.key)), ("value", r.value.map { .double($0) } ?? .null), ("count", .int(Int64(r.count))),
                 ("dims", .array(r.dims.map { .int(Int64($0)) })), ("flag", r.flag.map { .bool($0) } ?? .null)])
    }

    /// Row `r` as an object whose fields go at `level`.
    func write(_ r: Row, _ level: Int, _ b: inout ReportBytes) {
        b.raw("{")
        b.field("key", level, first: true); b.quoted(r.key)
        b.field("value", level); b.double(r.value)
        b.field("count", level); b.int(r.count)
        b.field("dims", level); b.intArray(r.dims, level)
        b.field("flag", level); b.bool(r.flag)
        b.newline(level - 1); b.raw("}")
    }

    @Test func rowsAreTheSerializersBytes() {
        var g = SplitMix(state: 17)
        let rows = (0..<20_000).map { _ in randomRow(&g) }
        var out: [UInt8] = []
        var handovers = 0
        do {
            var b = ReportBytes { out += $0; handovers += 1 }
            b.raw("{")
            b.field("rows", 1, first: true)
            b.array(count: rows.count, 1) { b, i in write(rows[i], 3, &b) }
            b.newline(0); b.raw("}")
            b.flush(force: true)
        }
        let expected = JSONValue.object([("rows", .array(rows.map(value)))]).serialized(pretty: true)
        #expect(handovers > 10, "the rows cross many 64 KiB hand-overs")
        #expect(String(decoding: out, as: UTF8.self) == expected)
        #expect(out == Array(expected.utf8))
    }

    @Test func eachRowAlone() {
        var g = SplitMix(state: 99)
        for _ in 0..<5_000 {
            let r = randomRow(&g)
            var out: [UInt8] = []
            do {
                var b = ReportBytes { out += $0 }
                b.raw("[")
                b.newline(1)
                write(r, 2, &b)
                b.newline(0); b.raw("]")
                b.flush(force: true)
            }
            let expected = JSONValue.array([value(r)]).serialized(pretty: true)
            #expect(String(decoding: out, as: UTF8.self) == expected, "\(r)")
        }
    }

    @Test func numbersAreTheSerializers() {
        var g = SplitMix(state: 5)
        for _ in 0..<50_000 {
            let d = randomDouble(&g), i = randomInt(&g)
            var out: [UInt8] = []
            do {
                var b = ReportBytes { out += $0 }
                b.double(d); b.raw(" "); b.int(i)
                b.flush(force: true)
            }
            let expected = (d.map { JSONValue.double($0) } ?? .null).serialized() + " " + JSONValue.int(Int64(i)).serialized()
            #expect(String(decoding: out, as: UTF8.self) == expected)
        }
    }

    /// Pieces longer than half the buffer go straight through, in order.
    @Test func longPiecesKeepTheirPlace() {
        let long = String(repeating: "k\"é", count: 30_000)
        var out: [UInt8] = []
        do {
            var b = ReportBytes { out += $0 }
            b.raw("[")
            b.quoted(long); b.raw(","); b.text(long); b.raw(",")
            b.int(-12345)
            b.raw("]")
            b.flush(force: true)
        }
        var quoted = ""
        JSONValue.quote(long, into: &quoted)
        #expect(String(decoding: out, as: UTF8.self) == "[" + quoted + "," + long + ",-12345]")
    }

    /// The escaper against the rule it replaced, written out scalar by scalar.
    @Test func escapingIsTheSerializersRule() {
        func reference(_ s: String) -> String {
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7f { out += String(format: "\\u%04x", scalar.value) } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }
        var g = SplitMix(state: 3)
        var samples = (0...0x80).map { String(UnicodeScalar(UInt8($0))) } + ["", "plain/key_1", "ünïcødé ✓ 🙂"]
        for _ in 0..<5_000 { samples.append(randomString(&g)) }
        for s in samples {
            var quoted = ""
            JSONValue.quote(s, into: &quoted)
            #expect(quoted == reference(s), "\(s.debugDescription)")
            var bytes: [UInt8] = []
            CheckpointReader.appendQuoted(s, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == quoted)
            var out: [UInt8] = []
            do {
                var b = ReportBytes { out += $0 }
                b.quoted(s)
                b.flush(force: true)
            }
            #expect(String(decoding: out, as: UTF8.self) == quoted)
        }
    }
}
