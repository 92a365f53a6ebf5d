import Foundation
import Testing
@testable import MetaGraphKit

@Suite("BundleWriter")
struct BundleWriterTests {
    /// `SaveV2(['a','b'], [float32 [1,2], string "hi"])` gives TF's exact bytes.
    @Test func appendixA1BundleIsByteExact() throws {
        try withTemporaryDirectory { dir in
            let w = try BundleWriter(prefix: dir + "/m")
            try [Float(1), 2].withUnsafeBytes { try w.add(name: "a", dtype: .float32, shape: [2], bytes: $0) }
            try w.add(name: "b", shape: [], strings: [Array("hi".utf8)])
            let result = try w.finish()
            #expect(result.files == [dir + "/m.index", dir + "/m.data-00000-of-00001"])
            #expect(try FileIO.read(dir + "/m.index") == AppendixA1.index)
            #expect(try FileIO.read(dir + "/m.data-00000-of-00001") == AppendixA1.data)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["m.data-00000-of-00001", "m.index"])
        }
    }

    @Test func headerAndScalarEntryBytes() {
        #expect(BundleProtoEncoding.header(numShards: 3) == [0x08, 0x03, 0x1a, 0x02, 0x08, 0x01])
        var e = BundleEntry(dtype: .string, shape: [])
        e.offset = 8; e.size = 7; e.crc32c = 0x154d_eb09
        #expect(BundleProtoEncoding.entry(e) == [0x08, 0x07, 0x12, 0x00, 0x20, 0x08, 0x28, 0x07, 0x35, 0x09, 0xeb, 0x4d, 0x15])
        // Container of fixed_size_partitioner(3) on [10,3]: slices [{len4},{len3}] …
        var c = BundleEntry(dtype: .float32, shape: [10, 3])
        c.slices = [TensorSlice(extents: [.init(start: 4, length: 3), .init()])]
        #expect(BundleProtoEncoding.entry(c) == [0x08, 0x01, 0x12, 0x08, 0x12, 0x02, 0x08, 0x0a, 0x12, 0x02, 0x08, 0x03,
                                                 0x3a, 0x08, 0x0a, 0x04, 0x08, 0x04, 0x10, 0x03, 0x0a, 0x00])
    }

    @Test func emptyTensorsAndStrings() throws {
        try withTemporaryDirectory { dir in
            let w = try BundleWriter(prefix: dir + "/e")
            try w.add(Tensor(dtype: .float32, shape: [0, 3], storage: .bytes([])), name: "empty")
            try w.add(name: "nostrings", shape: [0], strings: [])
            try w.finish()
            let r = try BundleReader(prefix: dir + "/e")
            #expect(r.entries[Array("empty".utf8)]?.crc32c == 0xa282_ead8)
            #expect(r.entries[Array("nostrings".utf8)]?.size == 4)
            #expect(try r.tensor(Array("nostrings".utf8)).strings == [])
        }
    }

    /// Writer → reader: plain, string, sliced (kept as slices), several shards.
    @Test(arguments: [BundleWriter.ShardPolicy.roundRobin, .sizeBalanced])
    func roundTrip(policy: BundleWriter.ShardPolicy) throws {
        try withTemporaryDirectory { dir in
            var options = BundleWriter.Options()
            options.shards = 3
            options.policy = policy
            let w = try BundleWriter(prefix: dir + "/ck", options: options)
            let ints: [Int64] = Array(0..<30)
            try ints.withUnsafeBytes { try w.add(name: "ints", dtype: .int64, shape: [5, 6], bytes: $0) }
            try w.add(name: "words", shape: [3], strings: [[], Array("x".utf8), [UInt8](repeating: 0xff, count: 300)])
            // part: [10,3] in rows 0..<4, 4..<7, 7..<10, written out of order.
            let full: [Float] = (0..<30).map(Float.init)
            for (start, length) in [(4, 3), (0, 4), (7, 3)] {
                let slice = TensorSlice(extents: [.init(start: Int64(start), length: Int64(length)), .init()])
                try Array(full[(start * 3)..<((start + length) * 3)]).withUnsafeBytes {
                    try w.addSlice(name: "part", dtype: .float32, fullShape: [10, 3], slice: slice, bytes: $0)
                }
            }
            // A slice that covers everything is a plain entry.
            try [Int32(7)].withUnsafeBytes {
                try w.addSlice(name: "whole", dtype: .int32, fullShape: [1], slice: TensorSlice(extents: [.init(start: 0, length: 1)]), bytes: $0)
            }
            try w.addSlice(name: "sp", fullShape: [2], slice: TensorSlice(extents: [.init(start: 1, length: 1)]), strings: [Array("b".utf8)])
            try w.addSlice(name: "sp", fullShape: [2], slice: TensorSlice(extents: [.init(start: 0, length: 1)]), strings: [Array("a".utf8)])
            let result = try w.finish()
            #expect(result.files.count == 4)
            let r = try BundleReader(prefix: dir + "/ck")
            #expect(r.header.numShards == 3)
            #expect(try r.tensor(Array("ints".utf8)).bytes == ints.withUnsafeBytes { Array($0) })
            #expect(try r.tensor(Array("words".utf8)).strings == [[], Array("x".utf8), [UInt8](repeating: 0xff, count: 300)])
            #expect(try r.tensor(Array("part".utf8)).bytes == full.withUnsafeBytes { Array($0) })
            #expect(r.entries[Array("part".utf8)]?.slices.count == 3)
            #expect(r.entries[Array("whole".utf8)]?.slices.isEmpty == true)
            #expect(try r.tensor(Array("sp".utf8)).strings == [Array("a".utf8), Array("b".utf8)])
            #expect(Set(r.keys.compactMap { r.entries[$0]?.shardID }).count > 1)
            #expect(r.table.verify().isEmpty)
        }
    }

    @Test func chunkedPayloadHasRunningCRC() throws {
        try withTemporaryDirectory { dir in
            let w = try BundleWriter(prefix: dir + "/c")
            let values = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try w.addStreaming(name: "big", dtype: .uint8, shape: [100_000]) { stream in
                for chunk in stride(from: 0, to: values.count, by: 7_777) {
                    try Array(values[chunk..<min(chunk + 7_777, values.count)]).withUnsafeBytes { try stream.write($0) }
                }
            }
            try w.finish()
            let r = try BundleReader(prefix: dir + "/c")
            #expect(try r.tensor(Array("big".utf8)).bytes == values)
        }
    }

    @Test func failuresLeaveNothingBehind() throws {
        try withTemporaryDirectory { dir in
            do {
                let w = try BundleWriter(prefix: dir + "/f", options: { var o = BundleWriter.Options(); o.shards = 2; return o }())
                try [Float(1)].withUnsafeBytes { try w.add(name: "x", dtype: .float32, shape: [1], bytes: $0) }
                #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 2)
                let e = #expect(throws: MetaGraphKitError.self) {
                    try [Float(1)].withUnsafeBytes { try w.add(name: "x", dtype: .float32, shape: [1], bytes: $0) }
                }
                #expect(e?.code == .invalidArgument)
                #expect(throws: MetaGraphKitError.self) {
                    try [Float(1)].withUnsafeBytes { try w.add(name: "y", dtype: .float32, shape: [2], bytes: $0) }
                }
                struct Boom: Error {}
                #expect(throws: Boom.self) {
                    try w.addStreaming(name: "z", dtype: .float32, shape: [1]) { _ in throw Boom() }
                }
                w.abandon()
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
            // A writer dropped without finish removes its temporaries too.
            do { _ = try BundleWriter(prefix: dir + "/g") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
            #expect(TemporaryFiles.registered.filter { $0.hasPrefix(dir) }.isEmpty)
            // finish into a missing directory fails and leaves nothing.
            #expect(throws: MetaGraphKitError.self) { _ = try BundleWriter(prefix: dir + "/nodir/x") }
        }
    }

    @Test func transactionTakesBackEntries() throws {
        try withTemporaryDirectory { dir in
            let w = try BundleWriter(prefix: dir + "/t")
            struct Boom: Error {}
            #expect(throws: Boom.self) {
                try w.transaction {
                    try [Float(1)].withUnsafeBytes { try w.add(name: "gone", dtype: .float32, shape: [1], bytes: $0) }
                    // A big one that bypasses the buffer: rewinding truncates the file.
                    try [UInt8](repeating: 1, count: 3 << 20).withUnsafeBytes {
                        try w.add(name: "big", dtype: .uint8, shape: [3 << 20], bytes: $0)
                    }
                    throw Boom()
                }
            }
            try [Float(2)].withUnsafeBytes { try w.add(name: "kept", dtype: .float32, shape: [1], bytes: $0) }
            try w.finish()
            let r = try BundleReader(prefix: dir + "/t")
            #expect(r.keys == [Array("kept".utf8)])
            // The taken-back payload's bytes are gone too.
            #expect(try FileIO.read(dir + "/t.data-00000-of-00001") == [0, 0, 0, 0x40])
        }
    }
}
