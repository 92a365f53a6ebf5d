import Testing
@testable import MetaGraphKit

@Suite("CRC32C")
struct CRC32CTests {
    @Test func knownAnswers() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xff, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func extendIsConcatenation() {
        let a = Array("hello ".utf8), b = Array("world".utf8)
        #expect(CRC32C.extend(CRC32C.checksum(a), b) == CRC32C.checksum(a + b))
    }

    @Test func masking() {
        #expect(CRC32C.mask(0) == 0xa282_ead8)
        for v: UInt32 in [0, 1, 0xdead_beef, .max, 0x7310_d8d8] { #expect(CRC32C.unmask(CRC32C.mask(v)) == v) }
        // FORMATS §2.7: crc32c(02 00 00 00) = 0xf7006846, masked 0x7310d8d8.
        #expect(CRC32C.checksum([2, 0, 0, 0]) == 0xf700_6846)
        #expect(CRC32C.mask(0xf700_6846) == 0x7310_d8d8)
    }

    @Test func hardwareEqualsPortable() {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 7, 8, 9, 63, 64, 65, 1000, 4096 + 3, 100_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for offset in [0, 1, 3] where offset <= length {
                let slice = Array(bytes[offset...])
                slice.withUnsafeBytes { raw in
                    #expect(CRC32C.extend(0x1234_5678, raw) == CRC32C.extendPortable(0x1234_5678, raw))
                    #expect(CRC32C.checksum(raw) == CRC32C.extendPortable(0, raw))
                }
            }
        }
    }
}

@Suite("CRC32 (zip)")
struct CRC32Tests {
    @Test func knownAnswer() {
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32.extend(0, $0) } == 0xCBF4_3926)
        #expect([UInt8](repeating: 0, count: 64).withUnsafeBytes { CRC32.extend(0, $0) } == 0x758D_6336)
    }

    @Test func foldingEqualsTable() {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 15, 16, 63, 64, 65, 79, 80, 127, 128, 129, 1000, 4096 + 5, 100_003] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            bytes.withUnsafeBytes { raw in
                #expect(CRC32.extend(0, raw) == CRC32.extendPortable(0, raw), "length \(length)")
                #expect(CRC32.extend(0xdead_beef, raw) == CRC32.extendPortable(0xdead_beef, raw), "length \(length)")
            }
        }
    }
}
