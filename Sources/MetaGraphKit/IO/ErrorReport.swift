// An error as `--json` reports it (file derived from the message), and the one place the
// library's version is kept. In IO: it looks at the file system and prints JSONValue.

/// The version of MetaGraphKit and `tfmeta` (`tfmeta --version` prints it).
public enum MetaGraphKitVersion {
    /// The version, `MAJOR.MINOR.PATCH`.
    public static let current = "0.10.0"
}

extension MetaGraphKitError {
    /// The file the message names: its text before the first `: ` (without a
    /// `:LINE:COLUMN` suffix), when that looks like a path (no spaces, or it
    /// exists); nil otherwise.
    public var derivedFile: String? {
        let bytes = Array(message.utf8)
        guard let colon = bytes.indices.dropLast().first(where: { bytes[$0] == 0x3a && bytes[$0 + 1] == 0x20 }) else { return nil }
        var end = colon
        // "FILE:LINE:COLUMN: problem" (text format) names FILE.
        for _ in 0..<2 {
            var i = end
            while i > 0, bytes[i - 1] >= 0x30, bytes[i - 1] <= 0x39 { i -= 1 }
            guard i < end, i > 1, bytes[i - 1] == 0x3a else { break }
            end = i - 1
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
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
