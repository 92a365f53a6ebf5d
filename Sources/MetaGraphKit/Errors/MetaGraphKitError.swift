// The one error shape of MetaGraphKit: a code to match on, a message a user can act on.

/// An error from MetaGraphKit: what went wrong, in which file, and where.
///
/// Every failure the library reports is one of these. Match on ``code`` (equality
/// and hashing look at the code only, so a test can write the expected error in one
/// line); show ``message`` (it names the file, the key, block or field, the byte
/// offset where known, and what to do) to users. `description` is the message alone.
public struct MetaGraphKitError: Error, Hashable, CustomStringConvertible, Sendable {
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
    /// The underlying error, if another error caused this one.
    public let cause: (any Error & Sendable)?

    /// Creates an error with a code and a user-facing message.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: The text a user sees; name the file and the place.
    ///   - cause: The error that led to this one, if any.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension MetaGraphKitError {
    /// Formats a byte offset the way messages show it (`0x1f`).
    static func hex(_ offset: Int) -> String { "0x" + String(offset, radix: 16) }
}
