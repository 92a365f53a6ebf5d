import Foundation
import Testing
@testable import MetaGraphKit

/// `Block.quickEntry(at:)`, the cursor-free decoder a listing uses for common
/// entries, must give what the checked `entry(at:)` gives wherever it answers,
/// and leave every other entry (long lengths, damaged bytes) to it.
@Suite("Block entries decoded without a cursor")
struct BlockQuickEntryTests {
    /// Every block of a table: its index block and each data block.
    func blocks(_ table: TableReader) throws -> [Block] {
        var out = [table.index]
        try table.index.forEach { _, handle in
            out.append(try table.dataBlock(handle))
            return true
        }
        return out
    }

    /// The entries of `block` in order, each through both decoders (nil when
    /// the quick one declines); stops at the first error of the checked one.
    func walk(_ block: Block) -> [(checked: Block.RawEntry?, quick: Block.RawEntry?, offset: Int)] {
        var out: [(Block.RawEntry?, Block.RawEntry?, Int)] = []
        var offset = 0
        while offset < block.dataEnd {
            let checked = try? block.entry(at: offset)
            out.append((checked, block.quickEntry(at: offset), offset))
            guard let checked else { break }
            offset = checked.next
        }
        return out
    }

    func same(_ a: Block.RawEntry, _ b: Block.RawEntry) -> Bool {
        a.shared == b.shared && a.next == b.next && a.keyDelta.baseAddress == b.keyDelta.baseAddress
            && a.keyDelta.count == b.keyDelta.count && a.value.baseAddress == b.value.baseAddress
            && a.value.count == b.value.count
    }

    @Test(arguments: ["ckpt/v2_large_index.index", "ckpt/v2_dtypes.index", "ckpt/v2_snappy.index", "ckpt/v1_dtypes",
                      "ckpt/v1_snappy"])
    func fixtureEntriesDecodeTheSame(_ fixture: String) throws {
        let table = try TableReader(path: Fixture.path(fixture))
        var quick = 0
        var total = 0
        for block in try blocks(table) {
            for (checked, fast, offset) in walk(block) {
                let checked = try #require(checked, "entry at \(offset) of a sound fixture")
                total += 1
                if let fast {
                    #expect(same(fast, checked), "entry at \(offset)")
                    quick += 1
                }
            }
        }
        #expect(total > 0)
        // Index entries have 1-byte lengths: all of them take the quick path
        // except V1 values over 2 MiB (none in these fixtures).
        #expect(quick == total)
    }

    @Test func longLengthsAndDamageAreLeftToTheCheckedDecoder() throws {
        // Entries: shared 0, key "k", a value whose length takes 4 varint bytes
        // (2^21 + 1 bytes cannot be in a small block: the quick path declines and
        // the checked one reports it), then a 3-byte length that fits.
        var bytes: [UInt8] = [0x00, 0x01, 0x81, 0x80, 0x80, 0x01, 0x6b]
        bytes += [UInt8](repeating: 0, count: 16)
        bytes += [0, 0, 0, 0, 1, 0, 0, 0]  // one restart at 0, count 1
        let storage = BlockStorage(owning: {
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
            b.copyBytes(from: bytes)
            return b
        }())
        let block = try Block(storage: storage, fileOffset: 0, file: "t")
        #expect(block.quickEntry(at: 0) == nil)
        #expect(throws: MetaGraphKitError.self) { try block.entry(at: 0) }
        #expect(throws: MetaGraphKitError.self) { try block.forEach { _, _ in true } }

        // Every truncation and every single-byte damage of a sound entry list:
        // wherever the quick decoder answers, the checked one agrees.
        var sound: [UInt8] = []
        for (shared, key, value) in [(0, [UInt8]("alpha".utf8), [UInt8](repeating: 7, count: 200)),
                                     (3, [UInt8]("ha2".utf8), [UInt8](repeating: 9, count: 20_000)),
                                     (1, [UInt8]("b".utf8), [UInt8]())] {
            Varint.append(UInt64(shared), to: &sound)
            Varint.append(UInt64(key.count), to: &sound)
            Varint.append(UInt64(value.count), to: &sound)
            sound += key + value
        }
        var cases: [[UInt8]] = (0..<sound.count).map { Array(sound[..<$0]) }
        for i in 0..<min(sound.count, 16) {
            for flip: UInt8 in [0x01, 0x80, 0xff] {
                var damaged = sound
                damaged[i] ^= flip
                cases.append(damaged)
            }
        }
        var compared = 0
        for entries in cases {
            let all = entries + [0, 0, 0, 0, 1, 0, 0, 0]
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: all.count, alignment: 8)
            b.copyBytes(from: all)
            let block = try Block(storage: BlockStorage(owning: b), fileOffset: 0, file: "t")
            for (checked, fast, offset) in walk(block) {
                guard let fast else { continue }
                let checked = try #require(checked, "the quick decoder answered at \(offset) where the checked one throws")
                #expect(same(fast, checked), "entry at \(offset) of \(entries)")
                compared += 1
            }
        }
        #expect(compared > cases.count)
    }
}
