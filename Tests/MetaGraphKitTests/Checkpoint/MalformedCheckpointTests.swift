import Foundation
import Testing
@testable import MetaGraphKit

/// Hostile inputs: each must give a specific error code, never a crash.
@Suite("Malformed checkpoints")
struct MalformedCheckpointTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let code: MetaGraphKitError.Code
        /// Writes files into the directory and reads them; must throw.
        let run: @Sendable (String) throws -> Void
        var testDescription: String { name }
    }

    static func write(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The Appendix A.1 bundle with edits, opened and fully read.
    static func appendix(_ dir: String, index: (inout [UInt8]) -> Void = { _ in }, data: (inout [UInt8]) -> Void = { _ in }) throws -> CheckpointReader {
        var i = AppendixA.bundleIndex, d = AppendixA.bundleData
        index(&i)
        data(&d)
        try write(i, dir + "/m.index")
        try write(d, dir + "/m.data-00000-of-00001")
        return try CheckpointReader(path: dir + "/m")
    }

    /// A one-tensor bundle whose entry for "t" is `entry`, over `data`.
    static func bundle(_ dir: String, entry: [UInt8], data: [UInt8] = [], header: [UInt8] = TestTable.header) throws -> CheckpointReader {
        try CheckpointReader(path: TestTable.writeBundle(dir, "b", entries: [("t", entry)], data: data, header: header))
    }

    /// The first verify problem, thrown.
    static func verifyThrows(_ reader: CheckpointReader) throws {
        if let p = reader.verify().first { throw p }
    }

    static let cases: [Case] = [
        Case(name: "index shorter than the 48-byte footer", code: .truncated) { dir in
            _ = try appendix(dir, index: { $0 = Array($0.prefix(40)) })
        },
        Case(name: "file cut in the middle (footer handles point past the end)", code: .corrupt) { dir in
            _ = try appendix(dir, index: { $0 = Array($0[0..<60]) + Array($0.suffix(48)) })
        },
        Case(name: "flipped byte in the data block", code: .badChecksum) { dir in
            _ = try appendix(dir, index: { $0[0x10] ^= 0x40 })
        },
        Case(name: "flipped byte in a block trailer", code: .badChecksum) { dir in
            _ = try appendix(dir, index: { $0[0x36] ^= 0x01 })
        },
        Case(name: "wrong magic", code: .corrupt) { dir in
            _ = try appendix(dir, index: { $0[$0.count - 1] = 0xdc })
        },
        Case(name: "unknown block compression type", code: .corrupt) { dir in
            var file: [UInt8] = []
            let block = TestTable.block([([], TestTable.header)])
            let data = TestTable.appendBlock(block, type: 7, to: &file)
            let meta = TestTable.appendBlock(TestTable.block([]), to: &file)
            let index = TestTable.appendBlock(TestTable.block([([0], TestTable.handle(data.0, data.1))], interval: 1), to: &file)
            var footer = TestTable.handle(meta.0, meta.1) + TestTable.handle(index.0, index.1)
            footer += [UInt8](repeating: 0, count: 40 - footer.count) + [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]
            try write(file + footer, dir + "/x.index")
            _ = try CheckpointReader(path: dir + "/x")
        },
        Case(name: "flipped byte in tensor data", code: .badChecksum) { dir in
            _ = try appendix(dir, data: { $0[2] ^= 0x01 }).tensor("a")
        },
        Case(name: "flipped byte in a string tensor", code: .badChecksum) { dir in
            _ = try appendix(dir, data: { $0[14] ^= 0x01 }).tensor("b")
        },
        Case(name: "flipped byte in a string length checksum", code: .badChecksum) { dir in
            _ = try appendix(dir, data: { $0[10] ^= 0x01 }).tensor("b")
        },
        Case(name: "data file shorter than an entry", code: .truncated) { dir in
            _ = try appendix(dir, data: { $0 = Array($0.prefix(10)) }).tensor("b")
        },
        Case(name: "entry offset past the data file", code: .truncated) { dir in
            _ = try bundle(dir, entry: TestTable.entry(dtype: 1, shape: [2], offset: 1 << 40, size: 8, crc: 0), data: [0, 0]).tensor("t")
        },
        Case(name: "size disagrees with the shape", code: .corrupt) { dir in
            let d = TestTable.floats([1, 2, 3])
            _ = try bundle(dir, entry: TestTable.entry(dtype: 1, shape: [2], size: 12, crc: TestTable.crc(d)), data: d).tensor("t")
        },
        Case(name: "huge shape whose element count overflows", code: .tooLarge) { dir in
            _ = try bundle(dir, entry: TestTable.entry(dtype: 1, shape: [1 << 62, 1 << 62], size: 0, crc: 0)).tensor("t")
        },
        Case(name: "element count fits but the byte count overflows", code: .tooLarge) { dir in
            _ = try bundle(dir, entry: TestTable.entry(dtype: 18, shape: [1 << 61], size: 0, crc: 0)).tensor("t")
        },
        Case(name: "negative dimension", code: .corrupt) { dir in
            _ = try bundle(dir, entry: TestTable.entry(dtype: 1, shape: [-5], size: 0, crc: 0))
        },
        Case(name: "string length past the payload", code: .truncated) { dir in
            let payload = TestTable.u64varint(1000) + TestTable.u32(CRC32C.mask(CRC32C.checksum(TestTable.u32(1000)))) + [0x68, 0x69]
            _ = try bundle(dir, entry: TestTable.entry(dtype: 7, shape: [], size: payload.count, crc: 0), data: payload).tensor("t")
        },
        Case(name: "more strings than payload bytes", code: .corrupt) { dir in
            _ = try bundle(dir, entry: TestTable.entry(dtype: 7, shape: [1 << 40], size: 4, crc: 0), data: [0, 0, 0, 0]).tensor("t")
        },
        Case(name: "data file of another shard id", code: .corrupt) { dir in
            _ = try bundle(dir, entry: TestTable.entry(dtype: 1, shape: [0], shard: 3, size: 0, crc: CRC32C.mask(0))).tensor("t")
        },
        Case(name: "missing data file", code: .notFound) { dir in
            let prefix = try TestTable.writeBundle(dir, "b", entries: [("t", TestTable.entry(dtype: 1, shape: [0], size: 0, crc: CRC32C.mask(0)))], data: [])
            try FileManager.default.removeItem(atPath: prefix + ".data-00000-of-00001")
            _ = try CheckpointReader(path: prefix).tensor("t")
        },
        Case(name: "big-endian bundle", code: .unsupported) { dir in
            _ = try bundle(dir, entry: TestTable.entry(dtype: 1, shape: [0], size: 0, crc: 0), header: TestTable.header + [0x10, 0x01])
        },
        Case(name: "bundle version for a newer reader", code: .unsupported) { dir in
            _ = try bundle(dir, entry: TestTable.entry(dtype: 1, shape: [0], size: 0, crc: 0), header: [0x08, 0x01, 0x1a, 0x04, 0x08, 0x01, 0x10, 0x05])
        },
        Case(name: "entry value that is not a protobuf", code: .notAProtobuf) { dir in
            _ = try bundle(dir, entry: [0x12, 0x7f, 0x00])
        },
        Case(name: "variant values are listed, not decoded", code: .unsupported) { dir in
            _ = try bundle(dir, entry: TestTable.entry(dtype: 21, shape: [], size: 0, crc: 0)).tensor("t")
        },
        Case(name: "slice outside its tensor's shape", code: .corrupt) { dir in
            let slice = TestTable.field(1, bytes: TestTable.field(1, varint: 5) + TestTable.field(2, varint: 9))
            let container = TestTable.field(1, varint: 1) + TestTable.field(2, bytes: TestTable.shape([10])) + TestTable.field(7, bytes: slice)
            _ = try bundle(dir, entry: container).tensor("t")
        },
        Case(name: "slice listed but not stored", code: .corrupt) { dir in
            let slice = TestTable.field(1, bytes: TestTable.field(2, varint: 4))
            let container = TestTable.field(1, varint: 1) + TestTable.field(2, bytes: TestTable.shape([4])) + TestTable.field(7, bytes: slice)
            _ = try bundle(dir, entry: container).tensor("t")
        },
        Case(name: "partitioned tensor whose slices cover a fraction of a huge shape", code: .corrupt) { dir in
            let slice = TestTable.field(1, bytes: TestTable.field(2, varint: 2))
            let container = TestTable.field(1, varint: 1) + TestTable.field(2, bytes: TestTable.shape([1 << 40])) + TestTable.field(7, bytes: slice)
            _ = try bundle(dir, entry: container).tensor("t")
        },
        Case(name: "partitioned tensor whose slice claims more bytes than its data file", code: .truncated) { dir in
            let s = TensorSlice(extents: [.init(start: 0, length: 1 << 30)])
            let sliceProto = TestTable.field(1, bytes: TestTable.field(2, varint: 1 << 30))
            let container = TestTable.field(1, varint: 1) + TestTable.field(2, bytes: TestTable.shape([1 << 30])) + TestTable.field(7, bytes: sliceProto)
            let part = TestTable.entry(dtype: 1, shape: [1 << 30], size: 4 << 30, crc: 0)
            let prefix = dir + "/p"
            let entries = [([UInt8](), TestTable.header), (Array("t".utf8), container),
                           (OrderedCode.tensorNameSliceKey(name: "t", slice: s), part)].sorted { Block.compare($0.0, $1.0) < 0 }
            try write(TestTable.table(entries), prefix + ".index")
            try write([0, 0, 0, 0], prefix + ".data-00000-of-00001")
            _ = try CheckpointReader(path: prefix).tensor("t")
        },
        Case(name: "V1 fill rule expanding one value to a huge shape", code: .tooLarge) { dir in
            let full = TestTable.field(1, bytes: [])  // one full extent
            let meta = TestTable.field(1, bytes: TestTable.field(1, bytes: TestTable.field(1, bytes: Array("x".utf8))
                + TestTable.field(2, bytes: TestTable.shape([1 << 40])) + TestTable.field(3, varint: 1) + TestTable.field(4, bytes: full)))
            let data = TestTable.field(2, bytes: TestTable.field(1, bytes: Array("x".utf8)) + TestTable.field(2, bytes: full)
                + TestTable.field(3, bytes: TestTable.field(5, bytes: TestTable.floats([7]))))
            let key = OrderedCode.tensorNameSliceKey(name: "x", slice: TensorSlice(extents: [.init()]))
            try write(TestTable.table([([], meta), (key, data)]), dir + "/v1")
            _ = try CheckpointReader(path: dir + "/v1").tensor("x")
        },
        // 1 GiB of zeros from a 100-byte file was accepted before (hostile suite).
        Case(name: "V1 fill rule expanding no values to 1 GiB", code: .tooLarge) { dir in
            let full = TestTable.field(1, bytes: [])
            let meta = TestTable.field(1, bytes: TestTable.field(1, bytes: TestTable.field(1, bytes: Array("x".utf8))
                + TestTable.field(2, bytes: TestTable.shape([1 << 28])) + TestTable.field(3, varint: 1) + TestTable.field(4, bytes: full)))
            let data = TestTable.field(2, bytes: TestTable.field(1, bytes: Array("x".utf8)) + TestTable.field(2, bytes: full)
                + TestTable.field(3, bytes: TestTable.field(1, varint: 1)))
            let key = OrderedCode.tensorNameSliceKey(name: "x", slice: TensorSlice(extents: [.init()]))
            try write(TestTable.table([([], meta), (key, data)]), dir + "/v1")
            _ = try CheckpointReader(path: dir + "/v1").tensor("x")
        },
        // A FIFO blocked open() until a writer came (hostile suite).
        Case(name: "a FIFO where the index should be", code: .io) { dir in
            guard mkfifo(dir + "/f.index", 0o600) == 0 else { throw MetaGraphKitError(.io, "mkfifo failed") }
            _ = try CheckpointReader(path: dir + "/f")
        },
        Case(name: "absurd Snappy length", code: .tooLarge) { dir in
            let contents = TestTable.u64varint(1 << 31) + [0x00, 0x41]
            var file: [UInt8] = []
            let data = TestTable.appendBlock(contents, type: 1, to: &file)
            let meta = TestTable.appendBlock(TestTable.block([]), to: &file)
            let index = TestTable.appendBlock(TestTable.block([([0], TestTable.handle(data.0, data.1))], interval: 1), to: &file)
            var footer = TestTable.handle(meta.0, meta.1) + TestTable.handle(index.0, index.1)
            footer += [UInt8](repeating: 0, count: 40 - footer.count) + [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]
            try write(file + footer, dir + "/s.index")
            _ = try CheckpointReader(path: dir + "/s")
        },
        Case(name: "Snappy length over 64x its compressed size", code: .tooLarge) { dir in
            let contents = TestTable.u64varint(100_000) + [0x00, 0x41]
            var file: [UInt8] = []
            let data = TestTable.appendBlock(contents, type: 1, to: &file)
            let index = TestTable.appendBlock(TestTable.block([([0], TestTable.handle(data.0, data.1))], interval: 1), to: &file)
            var footer = TestTable.handle(index.0, index.1) + TestTable.handle(index.0, index.1)
            footer += [UInt8](repeating: 0, count: 40 - footer.count) + [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]
            try write(file + footer, dir + "/s.index")
            _ = try CheckpointReader(path: dir + "/s")
        },
        Case(name: "restart count larger than the block", code: .corrupt) { dir in
            var file: [UInt8] = []
            let index = TestTable.appendBlock([0, 0, 0, 0] + TestTable.u32(0x4000_0000), to: &file)
            var footer = TestTable.handle(index.0, index.1) + TestTable.handle(index.0, index.1)
            footer += [UInt8](repeating: 0, count: 40 - footer.count) + [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]
            try write(file + footer, dir + "/r.index")
            _ = try CheckpointReader(path: dir + "/r")
        },
        Case(name: "entry lengths past the block", code: .corrupt) { dir in
            let block = [UInt8](hex: "00 05 7f 61") + TestTable.u32(0) + TestTable.u32(1)
            var file: [UInt8] = []
            let data = TestTable.appendBlock(block, to: &file)
            let index = TestTable.appendBlock(TestTable.block([([0x62], TestTable.handle(data.0, data.1))], interval: 1), to: &file)
            var footer = TestTable.handle(index.0, index.1) + TestTable.handle(index.0, index.1)
            footer += [UInt8](repeating: 0, count: 40 - footer.count) + [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]
            try write(file + footer, dir + "/e.index")
            _ = try CheckpointReader(path: dir + "/e")
        },
        Case(name: "V1 table without metadata", code: .corrupt) { dir in
            try write(TestTable.table([([0x01], [0x00])]), dir + "/v1")
            _ = try CheckpointReader(path: dir + "/v1")
        },
        Case(name: "V1 sharded pattern with a missing shard", code: .notFound) { dir in
            try write(AppendixA.v1File, dir + "/m-00000-of-00002")
            _ = try CheckpointReader(path: dir + "/m-?????-of-00002")
        },
        // Once made verify allocate a 2 GiB per-shard table (hostile suite).
        Case(name: "header claiming 2^31-1 data files", code: .tooLarge) { dir in
            let header: [UInt8] = [0x08, 0xff, 0xff, 0xff, 0xff, 0x07, 0x1a, 0x02, 0x08, 0x01]
            try verifyThrows(bundle(dir, entry: TestTable.entry(dtype: 1, shape: [1], offset: 0, size: 4, crc: 0),
                                    data: [0, 0, 0, 0], header: header))
        },
        Case(name: "no checkpoint at all", code: .notFound) { dir in
            _ = try CheckpointReader(path: dir + "/nothing")
        },
        Case(name: "verify: flipped byte in tensor data", code: .badChecksum) { dir in
            try verifyThrows(appendix(dir, data: { $0[2] ^= 0x01 }))
        },
    ]

    @Test(arguments: cases)
    func malformedInputIsAnErrorNotACrash(_ c: Case) throws {
        try withTemporaryDirectory { dir in
            do {
                try c.run(dir)
                Issue.record("\(c.name): no error")
            } catch let e as MetaGraphKitError {
                #expect(e.code == c.code, "\(c.name): \(e.code) \(e.message)")
            }
        }
    }

    @Test func verifyListsEveryProblem() throws {
        try withTemporaryDirectory { dir in
            let reader = try Self.appendix(dir, data: { $0[2] ^= 0x01; $0[14] ^= 0x01 })
            let problems = reader.verify()
            #expect(problems.map(\.code) == [.badChecksum, .badChecksum])
            #expect(problems.allSatisfy { $0.message.contains("m.data-00000-of-00001") })
        }
    }

    @Test func blockChecksumMessageNamesFileAndBlock() throws {
        try withTemporaryDirectory { dir in
            do {
                _ = try Self.appendix(dir, index: { $0[0x10] ^= 0x40 })
                Issue.record("no error")
            } catch let e as MetaGraphKitError {
                #expect(e.message.contains("block checksum mismatch"))
                #expect(e.message.contains("m.index") && e.message.contains("block at byte 0x0"))
            }
        }
    }
}
