// The common rule forms without a regular expression per key: a pattern that is a
// plain ASCII literal (`^old/`, `/kernel$`, `Adam`, `^a\.b$`) with a replacement
// without `$` or `\` is matched and replaced on the key's UTF-8 bytes. The result
// is what NSRegularExpression gives for the same rule (KeyRuleLiteralTests runs
// both over many keys and patterns); any other pattern, and any key the byte form
// cannot decide (an end anchor before a possible line terminator), goes to ICU.

/// A rule pattern that is one ASCII literal, perhaps anchored at either end.
struct LiteralKeyRule: Sendable {
    /// The literal's bytes (never empty).
    let literal: [UInt8]
    /// `^…`: matches only at the start of the key.
    let atStart: Bool
    /// `…$`: matches only at the end of the key.
    let atEnd: Bool
    /// The replacement's bytes (it has no `$` or `\`, so it is literal too).
    let replacement: [UInt8]

    /// The literal form of `pattern` ⇒ `replacement`, or nil when either needs ICU.
    ///
    /// A character is literal in ICU's syntax (no flags) when it is an ASCII letter,
    /// digit, space or one of ``plainPunctuation``, or a `\` followed by ASCII
    /// punctuation. `^` first and an unescaped `$` last are the anchors (without
    /// the multiline flag: the start of the input, and its end or just before a
    /// line terminator that ends it).
    init?(pattern: String, replacement: String) {
        guard !replacement.utf8.contains(where: { $0 == UInt8(ascii: "$") || $0 == UInt8(ascii: "\\") }) else { return nil }
        var bytes = Array(pattern.utf8)
        var atStart = false, atEnd = false
        if bytes.first == UInt8(ascii: "^") { atStart = true; bytes.removeFirst() }
        if bytes.last == UInt8(ascii: "$") {
            // `\$` at the end is a literal dollar, unless the backslash is itself escaped.
            var backslashes = 0
            var i = bytes.count - 2
            while i >= 0, bytes[i] == UInt8(ascii: "\\") { backslashes += 1; i -= 1 }
            if backslashes % 2 == 0 { atEnd = true; bytes.removeLast() }
        }
        var literal: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count, Self.isPunctuation(bytes[i + 1]) else { return nil }
                literal.append(bytes[i + 1])
                i += 2
                continue
            }
            guard Self.isAlphanumeric(b) || b == UInt8(ascii: " ") || Self.plainPunctuation.contains(b) else { return nil }
            literal.append(b)
            i += 1
        }
        guard !literal.isEmpty else { return nil }
        self.literal = literal
        self.atStart = atStart
        self.atEnd = atEnd
        self.replacement = Array(replacement.utf8)
    }

    /// ASCII punctuation that stands for itself outside a character class in ICU
    /// patterns without flags (`#` is a comment only with the x flag).
    static let plainPunctuation: Set<UInt8> = Set("_/-:,=@;<>%!'\"~#&`".utf8)

    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
    }

    /// ASCII punctuation: `\` before it means the character itself in ICU.
    static func isPunctuation(_ b: UInt8) -> Bool {
        b > 0x20 && b < 0x7f && !isAlphanumeric(b)
    }

    /// Whether the byte form decides `key`: with an end anchor, a key whose last
    /// byte may belong to a line terminator (control characters, U+0085, U+2028,
    /// U+2029, all ending in a byte ≥ 0x80 or < 0x20) goes to ICU.
    func decides(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard atEnd, let last = key.last else { return true }
        return last >= 0x20 && last < 0x80
    }

    /// Where the literal matches in `key`, left to right and not overlapping, as
    /// ICU finds them: at most once when anchored.
    func matches(in key: UnsafeBufferPointer<UInt8>, _ each: (Int) -> Void) {
        let n = literal.count
        guard key.count >= n else { return }
        literal.withUnsafeBufferPointer { lit in
            func at(_ i: Int) -> Bool { memcmp(key.baseAddress! + i, lit.baseAddress!, n) == 0 }
            if atStart {
                // With both anchors the literal is the whole key.
                if (!atEnd || key.count == n), at(0) { each(0) }
                return
            }
            if atEnd {
                if at(key.count - n) { each(key.count - n) }
                return
            }
            let first = lit[0]
            var i = 0
            let limit = key.count - n
            while i <= limit {
                if key[i] == first, at(i) {
                    each(i)
                    i += n
                } else {
                    i += 1
                }
            }
        }
    }

    /// The key with every match replaced, or nil when nothing matches.
    func apply(_ key: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8]?
        var copied = 0
        matches(in: key) { i in
            if out == nil { out = []; out!.reserveCapacity(key.count - literal.count + replacement.count) }
            out!.append(contentsOf: UnsafeBufferPointer(rebasing: key[copied..<i]))
            out!.append(contentsOf: replacement)
            copied = i + literal.count
        }
        guard var out else { return nil }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: key[copied...]))
        return out
    }

    /// Whether the literal matches anywhere in `key`.
    func contains(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        var found = false
        matches(in: key) { _ in found = true }
        return found
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
