import Foundation
import Testing
@testable import MetaGraphKit

/// npz export writes ZIP64 exactly where a value does not fit (APPNOTE.TXT
/// 4.3.14-4.5.3, as Python's zipfile): many members, and (forced by a lowered
/// threshold, since 4 GiB cannot run in a test) large sizes and offsets.
@Suite("ZIP64 export")
struct ZIP64ExportTests {
    func u16(_ b: [UInt8], _ at: Int) -> UInt64 { UInt64(b[at]) | UInt64(b[at + 1]) << 8 }
    func u32(_ b: [UInt8], _ at: Int) -> UInt64 { u16(b, at) | u16(b, at + 2) << 16 }
    func u64(_ b: [UInt8], _ at: Int) -> UInt64 { u32(b, at) | u32(b, at + 4) << 32 }

    /// A bundle of a float32[3] `a`, an int32 scalar `b` and a float32[2, 2] `c`;
    /// with `general`, also a bfloat16 `d`, which sends the export down the general
    /// path (writeNPZ) rather than the one from the V2 index.
    func smallBundle(_ dir: String, general: Bool) throws -> CheckpointReader {
        let w = try BundleWriter(prefix: dir + "/src")
        try TestTable.floats([1, 2, 3]).withUnsafeBytes { try w.add(name: "a", dtype: .float32, shape: [3], bytes: $0) }
        try [Int32(7)].withUnsafeBytes { try w.add(name: "b", dtype: .int32, shape: [], bytes: $0) }
        try TestTable.floats([4, 5, 6, 7]).withUnsafeBytes { try w.add(name: "c", dtype: .float32, shape: [2, 2], bytes: $0) }
        if general { try [UInt16(0x3f80)].withUnsafeBytes { try w.add(name: "d", dtype: .bfloat16, shape: [1], bytes: $0) } }
        try w.finish()
        return try CheckpointReader(path: dir + "/src")
    }

