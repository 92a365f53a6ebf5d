// How the targets that need more than one byte string, or a message type, read it
// out of a single fuzzer input; and how seeds are put together the same way.
public import MetaGraphKit

/// The layout of fuzzer inputs.
public enum FuzzInput {
    /// The message types of the `proto` and `text-format` targets, picked by the
    /// input's first byte (modulo the count). Append only: the corpora depend on
    /// the order.
    public static let messageTypes: [ProtoMessageType] = [
        .metaGraphDef, .savedModel, .saverDef, .checkpointState, .trackableObjectGraph,
        .bundleHeader, .bundleEntry, .savedTensorSlices, .graphDef, .tensorProto,
        .attrValue, .variableDef,
    ]

    /// The message type an input's first byte picks, and the rest of the input.
    public static func typed(_ input: UnsafeRawBufferPointer) -> (ProtoMessageType, UnsafeRawBufferPointer)? {
        guard let first = input.first else { return nil }
        return (messageTypes[Int(first) % messageTypes.count], UnsafeRawBufferPointer(rebasing: input.dropFirst()))
    }

    /// The input for a message of `type` (its first byte, then `bytes`).
    public static func typed(_ type: ProtoMessageType, _ bytes: [UInt8]) -> [UInt8] {
        [UInt8(messageTypes.firstIndex(of: type)!)] + bytes
    }

    /// The most files one input is split into.
    public static let maxRecords = 9

    /// Splits an input into files: each record is a 4-byte little-endian length and
    /// that many bytes; a length beyond the end takes the rest, and after
    /// ``maxRecords`` records the rest is ignored.
    public static func records(_ input: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        var out: [UnsafeRawBufferPointer] = []
        var rest = input[...]
        while !rest.isEmpty, out.count < maxRecords {
            var length = 0
            for (i, byte) in rest.prefix(4).enumerated() { length |= Int(byte) << (8 * i) }
            rest = rest.dropFirst(4)
            let record = rest.prefix(length)
            out.append(UnsafeRawBufferPointer(rebasing: record))
            rest = rest.dropFirst(record.count)
        }
        return out
    }

    /// The input holding `files` as ``records(_:)`` splits it.
    public static func joining(_ files: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for file in files {
            let n = UInt32(file.count)
            out += [UInt8(n & 0xff), UInt8(n >> 8 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 24)]
            out += file
        }
        return out
    }
}
