// An error as `--json` reports it (file derived from the message), and the one place the
// library's version is kept. In IO: it looks at the file system and prints JSONValue.

/// The version of MetaGraphKit and `tfmeta` (`tfmeta --version` prints it).
public enum MetaGraphKitVersion {
    /// The version, `MAJOR.MINOR.PATCH`.
    public static let current = "0.9.0"
}

extension MetaGraphKitError {
    /// The file the message names: its text before the first `: `, when that looks
    /// like a path (no spaces, or it exists); nil otherwise.
    public var derivedFile: String? {
        let bytes = Array(message.utf8)
        guard let colon = bytes.indices.dropLast().first(where: { bytes[$0] == 0x3a && bytes[$0 + 1] == 0x20 }) else { return nil }
        let head = String(decoding: bytes[..<colon], as: UTF8.self)
        guard !head.isEmpty, head.count <= 4096 else { return nil }
        if !head.contains(" ") || FileIO.exists(head) { return head }
        return nil
    }

    /// `{"error": {"code", "message", "file"}}`, what `tfmeta --json` prints on
    /// stdout for a failure (`file` is null when the message names none).
    public var jsonReport: JSONValue {
        .object([("error", .object([
            ("code", .string(code.rawValue)),
            ("message", .string(message)),
            ("file", derivedFile.map { .string($0) } ?? .null),
        ]))])
    }
}
