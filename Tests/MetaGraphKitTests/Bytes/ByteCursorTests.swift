import Testing
@testable import MetaGraphKit

@Suite("ByteCursor")
struct ByteCursorTests {
    func read<T>(_ bytes: [UInt8], _ body: (inout ByteCursor) throws -> T) throws -> T {
        try bytes.withUnsafeBytes { raw in
            var c = ByteCursor(raw, file: "t", origin: 0x10)
            return try body(&c)
        }
    }

    @Test func varints() throws {
        #expect(try read([0x96, 0x01]) { try $0.readVarint64() } == 150)
        #expect(try read([0xff, 0xff, 0xff, 0xff, 0x0f]) { try $0.readVarint32() } == UInt32.max)
        #expect(try read([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]) { try $0.readVarint64() } == UInt64.max)
    }

    @Test func badVarints() throws {
        // Six bytes for a varint32, an overflowing fifth byte, eleven bytes, a 64-bit overflow, truncation.
        #expect(throws: MetaGraphKitError(.corrupt, "")) { try read([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]) { try $0.readVarint32() } }
        #expect(throws: MetaGraphKitError(.corrupt, "")) { try read([0xff, 0xff, 0xff, 0xff, 0x1f]) { try $0.readVarint32() } }
        #expect(throws: MetaGraphKitError(.corrupt, "")) { try read([UInt8](repeating: 0x80, count: 10) + [0]) { try $0.readVarint64() } }
        #expect(throws: MetaGraphKitError(.corrupt, "")) { try read([UInt8](repeating: 0xff, count: 9) + [0x02]) { try $0.readVarint64() } }
        #expect(throws: MetaGraphKitError(.truncated, "")) { try read([0x80]) { try $0.readVarint64() } }
    }

    @Test func boundsAndOffsets() throws {
        let bytes: [UInt8] = [1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]
        #expect(try read(bytes) { c in [UInt64(try c.readU32LE()), try c.readU64LE()] } == [1, 2])
        do {
            _ = try read(bytes) { c in try c.skip(10); return try c.readU32LE() }
            Issue.record("expected an error")
        } catch let e as MetaGraphKitError {
            #expect(e.code == .truncated)
            #expect(e.message.contains("t:") && e.message.contains("0x1a"))
        }
        // A failed read leaves the cursor in place.
        try read([0x80]) { c in
            _ = try? c.readVarint64()
            #expect(c.position == 0)
        }
    }
}
