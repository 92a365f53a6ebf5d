import Foundation
import Testing
@testable import MetaGraphKit

@Suite("Table reader")
struct TableReaderTests {
    func open(_ bytes: [UInt8], _ dir: String, _ name: String = "t.index") throws -> TableReader {
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try TableReader(path: path)
    }

    @Test func appendixA1Index() throws {
        #expect(AppendixA.bundleIndex.count == 138)
        try withTemporaryDirectory { dir in
            let table = try open(AppendixA.bundleIndex, dir)
            let entries = try table.entries()
            #expect(entries.map(\.key) == [[], [0x61], [0x62]])
            #expect(entries[0].value == [0x08, 0x01, 0x1a, 0x02, 0x08, 0x01])
            #expect(try table.value(forKey: [0x62]) == [UInt8](hex: "08 07 12 00 20 08 28 07 35 09 eb 4d 15"))
            #expect(try table.value(forKey: [0x63]) == nil)
            #expect(try table.value(forKey: [0x61, 0x00]) == nil)
            #expect(table.verify().isEmpty)
        }
    }

    @Test func appendixA2V1File() throws {
        let file = AppendixA.v1File
        #expect(file.count == 151)
        try withTemporaryDirectory { dir in
            let table = try open(file, dir, "v1")
            #expect(try table.entries().map(\.key) == [[], [UInt8](hex: "00 78 00 01 01 01 80 7f")])
            #expect(table.verify().isEmpty)
        }
    }

    @Test func manyEntriesAcrossRestartsAndSnappy() throws {
        let entries = (0..<300).map { i in (Array(String(format: "key/%05d", i).utf8), Array(repeating: UInt8(i & 0xff), count: i % 7)) }
        for snappy in [false, true] {
            try withTemporaryDirectory { dir in
                let table = try open(TestTable.table(entries, snappy: snappy), dir)
                #expect(try table.entries().map(\.key) == entries.map(\.0))
                for i in [0, 1, 15, 16, 17, 150, 299] {
                    #expect(try table.value(forKey: entries[i].0) == entries[i].1)
                }
                #expect(try table.value(forKey: Array("key/00150x".utf8)) == nil)
                #expect(try table.value(forKey: Array("zzz".utf8)) == nil)
                #expect(try table.value(forKey: []) == nil)
                #expect(table.verify().isEmpty)
            }
        }
    }
}
