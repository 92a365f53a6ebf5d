import Testing
@testable import MetaGraphKit

/// Reports streamed an element at a time (JSONValue+Stream.swift) are the bytes of
/// the whole value serialized, across the 64 KiB pieces they are written in.
@Suite("JSON streamed arrays")
struct JSONStreamTests {
    func element(_ i: Int) -> JSONValue {
        .object([("from", .string("model/block_\(i / 100)/var_\(i % 100) \"q\" \u{1}")), ("to", .int(Int64(i))),
                 ("shape", .array(i % 3 == 0 ? [] : [.int(Int64(i)), .double(0.5)]))])
    }

    @Test(arguments: [0, 1, 7, 5000])
    func streamedIsSerialized(count: Int) {
        let inline = JSONValue.object([
            ("a", .string("x")), ("renamed", .array((0..<count).map(element))),
            ("nested", .array([.object([("dropped", .array((0..<count).map { .string("k\($0)") }))]), .null])),
            ("empty", .object([])),
        ])
        let slotted = JSONValue.object([
            ("a", .string("x")), ("renamed", .string("\u{0}r")),
            ("nested", .array([.object([("dropped", .string("\u{0}d"))]), .null])),
            ("empty", .object([])),
        ])
        for pretty in [true, false] {
            var out: [UInt8] = []
            var pieces = 0
            slotted.writeSerialized(pretty: pretty, arrays: [
                "\u{0}r": JSONStreamedArray(count: count, element: element),
                "\u{0}d": JSONStreamedArray(count: count) { .string("k\($0)") },
            ]) {
                out += $0
                pieces += 1
                #expect($0.count <= 1 << 17)
            }
            #expect(String(decoding: out, as: UTF8.self) == inline.serialized(pretty: pretty))
            if count == 5000 { #expect(pieces > 3) }
        }
    }
}
