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
        return String(decoding: printer.out, as: UTF8.self)
    }
}
