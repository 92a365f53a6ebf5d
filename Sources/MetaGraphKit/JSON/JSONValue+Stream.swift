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

/// The streamed arrays of one serialization and where its pieces go.
struct JSONStreamContext {
    let arrays: [String: JSONStreamedArray]
    let write: (UnsafeRawBufferPointer) -> Void

    /// Hands `out` on once it holds about 64 KiB.
    func flush(_ out: inout String) {
        guard out.utf8.count >= (1 << 16) - 1024 else { return }
        out.withUTF8 { write(UnsafeRawBufferPointer($0)) }
        out.removeAll(keepingCapacity: true)
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
        withoutActuallyEscaping(write) { write in
            var out = ""
            out.reserveCapacity(1 << 16)
            self.write(into: &out, pretty: pretty, indent: 0, stream: JSONStreamContext(arrays: arrays, write: write))
            out.withUTF8 { write(UnsafeRawBufferPointer($0)) }
        }
    }
}
