// Splits protobuf text format into tokens, as Python's text_format Tokenizer does.

/// A token of the text format: where its bytes lie in the text (the scanner's
/// ``TextFormatScanner/text(of:)`` gives them) and where it starts. Tokens hold
/// no reference to the text, so copying one costs nothing.
struct TextFormatToken {
    enum Kind: Equatable {
        /// `[a-zA-Z_][0-9a-zA-Z_+-]*`
        case identifier
        /// `([0-9+-]|\.[0-9])[0-9a-zA-Z_.+-]*` (integers, floats, `-inf`)
        case number
        /// A quoted string, quotes and escapes still in its text.
        case string
        /// Any other single character (`{`, `:`, `[` …).
        case symbol
        case end
    }
    let kind: Kind
    /// The offsets of the token's bytes in the whole text.
    let range: Range<Int>
    /// The token's first byte (0 for the end).
    let firstByte: UInt8
    /// The 1-based line.
    let line: Int
    /// The offset in the whole text where the token's line starts (see
    /// ``TextFormatScanner/column(of:)``).
    let lineStart: Int

    /// Whether this is the one-character symbol `c` (an ASCII character).
    func isSymbol(_ c: Unicode.Scalar) -> Bool {
        kind == .symbol && range.count == 1 && UInt32(firstByte) == c.value
    }
}

/// Reads tokens from UTF-8 text, skipping whitespace and `#` comments.
struct TextFormatScanner {
    /// The whole text, as UTF-8.
    let bytes: [UInt8]
    private let file: String
    private var position = 0
    private var line = 1
    private var lineStart = 0

    /// - Parameters:
    ///   - bytes: The text; must be valid UTF-8 (columns count characters).
    ///   - file: The file name that error messages start with.
    init(_ bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// The bytes of a token.
    func text(of token: TextFormatToken) -> ArraySlice<UInt8> { bytes[token.range] }

    /// The text of a token as a String, for messages.
    func string(of token: TextFormatToken) -> String { String(decoding: bytes[token.range], as: UTF8.self) }

    /// The 1-based column of a token, counted in characters (Unicode scalars),
    /// not bytes; worked out only when a message needs it.
    func column(of token: TextFormatToken) -> Int {
        column(at: token.range.lowerBound, lineStart: token.lineStart)
    }

    /// The 1-based column of the byte at `offset` on the line starting at `lineStart`.
    func column(at offset: Int, lineStart: Int) -> Int {
        bytes[lineStart..<offset].reduce(1) { $1 & 0xc0 == 0x80 ? $0 : $0 + 1 }
    }

    /// The next token; throws `.syntax` for a string that does not end on its line.
    mutating func next() throws -> TextFormatToken {
        skipSpaceAndComments()
        guard position < bytes.count else {
            return TextFormatToken(kind: .end, range: position..<position, firstByte: 0, line: line, lineStart: lineStart)
        }
        let start = position
        let c = bytes[position]
        let kind: TextFormatToken.Kind
        if Self.isLetter(c) || c == 0x5f {
            position += 1
            while position < bytes.count, Self.isIdentifierTail(bytes[position]) { position += 1 }
            kind = .identifier
        } else if Self.isDigit(c) || c == 0x2b || c == 0x2d
                    || (c == 0x2e && position + 1 < bytes.count && Self.isDigit(bytes[position + 1])) {
            position += 1
            while position < bytes.count, Self.isIdentifierTail(bytes[position]) || bytes[position] == 0x2e {
                position += 1
            }
            kind = .number
        } else if c == 0x22 || c == 0x27 {
            position += 1
            while true {
                guard position < bytes.count, bytes[position] != 0x0a else {
                    let column = column(at: start, lineStart: lineStart)
                    throw MetaGraphKitError(.syntax, "\(file):\(line):\(column): string is not terminated on its line", file: file)
                }
                let b = bytes[position]
                position += 1
                if b == c { break }
                if b == 0x5c, position < bytes.count, bytes[position] != 0x0a { position += 1 }
            }
            kind = .string
        } else {
            position += 1
            // Keep a multi-byte UTF-8 character whole, for messages.
            while position < bytes.count, bytes[position] & 0xc0 == 0x80 { position += 1 }
            kind = .symbol
        }
        return TextFormatToken(kind: kind, range: start..<position, firstByte: c, line: line, lineStart: lineStart)
    }

    private mutating func skipSpaceAndComments() {
        while position < bytes.count {
            let c = bytes[position]
            if c == 0x0a {
                position += 1; line += 1; lineStart = position
            } else if c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0b || c == 0x0c {
                position += 1
            } else if c == 0x23 {
                while position < bytes.count, bytes[position] != 0x0a { position += 1 }
            } else {
                return
            }
        }
    }

    private static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a }
    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isIdentifierTail(_ c: UInt8) -> Bool {
        isLetter(c) || isDigit(c) || c == 0x5f || c == 0x2b || c == 0x2d
    }
}
