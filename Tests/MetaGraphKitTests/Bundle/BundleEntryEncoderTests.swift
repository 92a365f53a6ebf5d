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
