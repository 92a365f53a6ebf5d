// The `checkpoint` file's encoding: text-format protobuf, read and written only by
// the library's text-format codec (`ProtoMessage(text:as:file:)`, `textFormat()`).

extension CheckpointState {
    /// Parses the text-format content of a `checkpoint` file.
    ///
    /// - Parameters:
    ///   - text: The file's content.
    ///   - file: The file's path, for messages.
    /// - Throws: ``MetaGraphKitError`` from the text-format codec (`syntax`,
    ///   `unknownName`), or `unsupported` for a path that is not UTF-8.
    ///
    /// TensorFlow's name for this is `text_format.Merge(content, CheckpointState())`.
    public init(textFormat text: String, file: String = "checkpoint") throws {
        let message = try ProtoMessage(text: text, as: .checkpointState, file: file)
        try self.init(message: message, file: file)
    }

    /// The text-format content of a `checkpoint` file, as TensorFlow writes it: one
    /// `field: value` line per value, fields in number order, unset fields left out.
    ///
    /// - Returns: The text, ending with a newline when any field is set.
    ///
    /// TensorFlow's name for this is `text_format.MessageToString(ckpt)`.
    public func textFormat() -> String { message().textFormat() }
}
