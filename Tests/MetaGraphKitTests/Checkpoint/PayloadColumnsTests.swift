import Foundation
import Testing
@testable import MetaGraphKit

/// The packed columns of the Python binding's keys() (CheckpointReader+Columns.swift):
/// made straight from the compact index they are exactly what the listing gives,
/// and the index is used only where it can be (no partitioned tensor, UTF-8 keys).
@Suite("Payload columns from the compact index")
struct PayloadColumnsTests {
    static let v2Fixtures = ["ckpt/tf2_keras", "ckpt/v2_dtypes", "ckpt/v2_large_index", "ckpt/v2_partitioned",
                             "ckpt/v2_sharded", "ckpt/v2_sliced_tf2", "ckpt/v2_snappy", "keras/tf1_model",
                             "meta/train_graph", "saved_model/variables/variables", "state/absolute/model.ckpt-1",
                             "state/absolute/model.ckpt-2", "state/relative/ckpt-1", "state/relative/ckpt-2",
                             "state/relative/ckpt-3"]

    /// The bulk check of every row.
    static func checked(_ reader: CheckpointReader, _ table: CheckpointReader.PayloadTable) -> [UInt8] {
        var ok = [UInt8](repeating: 7, count: table.shards.count)
        ok.withUnsafeMutableBufferPointer { reader.checkPayloads(table, 0..<table.shards.count, into: $0.baseAddress!) }
        return ok
    }

    /// Columns, payload table and bulk check of one reader's fast path equal
    /// those of another reader's listing path; returns whether the index was used.
    static func expectSame(_ path: String, _ label: String) throws -> Bool {
        let fast = try CheckpointReader(path: path, lazy: true)
        let (columns, table) = try fast.listingColumns()
        let fromIndex = !fast.isListingLoaded
        let slow = try CheckpointReader(path: path, lazy: true)
        let (expected, expectedTable) = try slow.listingColumnsFromEntries()
        #expect(columns == expected, "\(label)")
        #expect(table.shards == expectedTable.shards && table.offsets == expectedTable.offsets
                && table.sizes == expectedTable.sizes, "\(label)")
        #expect(checked(fast, table) == checked(slow, expectedTable), "\(label)")
        // The columns decode back to the listing.
        let entries = slow.entries
        #expect(columns.count == entries.count, "\(label)")
        for (i, e) in entries.enumerated() where i < columns.count {
            let key = String(decoding: columns.keys[Int(columns.keyOffsets[i])..<Int(columns.keyOffsets[i + 1] - 1)], as: UTF8.self)
            #expect(key == e.key && columns.dtypeNames[Int(columns.dtypeIDs[i])] == e.dtype.name
                    && columns.shapes[Int(columns.shapeIDs[i])] == e.shape, "\(label): \(e.key)")
        }
        return fromIndex
    }

    @Test(arguments: v2Fixtures) func indexColumnsAreTheListingColumns(_ fixture: String) throws {
        let fromIndex = try Self.expectSame(Fixture.path(fixture), fixture)
        let index = try #require(try CheckpointReader(path: Fixture.path(fixture)).bundle?.compact)
        // Only partitioned tensors (hidden slice keys) send a fixture to the listing.
        #expect(fromIndex == !index.hasSlices, "\(fixture)")
    }

    /// A V1 checkpoint and a foreign format take the listing path.
    @Test func otherFormatsUseTheListing() throws {
        let v1 = try CheckpointReader(path: Fixture.path("ckpt/v1_dtypes"), lazy: true)
        let (columns, table) = try v1.listingColumns()
        #expect(columns == CheckpointReader.ListingColumns(v1.entries))
        #expect(table.shards.allSatisfy { $0 == -1 })
    }

    /// Writes Appendix A.1's bundle (a float32 [2] and a string) under `keys`.
    static func bundle(_ dir: String, keys: [UInt8], _ other: [UInt8]) throws -> String {
        let index = try TableBuilder.build([([], AppendixA1.header), (keys, AppendixA1.entryA), (other, AppendixA1.entryB)])
        try Data(index).write(to: URL(fileURLWithPath: dir + "/k.index"))
        try Data(AppendixA1.data).write(to: URL(fileURLWithPath: dir + "/k.data-00000-of-00001"))
        return dir + "/k"
    }

    /// Keys that are not UTF-8 are listed repaired: the listing path, same columns.
    /// Two keys whose bytes together are UTF-8 ("a\u{C3}" + "\u{A9}") still are not.
    @Test(arguments: [([0x61], [0x62, 0xFF]), ([0x61, 0xC3], [0xA9]), ([0xFF], [0xFF, 0x00])] as [([UInt8], [UInt8])])
    func invalidUTF8KeysUseTheListing(_ a: [UInt8], _ b: [UInt8]) throws {
        try withTemporaryDirectory { dir in
            let path = try Self.bundle(dir, keys: a, b)
            #expect(try !Self.expectSame(path, "\(a) \(b)"))
            let (columns, _) = try CheckpointReader(path: path, lazy: true).listingColumns()
            #expect(columns.keys.contains(0xEF))  // U+FFFD's first byte
        }
    }

    /// Valid multi-byte keys take the index path.
    @Test func utf8KeysUseTheIndex() throws {
        try withTemporaryDirectory { dir in
            let path = try Self.bundle(dir, keys: Array("é".utf8), Array("日本".utf8))
            #expect(try Self.expectSame(path, "utf8"))
            let (columns, table) = try CheckpointReader(path: path, lazy: true).listingColumns()
            #expect(columns.keys == Array("é".utf8) + [0] + Array("日本".utf8) + [0])
            #expect(columns.keyOffsets == [0, 3, 10])
            #expect(columns.dtypeNames == ["float32", "string"] && columns.shapes == [[2], []])
            #expect(table.shards == [0, -1] && table.offsets == [0, 0] && table.sizes == [8, 0])
        }
    }

    /// A damaged index with keys out of order and repeated is listed as it stands
    /// (index order, every row) either way.
    @Test func unsortedAndRepeatedKeysKeepIndexOrder() throws {
        try withTemporaryDirectory { dir in
            let a = TestTable.floats([1]), b = TestTable.floats([2]), c = TestTable.floats([3])
            let rows: [(key: [UInt8], value: [UInt8])] = [
                ([], TestTable.header),
                (Array("b".utf8), TestTable.entry(dtype: 1, shape: [1], offset: 4, size: 4, crc: TestTable.crc(b))),
                (Array("a".utf8), TestTable.entry(dtype: 1, shape: [1], offset: 0, size: 4, crc: TestTable.crc(a))),
                (Array("b".utf8), TestTable.entry(dtype: 1, shape: [1], offset: 8, size: 4, crc: TestTable.crc(c))),
            ]
            let prefix = dir + "/unsorted"
            try Data(TestTable.table(rows)).write(to: URL(fileURLWithPath: prefix + ".index"))
            try Data(a + b + c).write(to: URL(fileURLWithPath: prefix + ".data-00000-of-00001"))
            #expect(try Self.expectSame(prefix, "unsorted"))
            let (columns, table) = try CheckpointReader(path: prefix, lazy: true).listingColumns()
            #expect(columns.keys == Array("b\0a\0b\0".utf8) && table.offsets == [4, 0, 8])
        }
    }
}

