import Testing
@testable import MetaGraphKit

/// The CRC of a big payload checked on every core equals the one-pass CRC, for part
/// counts and lengths that do not divide evenly.
@Suite("CRC32C on every core")
struct CRC32CEveryCoreTests {
    @Test(arguments: [0, 1, 7, 4096, 65_537, 1 << 20, (1 << 20) + 3])
    func equalsOnePass(length: Int) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(length)
        let bytes = (0..<length).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        bytes.withUnsafeBytes { b in
            let one = CRC32C.checksum(b)
            for part in [1, 1000, 4096, 1 << 18] {
                #expect(CRC32C.checksumOnEveryCore(b, minimumPart: part) == one, "length \(length), parts of \(part)")
            }
        }
    }
}
