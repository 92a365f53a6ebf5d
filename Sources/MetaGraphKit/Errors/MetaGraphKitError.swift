// The one error shape of MetaGraphKit: a code to match on, a message a user can act on.

/// An error from MetaGraphKit: what went wrong, in which file, and where.
///
/// Every failure the library reports is one of these. Match on ``code`` (equality
/// and hashing look at the code only, so a test can write the expected error in one
/// line); show ``message`` (it names the file, the key, block or field, the byte
/// offset where known, and what to do) to users. `description` is the message alone.
public struct MetaGraphKitError: Error, Hashable, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// The kind of failure. New kinds may be added; do not switch exhaustively.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A stable, lowercase identifier such as `truncated` or `bad-checksum`.
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A file could not be opened, read, written or renamed.
        public static let io = Code("io")
        /// Bytes are not a valid protobuf message of the expected type.
        public static let notAProtobuf = Code("not-a-protobuf")
        /// Nesting deeper than the reader's limit.
        public static let tooDeep = Code("too-deep")
        /// Text format that does not parse.
        public static let syntax = Code("syntax")
        /// A field, enum value or type name that the schema does not have.
        public static let unknownName = Code("unknown-name")
        /// A file ends before the structure it holds.
        public static let truncated = Code("truncated")
        /// A stored checksum does not match the bytes.
        public static let badChecksum = Code("bad-checksum")
        /// A magic number, version or layout rule is violated.
        public static let corrupt = Code("corrupt")
        /// A size or count that is larger than its file or than the reader allows.
        public static let tooLarge = Code("too-large")
        /// Something the format allows that this library does not support.
        public static let unsupported = Code("unsupported")
        /// A file, checkpoint, key or node that was asked for and does not exist.
        public static let notFound = Code("not-found")
        /// An output that exists already.
        public static let exists = Code("exists")
        /// An argument that cannot be used (a bad rule, a bad option value).
        public static let invalidArgument = Code("invalid-argument")
    }

    /// What kind of failure this is.
    public let code: Code
    /// The message for a user: file, place and problem, and what to do where possible.
    public let message: String
    /// The file the failure is in or about, when there is one (also named in ``message``).
    public let file: String?
    /// The tensor key, field or entry the failure is about, when there is one.
    public let key: String?
    /// The byte offset in ``file`` where the failure was found, when known.
    public let offset: Int?
    /// The underlying error: an ``Errno`` for every failed system call, or another
    /// error that led to this one.
    public let cause: (any Error & Sendable)?
    /// Where in MetaGraphKit the error was made; recorded in debug builds only and
    /// shown by `debugDescription`, never in ``message``.
    public let location: SourceLocation?

    /// A place in MetaGraphKit's source (`#fileID` and `#line`).
    public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
        /// The `#fileID` of the throwing code.
        public let fileID: String
        /// The line of the throwing code.
        public let line: UInt
        public var description: String { "\(fileID):\(line)" }
    }

    /// Creates an error with a code, a user-facing message and its context as data.
    ///
    /// Prefer the named constructors (``corrupt(_:_:key:offset:fileID:line:)``,
    /// ``system(_:path:errno:code:fileID:line:)`` and the others): they compose the
    /// message from the same data they store.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: The text a user sees; name the file and the place.
    ///   - file: The file the failure is in, if any.
    ///   - key: The tensor key or field, if any.
    ///   - offset: The byte offset in `file`, if known.
    ///   - cause: The error that led to this one, if any.
    public init(_ code: Code, _ message: String, file: String? = nil, key: String? = nil, offset: Int? = nil,
                cause: (any Error & Sendable)? = nil, fileID: String = #fileID, line: UInt = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.key = key
        self.offset = offset
        self.cause = cause
        #if DEBUG
        self.location = SourceLocation(fileID: fileID, line: line)
        #else
        self.location = nil
        #endif
    }

    public var description: String { message }

    /// The message, then the code, the context fields, the cause and (debug builds)
    /// the source location, one per line.
    public var debugDescription: String {
        var lines = [message, "├─ code: \(code)"]
        if let file { lines.append("├─ file: \(file)") }
        if let key { lines.append("├─ key: \(key)") }
        if let offset { lines.append("├─ offset: \(Self.hex(offset))") }
        if let cause { lines.append("├─ cause: \(cause)") }
        if let location { lines.append("├─ source location: \(location)") }
        lines[lines.count - 1] = "└" + lines[lines.count - 1].dropFirst()
        return lines.joined(separator: "\n")
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension MetaGraphKitError {
    /// Formats a byte offset the way messages show it (`0x1f`).
    static func hex(_ offset: Int) -> String { "0x" + String(offset, radix: 16) }
}
