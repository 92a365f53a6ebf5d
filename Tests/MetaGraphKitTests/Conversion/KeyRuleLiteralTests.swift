import Foundation
import Testing
@testable import MetaGraphKit

/// The byte form of literal rules (KeyRule+Literal.swift) against NSRegularExpression:
/// same matches, same results, over many keys and patterns.
@Suite("Key rules without a regex per key")
struct KeyRuleLiteralTests {
    /// A small deterministic generator (the same keys on every run).
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    }

    /// Pieces keys are made of: path parts, punctuation, non-ASCII, line terminators.
    static let keyPieces = ["model", "/", "dense", "_1", "kernel", "bias", "Adam", "Adam_1", "a", "b", "ab", "aa", ".", "$",
                            "\\", "-", ":", "0", "é", "\u{2028}", "\n", "\r\n", "\u{85}", " ", "#", "~", "^", "model/model", "🙂", "e\u{301}"]
    /// Pieces literal patterns are made of (each literal in ICU syntax).
    static let patternPieces = ["model", "/", "dense", "_1", "kernel", "Adam", "a", "b", "ab", "aa", "\\.", "\\$", "\\\\",
                                "-", ":", "0", " ", "#", "~", "\\^", "model/model", "\\/", "\\(", "\\[", "\\+", "\\*", "\\?"]

    @Test func literalFormsAgreeWithTheRegularExpression() throws {
        var g = Generator(state: 17)
        var keys: [String] = ["", "model", "model/", "/model", "model\n", "model\r\n", "model\u{2028}", "model\u{85}", "amodel$"]
        for _ in 0..<600 {
            let n = Int(g.next() % 7)
            keys.append((0..<n).map { _ in g.pick(Self.keyPieces) }.joined())
        }
        var patterns: [String] = ["^model/", "/kernel$", "Adam", "^model$", "a", "aa", "\\$", "a\\$", "a\\\\$", "^\\^", "#", "^a\\.b$"]
        for _ in 0..<300 {
            let n = 1 + Int(g.next() % 3)
            var p = (0..<n).map { _ in g.pick(Self.patternPieces) }.joined()
            switch g.next() % 4 {
            case 0: p = "^" + p
            case 1: p += "$"
            case 2: p = "^" + p + "$"
            default: break
            }
            patterns.append(p)
        }
        let replacements = ["", "new/", "x", "renamed/model/", "é/"]
        var literalRules = 0, matched = 0
        for (i, pattern) in patterns.enumerated() {
            let rule = try KeyRule(pattern: pattern, replacement: replacements[i % replacements.count])
            if rule.literal != nil { literalRules += 1 }
            for key in keys {
                #expect(rule.matches(key) == rule.matchesRegex(key), "\(pattern) on \(key.debugDescription)")
                #expect(rule.apply(key) == rule.applyRegex(key), "\(pattern) on \(key.debugDescription)")
                if rule.matchesRegex(key) { matched += 1 }
            }
        }
        // The comparison means something only if the byte form ran, and matched.
        #expect(literalRules > 250)
        #expect(matched > 1000)
    }

    @Test func whichPatternsAreLiteral() throws {
        func literal(_ p: String, _ r: String = "x") throws -> LiteralKeyRule? { try KeyRule(pattern: p, replacement: r).literal }
        let anchored = try #require(try literal("^model/"))
        #expect(anchored.atStart && !anchored.atEnd && anchored.literal == Array("model/".utf8))
        let end = try #require(try literal("a\\.b$"))
        #expect(!end.atStart && end.atEnd && end.literal == Array("a.b".utf8))
        #expect(try literal("a\\$")?.atEnd == false)
        #expect(try literal("a\\\\$")?.atEnd == true)
        // Regular expression syntax, group references and escapes in the template go to ICU.
        for p in ["a.b", "(a)", "a|b", "a*", "a+", "a?", "[ab]", "a{2,}", "\\d", "\\w+", "^", "$", "é", "\\Qa.b\\E", "a{2}"] {
            #expect(try literal(p) == nil, "\(p)")
        }
        #expect(try literal("^model/", "$1") == nil)
        #expect(try literal("^model/", "a\\b") == nil)
    }

    @Test func keyRulesUseTheByteForm() throws {
        let rules = try KeyRules(rules: ["^model/=>renamed/", "/kernel$=>/w"], drops: ["Adam"])
        #expect(rules.rules.allSatisfy { $0.literal != nil })
        #expect(rules.apply("model/dense/kernel") == "renamed/dense/w")
        #expect(rules.apply("model/dense/kernel/Adam") == nil)
        #expect(rules.apply("other/model/kernel") == "other/model/w")
        #expect(rules.apply("x/kernel\n") == "x/w\n")   // ICU's `$` before a final line terminator
        #expect(rules.apply("x/kernel\n\n") == "x/kernel\n\n")
    }
}
