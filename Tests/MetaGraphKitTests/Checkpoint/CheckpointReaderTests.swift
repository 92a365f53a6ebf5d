import Foundation
import Testing
@testable import MetaGraphKit

@Suite("Checkpoint reader")
struct CheckpointReaderTests {
    @Test func appendixA1Bundle() throws {
        try withTemporaryDirectory { dir in
            try Data(AppendixA.bundleIndex).write(to: URL(fileURLWithPath: dir + "/m.index"))
            try Data(AppendixA.bundleData).write(to: URL(fileURLWithPath: dir + "/m.data-00000-of-00001"))
            for path in [dir + "/m", dir + "/m.index", dir + "/m.data-00000-of-00001"] {
                let reader = try CheckpointReader(path: path)
                #expect(reader.format == .v2)
                #expect(reader.prefix == dir + "/m")
                #expect(reader.entries.map(\.key) == ["a", "b"])
                #expect(reader.entries.map(\.dtype) == [.float32, .string])
                #expect(reader.entries.map(\.shape) == [[2], []])
                #expect(try reader.tensor("a").bytes == TestTable.floats([1, 2]))
                #expect(try reader.tensor("b").strings == [Array("hi".utf8)])
                #expect(try reader.withTensorBytes("a") { Array($0) } == TestTable.floats([1, 2]))
                #expect(reader.verify().isEmpty)
            }
        }
    }

    @Test func appendixA2V1() throws {
        try withTemporaryDirectory { dir in
            try Data(AppendixA.v1File).write(to: URL(fileURLWithPath: dir + "/v1"))
            let reader = try CheckpointReader(path: dir + "/v1")
            #expect(reader.format == .v1)
            #expect(reader.entries.map(\.key) == ["x"])
            #expect(try reader.tensor("x") == Tensor(dtype: .float32, shape: [2], storage: .bytes(TestTable.floats([1, 2]))))
            #expect(reader.verify().isEmpty)
        }
    }

    @Test func directoryUsesTheCheckpointFile() throws {
        try withTemporaryDirectory { dir in
            try Data(AppendixA.bundleIndex).write(to: URL(fileURLWithPath: dir + "/ckpt-2.index"))
            try Data(AppendixA.bundleData).write(to: URL(fileURLWithPath: dir + "/ckpt-2.data-00000-of-00001"))
            try "model_checkpoint_path: \"ckpt-2\"\nall_model_checkpoint_paths: \"ckpt-1\"\n"
                .write(toFile: dir + "/checkpoint", atomically: true, encoding: .utf8)
            let reader = try CheckpointReader(path: dir)
            #expect(reader.prefix == dir + "/ckpt-2")
        }
    }

    @Test func v1ShardedByPrefixShardOrPattern() throws {
        let names = ["v1_sharded", "v1_sharded-00001-of-00003", "v1_sharded-?????-of-00003"]
        let readers = try names.map { try CheckpointReader(path: Fixture.path("ckpt/" + $0)) }
        #expect(readers.allSatisfy { $0.format == .v1 })
        #expect(readers[0].entries.count > 1)
        #expect(readers[1].entries == readers[0].entries && readers[2].entries == readers[0].entries)
        #expect(try readers[1].tensor(readers[0].entries[0].key) == readers[0].tensor(readers[0].entries[0].key))
    }

    /// FORMATS §2.8: per element varint64 length, bytes, masked running CRC (over
    /// the length as u64le, the bytes, then the 4 checksum bytes).
    @Test func variantChecksumsAreVerified() throws {
        var payload: [UInt8] = []
        var crc: UInt32 = 0
        for element in [Array("first".utf8), [], Array("third element".utf8)] {
            payload += TestTable.u64varint(UInt64(element.count)) + element
            crc = CRC32C.extend(crc, withUnsafeBytes(of: UInt64(element.count).littleEndian) { Array($0) })
            crc = CRC32C.extend(crc, element)
            let stored = TestTable.u32(CRC32C.mask(crc))
            payload += stored
            crc = CRC32C.extend(crc, stored)
        }
        for flip in [false, true] {
            try withTemporaryDirectory { dir in
                var data = payload
                if flip { data[3] ^= 1 }
                let prefix = try TestTable.writeBundle(dir, "v", entries: [
                    ("it", TestTable.entry(dtype: 21, shape: [3], size: data.count, crc: CRC32C.mask(crc))),
                ], data: data)
                let reader = try CheckpointReader(path: prefix)
                #expect(reader.entries.map(\.dtype) == [.variant])
                #expect(reader.verify().map(\.code) == (flip ? [.badChecksum] : []))
            }
        }
    }

