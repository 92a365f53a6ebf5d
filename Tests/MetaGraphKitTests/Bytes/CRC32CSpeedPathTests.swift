import Testing
@testable import MetaGraphKit

/// The three-stream hardware CRC (chunks of 3×256 and 3×8192 bytes joined with
/// shift tables) against the portable table path, at lengths and alignments
/// around every chunk boundary.
@Suite("CRC32C three-stream path")
struct CRC32CSpeedPathTests {
    @Test func matchesPortableAtEveryBoundary() {
        var bytes = [UInt8](repeating: 0, count: 3 * 8192 * 2 + 3 * 256 + 64)
        var x: UInt32 = 12345
        for i in bytes.indices { x = x &* 1_103_515_245 &+ 12345; bytes[i] = UInt8(truncatingIfNeeded: x >> 16) }
        let lengths = [0, 1, 7, 8, 767, 768, 769, 3 * 256 + 9, 24_575, 24_576, 24_577, 24_576 + 768 + 5, bytes.count - 3]
        bytes.withUnsafeBytes { raw in
            for offset in [0, 1, 3] {
                for length in lengths where offset + length <= raw.count {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
                    #expect(CRC32C.extend(0x1234_5678, slice) == CRC32C.extendPortable(0x1234_5678, slice),
                            "offset \(offset), length \(length)")
                }
            }
        }
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }
}

@Suite("CRC32C combine")
struct CRC32CCombineTests {
    @Test func combineEqualsTheWholeChecksum() {
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 5) }
        for cut in [0, 1, 5, 4096, 50_000, 99_999, 100_000] {
            let a = CRC32C.checksum(Array(bytes[..<cut]))
            let b = CRC32C.checksum(Array(bytes[cut...]))
            #expect(CRC32C.combine(a, b, secondLength: bytes.count - cut) == CRC32C.checksum(bytes), "cut \(cut)")
        }
    }
}
