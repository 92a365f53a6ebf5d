// Reports with an entry per key (a rename of 100,000 keys) written as they are
// made: the arrays that grow with the key count are produced one element at a
// time into pieces of about 64 KiB, so the report never exists as one value or
// one string. The bytes are ``JSONValue/serialized(pretty:)``'s for the value
// with the arrays in place.

/// An array of a report produced one element at a time.
public struct JSONStreamedArray {
    /// The number of elements.
    public let count: Int
    /// Element `i`.
    public let element: (Int) -> JSONValue

    /// An array of `count` elements made by `element`.
    public init(count: Int, element: @escaping (Int) -> JSONValue) {
        self.count = count
        self.element = element
    }
}

extension JSONValue {
    /// Writes ``serialized(pretty:)`` in pieces, with each `.string(name)` whose
    /// name is a key of `arrays` standing for that array.
    ///
    /// - Parameters:
    ///   - pretty: As ``serialized(pretty:)``.
    ///   - arrays: The streamed arrays, by the placeholder string that stands for each.
    ///   - write: Receives the text's bytes, in order.
    public func writeSerialized(pretty: Bool, arrays: [String: JSONStreamedArray],
                                to write: (UnsafeRawBufferPointer) -> Void) {
        var out = ""
        out.reserveCapacity(1 << 16)
        stream(into: &out, pretty: pretty, indent: 0, arrays: arrays, write: write)
        var last = out
        last.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    private static func flush(_ out: inout String, _ write: (UnsafeRawBufferPointer) -> Void) {
        guard out.utf8.count >= (1 << 16) - 1024 else { return }
        out.withUTF8 { write(UnsafeRawBufferPointer($0)) }
        out.removeAll(keepingCapacity: true)
    }

    private func stream(into out: inout String, pretty: Bool, indent: Int, arrays: [String: JSONStreamedArray],
                        write: (UnsafeRawBufferPointer) -> Void) {
        func items(_ count: Int, _ item: (Int, inout String) -> Void) {
            if count == 0 { out += "[]"; return }
            out += "["
            for i in 0..<count {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                item(i, &out)
                Self.flush(&out, write)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        }
        switch self {
        case .string(let s) where arrays[s] != nil:
            let array = arrays[s]!
            items(array.count) { i, out in array.element(i).write(into: &out, pretty: pretty, indent: indent + 1) }
        case .array(let values):
            items(values.count) { i, out in
                values[i].stream(into: &out, pretty: pretty, indent: indent + 1, arrays: arrays, write: write)
            }
        case .object(let fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSONValue.quote(key, into: &out)
                out += pretty ? ": " : ":"
                value.stream(into: &out, pretty: pretty, indent: indent + 1, arrays: arrays, write: write)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        default:
            self.write(into: &out, pretty: pretty, indent: indent)
        }
    }
}
