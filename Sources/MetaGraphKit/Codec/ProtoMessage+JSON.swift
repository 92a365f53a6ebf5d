// The proto3 JSON mapping, for inspecting messages.

extension ProtoMessage {
    /// The message in protobuf's proto3 JSON mapping, as an ordered JSON value.
    ///
    /// Fields in field-number order with lowerCamelCase names; fields at their
    /// default left out; int64 and uint64 as strings; bytes in base64; enums by name
    /// (number when unknown); floats as numbers, or `"NaN"`, `"Infinity"`,
    /// `"-Infinity"`; maps as objects with keys sorted; `google.protobuf.Any` as
    /// `{"@type": url, …fields}`; wrapper types as their bare value. String bytes
    /// that are not UTF-8 show as U+FFFD. There is no JSON parser: this is for reading.
    ///
    /// - Returns: The JSON value (an object).
    /// - Throws: ``MetaGraphKitError`` `unsupported` when the message holds a
    ///   `google.protobuf.Any` whose type is not in our schemas, or whose value does
    ///   not decode as its type: the proto3 JSON mapping has no form for it (it
    ///   prints the packed message's fields), and protobuf's own printers (Python
    ///   `json_format`, C++ `MessageToJsonString`) fail on it the same way.
    public func jsonValue() throws -> JSONValue {
        try JSONPrinter.value(UnsafePointer(pointer), type)
    }

    /// The proto3 JSON mapping as text (see ``jsonValue()``).
    ///
    /// - Parameter pretty: Indent with two spaces, or print on one line.
    /// - Returns: The JSON text without a trailing newline.
    /// - Throws: As ``jsonValue()``.
    public func json(pretty: Bool = false) throws -> String {
        try jsonValue().serialized(pretty: pretty)
    }
}
