// Splits protobuf text format into tokens, as Python's text_format Tokenizer does.

/// A token of the text format with its 1-based line and column.
struct TextFormatToken {
    enum Kind: Equatable {
        /// `[a-zA-Z_][0-9a-zA-Z_+-]*`
        case identifier
        /// `([0-9+-]|\.[0-9])[0-9a-zA-Z_.+-]*` (integers, floats, `-inf`)
        case number
        /// A quoted string, quotes and escapes still in `text`.
        case string
        /// Any other single character (`{`, `:`, `[` …).
        case symbol
        case end
    }
    let kind: Kind
    let text: [UInt8]
    let line: Int
    let column: Int

    var string: String { String(decoding: text, as: UTF8.self) }
    func isSymbol(_ c: Character) -> Bool { kind == .symbol && text == Array(String(c).utf8) }
}

/// Reads tokens from UTF-8 text, skipping whitespace and `#` comments.
struct TextFormatScanner {
    private let bytes: [UInt8]
    private let file: String
    private var position = 0
    private var line = 1
    private var lineStart = 0

    init(_ text: String, file: String) {
        bytes = Array(text.utf8)
        self.file = file
    }

    /// The next token; throws `.syntax` for a string that does not end on its line.
    mutating func next() throws -> TextFormatToken {
        skipSpaceAndComments()
        // Columns count characters (Unicode scalars), not bytes.
        let column = bytes[lineStart..<position].reduce(1) { $1 & 0xc0 == 0x80 ? $0 : $0 + 1 }
        guard position < bytes.count else { return TextFormatToken(kind: .end, text: [], line: line, column: column) }
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
                    throw MetaGraphKitError(.syntax, "\(file):\(line):\(column): string is not terminated on its line")
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
        return TextFormatToken(kind: kind, text: Array(bytes[start..<position]), line: line, column: column)
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