    func export(_ reader: CheckpointReader, _ path: String, threshold: UInt64) throws -> [UInt8] {
        var options = CheckpointExportOptions()
        options.zip64Threshold = threshold
        _ = try reader.export(to: path, options: options)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// One member as its local header says: where it is, its size, its ZIP64 field.
    struct Local { let offset: UInt64; let size: UInt64; let version: UInt64; let sizeField: UInt64; let extra: [UInt8] }

    /// Walks the local headers from the start to the central directory.
    func locals(_ b: [UInt8], until end: Int) -> [Local] {
        var out: [Local] = []
        var at = 0
        while at < end {
            #expect(u32(b, at) == 0x0403_4b50)
            let nameLength = Int(u16(b, at + 26)), extraLength = Int(u16(b, at + 28))
            let extra = Array(b[(at + 30 + nameLength)..<(at + 30 + nameLength + extraLength)])
            var size = u32(b, at + 18)
            if size == 0xffff_ffff { size = u64(extra, 4) }
            out.append(Local(offset: UInt64(at), size: size, version: u16(b, at + 4), sizeField: u32(b, at + 18), extra: extra))
            at += 30 + nameLength + extraLength + Int(size)
        }
        #expect(at == end)
        return out
    }

    /// Every value of `source` comes back from the npz through our reader, which
    /// finds nothing wrong with it.
    func expectReadsBack(_ path: String, like source: CheckpointReader) throws {
        let back = try CheckpointReader(path: path)
        #expect(back.entries.map(\.key) == source.entries.map(\.key))
        for e in source.entries {
            #expect(try back.tensor(e.key).bytes == source.tensor(e.key).bytes)
        }
        #expect(back.verify().isEmpty)
    }

    /// Threshold 0: every size and offset, and every field of the end record, is
    /// written through ZIP64.
    @Test(arguments: [false, true]) func everythingForcedToZIP64(general: Bool) throws {
        try withTemporaryDirectory { dir in
            let source = try smallBundle(dir, general: general)
            let members = general ? 5 : 4
            let b = try export(source, dir + "/out.npz", threshold: 0)
            let n = b.count
            // Classic end record: every field that can overflow holds its sentinel.
            let eocd = n - 22
            #expect(u32(b, eocd) == 0x0605_4b50)
            #expect(u16(b, eocd + 8) == 0xffff && u16(b, eocd + 10) == 0xffff)
            #expect(u32(b, eocd + 12) == 0xffff_ffff && u32(b, eocd + 16) == 0xffff_ffff)
            #expect(u16(b, eocd + 20) == 0)
            // Locator, just before it: disk 0, the record's offset, 1 disk.
            let locator = eocd - 20
            #expect(u32(b, locator) == 0x0706_4b50 && u32(b, locator + 4) == 0 && u32(b, locator + 16) == 1)
            let record = Int(u64(b, locator + 8))
            #expect(record == locator - 56)
            // ZIP64 end record: size 44, versions 4.5, disks 0, the members (tensors + the note).
            #expect(u32(b, record) == 0x0606_4b50 && u64(b, record + 4) == 44)
            #expect(u16(b, record + 12) == 45 && u16(b, record + 14) == 45)
            #expect(u32(b, record + 16) == 0 && u32(b, record + 20) == 0)
            #expect(u64(b, record + 24) == UInt64(members) && u64(b, record + 32) == UInt64(members))
            let cdSize = Int(u64(b, record + 40)), cdOffset = Int(u64(b, record + 48))
            #expect(cdOffset + cdSize == record)
            // Local headers: version 4.5, 0xffffffff sizes, a 16-byte ZIP64 field of both sizes.
            let written = locals(b, until: cdOffset)
            #expect(written.count == members)
            for m in written {
                #expect(m.version == 45 && m.sizeField == 0xffff_ffff)
                #expect(m.extra.count == 20 && u16(m.extra, 0) == 1 && u16(m.extra, 2) == 16)
                #expect(u64(m.extra, 4) == m.size && u64(m.extra, 12) == m.size)
            }
            // Central entries: versions 4.5, sentinels, ZIP64 field of sizes then offset.
            var at = cdOffset
            for m in written {
                #expect(u32(b, at) == 0x0201_4b50)
                #expect(u16(b, at + 4) == 45 && u16(b, at + 6) == 45)
                #expect(u32(b, at + 20) == 0xffff_ffff && u32(b, at + 24) == 0xffff_ffff && u32(b, at + 42) == 0xffff_ffff)
                let nameLength = Int(u16(b, at + 28))
                #expect(u16(b, at + 30) == 28)
                let e = at + 46 + nameLength
                #expect(u16(b, e) == 1 && u16(b, e + 2) == 24)
                #expect(u64(b, e + 4) == m.size && u64(b, e + 12) == m.size && u64(b, e + 20) == m.offset)
                at = e + 28
            }
            #expect(at == record)
            try expectReadsBack(dir + "/out.npz", like: source)
        }
    }

    /// A threshold between the members' sizes: only the fields at or above it go
    /// through ZIP64, each ZIP64 field holds only those, in order.
    @Test(arguments: [false, true]) func onlyTheFieldsThatOverflow(general: Bool) throws {
        try withTemporaryDirectory { dir in
            let source = try smallBundle(dir, general: general)
            // a.npy: 128-byte .npy header + 12 bytes; b.npy: 128 + 4; c.npy: 128 + 16.
            let threshold: UInt64 = 136
            let b = try export(source, dir + "/out.npz", threshold: threshold)
            let eocd = b.count - 22
            // The members fit the count (below min(136, 0xffff)); the directory's offset does not.
            #expect(u16(b, eocd + 10) == (general ? 5 : 4))
            let cdSizeField = u32(b, eocd + 12)
            #expect(cdSizeField == 0xffff_ffff)  // 4 entries of 51+ bytes: over 136 too
            #expect(u32(b, eocd + 16) == 0xffff_ffff)
            let record = Int(u64(b, eocd - 20 + 8))
            let cdOffset = Int(u64(b, record + 48))
            let members = locals(b, until: cdOffset)
            #expect(members.map(\.size).prefix(2) == [140, 132])
            var at = cdOffset
            for m in members {
                let bigSize = m.size >= threshold, bigOffset = m.offset >= threshold
                #expect(m.extra.count == (bigSize ? 20 : 0))
                #expect(m.version == (bigSize ? 45 : 20))
                let nameLength = Int(u16(b, at + 28)), extraLength = Int(u16(b, at + 30))
                #expect(extraLength == (bigSize || bigOffset ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0))
                #expect(u16(b, at + 6) == (bigSize || bigOffset ? 45 : 20))
                #expect(u32(b, at + 24) == (bigSize ? 0xffff_ffff : m.size))
                #expect(u32(b, at + 42) == (bigOffset ? 0xffff_ffff : m.offset))
                var f = at + 46 + nameLength + 4
                if bigSize { #expect(u64(b, f) == m.size); f += 16 }
                if bigOffset { #expect(u64(b, f) == m.offset) }
                at += 46 + nameLength + extraLength
            }
            // a.npy: size only (its header is at 0); b.npy: offset only.
            #expect(members[0].offset == 0 && members[0].size >= threshold)
            #expect(members[1].offset >= threshold && members[1].size < threshold)
            try expectReadsBack(dir + "/out.npz", like: source)
        }
    }

    /// The > 4 GiB paths at the real threshold, on the records themselves.
    @Test func realThresholdRecords() {
        let zip = ZipStoreWriter()
        // A 5 GiB member whose header is at 6 GiB.
        var entry: [UInt8] = []
        let name: [UInt8] = Array("big.npy".utf8)
        name.withUnsafeBytes { zip.centralEntry(&entry, name: $0, crc: 0x1234_5678, size: 5 << 30, offset: 6 << 30) }
        #expect(entry.count == 46 + 7 + 28)
        #expect(u16(entry, 4) == 45 && u32(entry, 20) == 0xffff_ffff && u32(entry, 42) == 0xffff_ffff)
        #expect(u64(entry, 57) == 5 << 30 && u64(entry, 65) == 5 << 30 && u64(entry, 73) == 6 << 30)
        // Just under the sentinel stays 32-bit.
        entry = []
        name.withUnsafeBytes { zip.centralEntry(&entry, name: $0, crc: 0, size: 0xffff_fffe, offset: 0xffff_fffe) }
        #expect(entry.count == 46 + 7 && u16(entry, 4) == 20 && u32(entry, 20) == 0xffff_fffe)
        var local: [UInt8] = []
        ZipStoreWriter.localHeader(&local, crc: 0, size: 0xffff_ffff, nameLength: 7, zip64: zip.needs64(0xffff_ffff))
        #expect(u16(local, 4) == 45 && u32(local, 18) == 0xffff_ffff && u16(local, 28) == 20)
        // End records: 65,535 members need ZIP64, 65,534 do not.
        let few = zip.endRecords(count: 65_534, directoryOffset: 1000, directorySize: 500)
        #expect(few.count == 22 && u16(few, 10) == 65_534)
        let many = zip.endRecords(count: 65_535, directoryOffset: 1000, directorySize: 500)
        #expect(many.count == 56 + 20 + 22)
        #expect(u64(many, 32) == 65_535 && u64(many, 40) == 500 && u64(many, 48) == 1000 && u64(many, 56 + 8) == 1500)
        #expect(u16(many, 76 + 10) == 0xffff && u32(many, 76 + 12) == 500 && u32(many, 76 + 16) == 1000)
        // A directory past 4 GiB: its offset field only.
        let far = zip.endRecords(count: 3, directoryOffset: 5 << 30, directorySize: 200)
        #expect(far.count == 98 && u16(far, 76 + 10) == 3 && u32(far, 76 + 16) == 0xffff_ffff && u64(far, 48) == 5 << 30)
    }

    /// A name longer than a zip's 16-bit field is refused, naming the key; nothing is left behind.
    @Test func aNameTooLongForAZipIsRefused() throws {
        try withTemporaryDirectory { dir in
            let key = String(repeating: "k", count: 70_000)
            let w = try BundleWriter(prefix: dir + "/src")
            try [Int32(1)].withUnsafeBytes { try w.add(name: key, dtype: .int32, shape: [], bytes: $0) }
            try w.finish()
            let reader = try CheckpointReader(path: dir + "/src")
            #expect {
                _ = try reader.export(to: dir + "/out.npz")
            } throws: { error in
                guard let e = error as? MetaGraphKitError else { return false }
                return e.code == .tooLarge && e.message.contains("70004 bytes") && e.message.hasPrefix(dir + "/out.npz")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["src.data-00000-of-00001", "src.index"])
        }
    }

    /// 70,000 members (more than a zip without ZIP64 can count) read back through
    /// our npz reader with equal keys and values.
    @Test func seventyThousandMembers() throws {
        try withTemporaryDirectory { dir in
            let n = 70_000
            let w = try BundleWriter(prefix: dir + "/src")
            for i in 0..<n {
                try [Int32(i), Int32(-i)].withUnsafeBytes {
                    try w.add(name: "block_\(i / 1000)/var_\(i % 1000)", dtype: .int32, shape: [2], bytes: $0)
                }
            }
            try w.finish()
            let source = try CheckpointReader(path: dir + "/src")
            let b = try export(source, dir + "/out.npz", threshold: ZipStoreWriter.limit)
            let eocd = b.count - 22
            #expect(u16(b, eocd + 10) == 0xffff)
            #expect(u32(b, eocd - 20) == 0x0706_4b50)
            let record = Int(u64(b, eocd - 20 + 8))
            #expect(u64(b, record + 32) == UInt64(n + 1))
            // Nothing else overflows: the directory's offset and size are 32-bit, as are the members'.
            #expect(u32(b, eocd + 16) == u64(b, record + 48) && u32(b, eocd + 12) == u64(b, record + 40))
            #expect(u32(b, 0) == 0x0403_4b50 && u16(b, 4) == 20 && u16(b, 28) == 0)
            let back = try CheckpointReader(path: dir + "/out.npz")
            let keys = back.entries.map(\.key)
            #expect(keys.count == n)
            #expect(keys == source.entries.map(\.key))
            var wrong = 0
            for key in keys {
                let i = Int32(key.split(separator: "/").map { Int($0.split(separator: "_")[1])! }.reduce(0) { $0 * 1000 + $1 })
                if try back.tensor(key).bytes != [i, -i].withUnsafeBytes({ Array($0) }) { wrong += 1 }
            }
            #expect(wrong == 0)
            #expect(back.verify().isEmpty)
        }
    }
}

extension ZIP64ExportTests {
    /// The export from the V2 index writes the bytes the general path writes (a
    /// rule that matches nothing sends the same checkpoint down the general path).
    @Test func indexPathWritesTheGeneralPathsBytes() throws {
        try withTemporaryDirectory { dir in
            let source = try smallBundle(dir, general: false)
            for threshold in [ZipStoreWriter.limit, 136, 0] {
                let fast = try export(source, dir + "/fast\(threshold).npz", threshold: threshold)
                var options = CheckpointExportOptions()
                options.zip64Threshold = threshold
                options.rules = try KeyRules(rules: ["^nothing-matches$=>x"])
                _ = try source.export(to: dir + "/general\(threshold).npz", options: options)
                let general = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/general\(threshold).npz")))
                #expect(fast == general, "threshold \(threshold)")
            }
        }
    }
}