    @Test func slicedV2IsAssembled() throws {
        // A [4, 3] float tensor stored as rows 0..<1 and 1..<4 (the second in the data file first).
        let full = (0..<12).map { Float($0) }
        let top = Array(full[0..<3]), bottom = Array(full[3...])
        let s1 = TensorSlice(extents: [.init(start: 0, length: 1), .init()])
        let s2 = TensorSlice(extents: [.init(start: 1, length: 3), .init()])
        func sliceProto(_ s: TensorSlice) -> [UInt8] {
            s.extents.flatMap { e in
                TestTable.field(1, bytes: e.length.map { (e.start == 0 ? [] : TestTable.field(1, varint: UInt64(e.start))) + TestTable.field(2, varint: UInt64($0)) } ?? [])
            }
        }
        let data = TestTable.floats(bottom) + TestTable.floats(top)
        try withTemporaryDirectory { dir in
            let k1 = String(decoding: OrderedCode.tensorNameSliceKey(name: "w", slice: s1), as: UTF8.self)
            _ = k1
            // Slice keys are not UTF-8 in general; build the index directly from bytes.
            let prefix = dir + "/p"
            var entries: [([UInt8], [UInt8])] = [
                ([], TestTable.header),
                (Array("w".utf8), TestTable.field(1, varint: 1) + TestTable.field(2, bytes: TestTable.shape([4, 3]))
                    + TestTable.field(7, bytes: sliceProto(s1)) + TestTable.field(7, bytes: sliceProto(s2))),
                (OrderedCode.tensorNameSliceKey(name: "w", slice: s1),
                 TestTable.entry(dtype: 1, shape: [1, 3], offset: 36, size: 12, crc: TestTable.crc(TestTable.floats(top)))),
                (OrderedCode.tensorNameSliceKey(name: "w", slice: s2),
                 TestTable.entry(dtype: 1, shape: [3, 3], offset: 0, size: 36, crc: TestTable.crc(TestTable.floats(bottom)))),
            ]
            entries.sort { Block.compare($0.0, $1.0) < 0 }
            try Data(TestTable.table(entries)).write(to: URL(fileURLWithPath: prefix + ".index"))
            try Data(data).write(to: URL(fileURLWithPath: prefix + ".data-00000-of-00001"))
            let reader = try CheckpointReader(path: prefix)
            #expect(reader.entries.map(\.key) == ["w"])
            #expect(reader.entries[0].slices == [s1, s2])
            #expect(try reader.tensor("w").bytes == TestTable.floats(full))
            #expect(reader.verify().isEmpty)
        }
    }

    @Test func objectGraph() throws {
        // root -(model)-> 1 -(w)-> 2 [VARIABLE_VALUE], full names "Variable" twice.
        let attr = { (key: String) in
            TestTable.field(2, bytes: TestTable.field(1, bytes: Array("VARIABLE_VALUE".utf8))
                + TestTable.field(2, bytes: Array("Variable".utf8)) + TestTable.field(3, bytes: Array(key.utf8)))
        }
        let child = { (id: Int, name: String) in
            TestTable.field(1, bytes: TestTable.field(1, varint: UInt64(id)) + TestTable.field(2, bytes: Array(name.utf8)))
        }
        let graph = TestTable.field(1, bytes: child(1, "model"))
            + TestTable.field(1, bytes: child(2, "w") + child(3, "v"))
            + TestTable.field(1, bytes: attr("model/w/.ATTRIBUTES/VARIABLE_VALUE"))
            + TestTable.field(1, bytes: attr("model/v/.ATTRIBUTES/VARIABLE_VALUE"))
        let g = try ObjectGraph(serialized: graph)
        #expect(g.nodes.count == 4)
        #expect(g.nodes[1].children.map(\.localName) == ["w", "v"])
        #expect(g.paths()[3] == ["model", "v"])
        #expect(g.fullNameToCheckpointKey == ["Variable": "model/v/.ATTRIBUTES/VARIABLE_VALUE"])
        #expect(throws: MetaGraphKitError(.corrupt, "")) {
            _ = try ObjectGraph(serialized: TestTable.field(1, bytes: child(9, "x")))
        }
    }

    @Test func tensorProtoFillRuleAndTypes() throws {
        func decode(_ dtype: DType, _ count: Int, _ proto: [UInt8]) throws -> TensorProtoValues.Values {
            try proto.withUnsafeBytes { try TensorProtoValues(dtype: dtype, count: count, file: "t", key: "k").decode($0, origin: 0) }
        }
        // float_val [1, 2] packed, shape [4] → [1, 2, 2, 2].
        guard case .bytes(let f) = try decode(.float32, 4, TestTable.field(5, bytes: TestTable.floats([1, 2]))) else { Issue.record(); return }
        #expect(f == TestTable.floats([1, 2, 2, 2]))
        // int_val -1 for int16 (a 10-byte varint) → ff ff.
        guard case .bytes(let i) = try decode(.int16, 1, TestTable.field(7, varint: UInt64(bitPattern: -1))) else { Issue.record(); return }
        #expect(i == [0xff, 0xff])
        // half_val 15360 (1.0).
        guard case .bytes(let h) = try decode(.float16, 1, TestTable.field(13, bytes: TestTable.u64varint(15360))) else { Issue.record(); return }
        #expect(h == [0x00, 0x3c])
        // No values: zeros.
        guard case .bytes(let z) = try decode(.int64, 2, []) else { Issue.record(); return }
        #expect(z == [UInt8](repeating: 0, count: 16))
        // tensor_content wins and must be exact.
        #expect(throws: MetaGraphKitError(.corrupt, "")) { _ = try decode(.float32, 2, TestTable.field(4, bytes: [1, 2, 3])) }
        // Strings with the fill rule.
        guard case .strings(let s) = try decode(.string, 3, TestTable.field(8, bytes: [0x61])) else { Issue.record(); return }
        #expect(s == [[0x61], [0x61], [0x61]])
    }
}
