import Foundation
import Testing
@testable import MetaGraphKit

/// The index entry encoder of BundleWriter.finish against protobuf-c's encoding of
/// the same BundleEntryProto (BundleProtoEncoding.entry), byte for byte.
@Suite("Bundle entry encoder")
struct BundleEntryEncoderTests {
    @Test func sameBytesAsProtobufC() {
        var state: UInt64 = 5
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 17
        }
        /// Values where varints change length, zero, negatives and large ones.
        func value() -> Int64 {
            let picks: [Int64] = [0, 1, 127, 128, 300, 16_383, 16_384, -1, -2, Int64(Int32.max), Int64(Int32.min), 1 << 40, .max]
            return next() % 3 == 0 ? Int64(next() % 1_000_000) : picks[Int(next() % UInt64(picks.count))]
        }
        var encoder = BundleEntryEncoder()
        var checked = 0
        for round in 0..<3000 {
            var e = BundleEntry(dtype: DType(rawValue: Int32(truncatingIfNeeded: round % 5 == 4 ? value() : Int64(next() % 24))),
                                shape: (0..<Int(next() % 5)).map { _ in Int(value()) })
            e.shardID = next() % 2 == 0 ? 0 : Int(truncatingIfNeeded: value() & 0x7fff_ffff)
            e.offset = value()
            e.size = value()
            e.crc32c = next() % 4 == 0 ? 0 : UInt32(truncatingIfNeeded: next())
            if next() % 3 == 0 {
                e.slices = (0..<Int(1 + next() % 3)).map { _ in
                    TensorSlice(extents: (0..<Int(next() % 4)).map { _ in
                        next() % 3 == 0 ? TensorSlice.Extent(start: next() % 2 == 0 ? 0 : value()) : TensorSlice.Extent(start: value(), length: value())
                    })
                }
            }
            encoder.encode(e)
            #expect(encoder.bytes == BundleProtoEncoding.entry(e), "entry \(round): \(e)")
            checked += 1
        }
        #expect(checked == 3000)
    }
}

/// The writer's entry store against a plain dictionary: sets, replacements and
/// take-backs in and out of key order, and the order finish writes them in.
@Suite("Bundle writer entries")
struct BundleWriterEntriesTests {
    @Test(arguments: [0, 1, 2])
    func behavesAsADictionaryWrittenSorted(mode: Int) {
        var state: UInt64 = UInt64(41 + mode)
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        var store = BundleWriterEntries()
        var reference: [[UInt8]: BundleEntry] = [:]
        // mode 0: keys only ever increase; 1: increasing, then a few out of order; 2: random.
        var counter = 0
        for step in 0..<4000 {
            let key: [UInt8]
            switch mode {
            case 0: counter += 1 + next() % 3; key = Array(String(format: "k%07d", counter).utf8)
            case 1 where step < 3000: counter += 1; key = Array(String(format: "k%07d", counter).utf8)
            default: key = Array(String(format: "k%07d", next() % 5000).utf8)
            }
            var entry = BundleEntry(dtype: .float32, shape: [next() % 9])
            entry.offset = Int64(step)
            switch next() % 10 {
            case 0:
                // Take back an existing key (a failed transaction), or a missing one.
                let victim = reference.keys.randomElement() ?? key
                store[victim] = nil
                reference[victim] = nil
            case 1:
                #expect(store[key]?.offset == reference[key]?.offset, "lookup \(key)")
            default:
                let old = store.replace(key, with: entry)
                #expect(old?.offset == reference[key]?.offset, "replace \(key)")
                reference[key] = entry
            }
            #expect(store.count == reference.count)
        }
        var written: [([UInt8], BundleEntry)] = []
        store.forEachSorted { written.append(($0, $1)) }
        let expected = reference.sorted { Block.compare($0.key, $1.key) < 0 }
        #expect(written.map(\.0) == expected.map(\.key))
        #expect(written.map(\.1.offset) == expected.map(\.value.offset))
        #expect(written.count > 500)
    }
}
