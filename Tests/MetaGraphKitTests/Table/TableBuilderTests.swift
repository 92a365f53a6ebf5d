import Testing
@testable import MetaGraphKit

/// The bytes of FORMATS.md Appendix A.1 (`SaveV2(['a','b'], [float32 [1,2], string "hi"])`, TF 2.21).
enum AppendixA1 {
    static let header: [UInt8] = [0x08, 0x01, 0x1a, 0x02, 0x08, 0x01]
    static let entryA: [UInt8] = [0x08, 0x01, 0x12, 0x04, 0x12, 0x02, 0x08, 0x02, 0x28, 0x08, 0x35, 0x59, 0x3c, 0xe5, 0x35]
    static let entryB: [UInt8] = [0x08, 0x07, 0x12, 0x00, 0x20, 0x08, 0x28, 0x07, 0x35, 0x09, 0xeb, 0x4d, 0x15]
    static let index: [UInt8] = {
        var b: [UInt8] = [0x00, 0x00, 0x06] + header
        b += [0x00, 0x01, 0x0f, 0x61] + entryA
        b += [0x00, 0x01, 0x0d, 0x62] + entryB
        b += [0, 0, 0, 0, 1, 0, 0, 0]
        b += [0x00, 0x1d, 0x60, 0x81, 0xc6]
        b += [0, 0, 0, 0, 1, 0, 0, 0]
        b += [0x00, 0xc0, 0xf2, 0xa1, 0xb0]
        b += [0x00, 0x01, 0x02, 0x63, 0x00, 0x35]
        b += [0, 0, 0, 0, 1, 0, 0, 0]
        b += [0x00, 0x7e, 0x2c, 0x7d, 0x04]
        b += [0x3a, 0x08, 0x47, 0x0e] + [UInt8](repeating: 0, count: 36)
        b += [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]
        return b
    }()
    static let data: [UInt8] = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40, 0x02, 0xd8, 0xd8, 0x10, 0x73, 0x68, 0x69]
}

@Suite("TableBuilder")
struct TableBuilderTests {
    @Test func appendixA1IndexIsByteExact() throws {
        let bytes = try TableBuilder.build([([], AppendixA1.header), ([0x61], AppendixA1.entryA), ([0x62], AppendixA1.entryB)])
        #expect(bytes.count == 138)
        #expect(bytes == AppendixA1.index)
    }

    @Test func keysMustIncrease() throws {
        let error = #expect(throws: MetaGraphKitError.self) {
            _ = try TableBuilder.build([([0x62], [1]), ([0x61], [2])])
        }
        #expect(error?.code == .invalidArgument)
        #expect(throws: MetaGraphKitError.self) { _ = try TableBuilder.build([([0x61], [1]), ([0x61], [2])]) }
    }

    @Test func emptyTableReadsBack() throws {
        let bytes = try TableBuilder.build([])
        #expect(bytes.count == 13 + 13 + 48)
        try withTemporaryDirectory { dir in
            try FileIO.writeAtomically(bytes, to: dir + "/t")
            #expect(try TableReader(path: dir + "/t").entries().isEmpty)
        }
    }

    @Test func separatorsAndSuccessors() {
        var a: [UInt8] = Array("abcd".utf8)
        TableBuilder.shortestSeparator(&a, limit: Array("abzz".utf8))
        #expect(a == Array("abd".utf8))
        var b: [UInt8] = Array("layer_04842/x".utf8)
        TableBuilder.shortestSeparator(&b, limit: Array("layer_04843/x".utf8))
        #expect(b == Array("layer_04842/x".utf8))
        var c: [UInt8] = Array("ab".utf8)
        TableBuilder.shortestSeparator(&c, limit: Array("abc".utf8))
        #expect(c == Array("ab".utf8))
        var d: [UInt8] = Array("save_counter/.ATTRIBUTES/VARIABLE_VALUE".utf8)
        TableBuilder.shortSuccessor(&d)
        #expect(d == Array("t".utf8))
        var e: [UInt8] = [0x00, 0x78]
        TableBuilder.shortSuccessor(&e)
        #expect(e == [0x01])
        var f: [UInt8] = [0xff, 0xff]
        TableBuilder.shortSuccessor(&f)
        #expect(f == [0xff, 0xff])
    }

    /// 6000 keys: several 256 KiB blocks, restart interval 16, all readable and in order.
    @Test(arguments: [TableBuilder.Compression.none, .snappy])
    func manyBlocksRoundTrip(compression: TableBuilder.Compression) throws {
        var entries: [(key: [UInt8], value: [UInt8])] = []
        for i in 0..<6000 {
            let key = Array(("layer_" + String(String(100000 + i).dropFirst()) + "/kernel/.ATTRIBUTES/VARIABLE_VALUE").utf8)
            entries.append((key, [UInt8](repeating: UInt8(i % 7), count: 60)))
        }
        var options = TableBuilder.Options()
        options.compression = compression
        let bytes = try TableBuilder.build(entries, options: options)
        try withTemporaryDirectory { dir in
            try FileIO.writeAtomically(bytes, to: dir + "/t")
            let table = try TableReader(path: dir + "/t")
            #expect(table.verify().isEmpty)
            let back = try table.entries()
            #expect(back.count == entries.count)
            #expect(back.map(\.key) == entries.map(\.key))
            #expect(back.map(\.value) == entries.map(\.value))
            #expect(try table.value(forKey: entries[4321].key) == entries[4321].value)
            if compression == .none { #expect(bytes.count > 262_144) } else { #expect(bytes.count < 262_144) }
        }
    }

    @Test func hugeEntryStartsItsOwnBlock() throws {
        let big = [UInt8](repeating: 7, count: 2 * 262_144)
        let bytes = try TableBuilder.build([([0x61], [1]), ([0x62], big), ([0x63], [2])])
        // Block 0 holds only "a": 0 1 1 'a' 1 + restarts(4) + count(4) = 13 bytes, then its trailer.
        #expect(Array(bytes[0..<5]) == [0x00, 0x01, 0x01, 0x61, 0x01])
        #expect(Array(bytes[5..<13]) == [0, 0, 0, 0, 1, 0, 0, 0])
        try withTemporaryDirectory { dir in
            try FileIO.writeAtomically(bytes, to: dir + "/t")
            let table = try TableReader(path: dir + "/t")
            #expect(try table.value(forKey: [0x62]) == big)
            #expect(try table.value(forKey: [0x63]) == [2])
        }
    }
}
