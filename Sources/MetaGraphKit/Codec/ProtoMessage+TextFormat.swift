// The protobuf text format for every message type: printing and parsing.

extension ProtoMessage {
    /// The message in protobuf text format, byte for byte as Python's
    /// `text_format.MessageToString` (protobuf 7, TensorFlow 2.21) prints it.
    ///
    /// Fields come in field-number order with two-space indentation; repeated fields
    /// one line per element; proto3 fields at their default are left out; enums by
    /// name (by number when the schema has no name); map entries sorted by key;
    /// `google.protobuf.Any` expanded as `[type.googleapis.com/…] { … }` when its
    /// type is one of the schemas'; unknown fields are not printed. Floats print as
    /// Python prints them (`0.1`, `1e-07`, `inf`, `nan`). Strings keep valid UTF-8
    /// and escape control characters and invalid bytes as `\ooo`; bytes fields
    /// escape every byte outside printable ASCII.
    ///
    /// - Returns: The text; every field line ends with a newline, an empty message
    ///   gives an empty string.
    public func textFormat() -> String {
        var printer = TextFormatPrinter()
        printer.printMessage(UnsafePointer(pointer), as: type)
        return String(decoding: printer.out.bytes, as: UTF8.self)
    }

    /// Prints ``textFormat()``'s text in chunks instead of one string, for
    /// writing a large message to a file without holding all of its text.
    ///
    /// - Parameters:
    ///   - chunkSize: About how many bytes each chunk holds (the last may be
    ///     shorter; a chunk ends at the end of a line).
    ///   - body: Called with each chunk, in order; the concatenation of all
    ///     chunks is exactly ``textFormat()``'s UTF-8. After it throws it is not
    ///     called again, and the error is rethrown when printing ends.
    /// - Throws: What `body` throws.
    public func writeTextFormat(chunkSize: Int = 1 << 20, to body: ([UInt8]) throws -> Void) throws {
        try withoutActuallyEscaping(body) { body in
            var failure: (any Error)?
            var printer = TextFormatPrinter(chunkSize: chunkSize) { chunk in
                guard failure == nil else { return }
                do { try body(chunk) } catch { failure = error }
            }
            printer.printMessage(UnsafePointer(pointer), as: type)
            printer.finish()
            if let failure { throw failure }
        }
    }
}

extension ProtoMessage {
    /// Parses protobuf text format, as Python's `text_format.Parse` accepts it.
    ///
    /// Accepted: nested messages in `{ }` or `< >` with an optional `:` before them;
    /// repeated fields one by one or as `[a, b]` lists; map fields as repeated
    /// `{ key: … value: … }` entries; enums by name or number; integers in decimal,
    /// `0x` hex or leading-zero octal; floats with an optional `f` suffix and
    /// `inf`, `-inf`, `infinity`, `nan`; strings in either quote style with C
    /// escapes (`\n`, `\"`, `\ooo`, `\xHH`, `\uXXXX`, `\UXXXXXXXX` …), adjacent
    /// strings concatenated; `#` comments; `,` or `;` after a field;
    /// `google.protobuf.Any` plain or as `[type.googleapis.com/…] { … }`.
    ///
    /// Map entries are stored sorted by key (the last of equal keys wins), so
    /// ``binary()`` gives what Python's deterministic serialization gives.
    ///
    /// - Parameters:
    ///   - text: The text.
    ///   - type: The message type to parse as.
    ///   - file: The file name that error messages start with.
    ///   - limits: The deepest nesting of `{ }` blocks accepted (default 100).
    /// - Throws: ``MetaGraphKitError`` with code `syntax` (message
    ///   `FILE:LINE:COLUMN: what`, 1-based), `unknownName` (a field, enum value or
    ///   Any type the schema does not have), `tooDeep`, or `unsupported` for a NUL
    ///   byte in a `string` field (protobuf-c keeps strings NUL-terminated, so the
    ///   value would be cut; `bytes` fields hold any byte).
    public convenience init(
        text: String, as type: ProtoMessageType, file: String = "<text>", limits: DecodingLimits = .default
    ) throws {
        try self.init(textUTF8: Array(text.utf8), as: type, file: file, limits: limits)
    }

    /// Parses text format given as UTF-8 bytes, as ``init(text:as:file:limits:)``
    /// does, without making a String of a file's content first.
    ///
    /// Taking `text` as `consuming` lets a caller hand over its only copy, so the
    /// text is freed before protobuf-c unpacks the encoding.
    ///
    /// - Parameter text: Valid UTF-8 (``TextFormatUTF8/isValid(_:)``).
    convenience init(
        textUTF8 text: consuming [UInt8], as type: ProtoMessageType, file: String,
        limits: DecodingLimits = .default
    ) throws {
        let bytes = try Self.encode(text: consume text, as: type, file: file, maxDepth: limits.maxDepth)
        try self.init(binary: bytes, as: type, file: file, limits: DecodingLimits(maxDepth: limits.maxDepth + 2))
    }

    /// The binary encoding of text; the text (and the parser) are gone on return.
    private static func encode(text: consuming [UInt8], as type: ProtoMessageType, file: String,
                               maxDepth: Int) throws -> [UInt8] {
        var parser = try TextFormatParser(consume text, file: file, maxDepth: maxDepth)
        return try parser.parse(type)
    }
}
