// NumPy .npz (numpy/lib/npyio.py, savez): a zip of KEY.npy members. Stored members
// (np.savez, and tfmeta's own export) are mapped and lent without a copy; deflated
// ones (np.savez_compressed) are refused with a message saying how to convert.
// ZIP64 records (numpy asks for them on every member) are understood.
import Foundation

/// A `.npz` file read as a checkpoint.
final class NPZCheckpoint: MappedForeignCheckpoint {
    /// One stored member: its name, where its bytes are, their CRC-32.
    struct Member {
        let name: String
        let offset: Int
        let count: Int
        let crc32: UInt32
    }

    /// The member tfmeta's export adds: `{"source", "source_format", "writer",
    /// "bfloat16_as_uint16": [key]}` (bfloat16 tensors stored as their uint16 bits).
    static let noteName = "__tfmeta__.json"

    /// The members holding arrays, for ``verify()``.
    let members: [Member]
    private let file: MappedFile

    /// Opens a file named `.npz`, or a zip whose first member is a `.npy`.
    static let opener: ForeignCheckpointOpener = { path in
        guard FileIO.isRegularFile(path) else { return nil }
        if !path.hasSuffix(".npz") {
            guard let head = try? FileIO.readPrefix(path, count: 30 + 512), head.count >= 30,
                  head[0..<4] == [0x50, 0x4b, 0x03, 0x04] else { return nil }
            let nameLength = Int(head[26]) | Int(head[27]) << 8
            guard 30 + nameLength <= head.count,
                  String(decoding: head[30..<(30 + nameLength)], as: UTF8.self).hasSuffix(".npy") else { return nil }
        }
        return try NPZCheckpoint(path: path)
    }

    /// Maps the file and reads its central directory and each member's .npy header.
    ///
    /// - Throws: ``MetaGraphKitError`` `corrupt`/`truncated` for a damaged zip or
    ///   .npy header, `unsupported` for compressed or encrypted members.
    init(path: String) throws {
        let file = try MappedFile(path: path)
        self.file = file
        var zip = ZipDirectory(bytes: file.bytes, path: path)
        var regions: [ForeignRegion] = []
        var members: [Member] = []
        let all = try zip.members()
        var bfloat16: Set<String> = []
        if let note = all.first(where: { $0.name == Self.noteName && $0.method == 0 }), note.size <= 1 << 24,
           let json = try? JSONSerialization.jsonObject(with: Data(file.bytes[note.dataOffset..<(note.dataOffset + note.size)])),
           let keys = (json as? [String: Any])?["bfloat16_as_uint16"] as? [String] {
            bfloat16 = Set(keys)
        }
        for m in all {
            guard m.name.hasSuffix(".npy") else { continue }
            let key = String(m.name.dropLast(4))
            let what = "\(path): \(m.name)"
            guard m.method == 0 else {
                throw MetaGraphKitError(.unsupported,
                    "\(what) is compressed (zip method \(m.method); np.savez_compressed writes these); save it with np.savez, or extract it and pass the directory of .npy files")
            }
            let body = UnsafeRawBufferPointer(rebasing: file.bytes[m.dataOffset..<(m.dataOffset + m.size)])
            let header = try NPYHeader(body, what: what)
            var (dtype, layout) = try header.element(what: what)
            if dtype == .uint16, bfloat16.contains(key) { dtype = .bfloat16 }
            regions.append(try ForeignRegion(key: key, dtype: dtype, shape: header.shape, file: file,
                                             offset: m.dataOffset + header.dataOffset, count: m.size - header.dataOffset,
                                             layout: layout, fortran: header.fortranOrder, what: what))
            members.append(Member(name: m.name, offset: m.dataOffset, count: m.size, crc32: m.crc32))
        }
        self.members = members
        try super.init(formatName: "npz", path: path, regions: regions)
    }

    /// Every member's CRC-32, then the checks every foreign checkpoint gets.
    override func verify() -> [MetaGraphKitError] {
        var problems: [MetaGraphKitError] = []
        for m in members {
            let crc = CRC32.extend(0, UnsafeRawBufferPointer(rebasing: file.bytes[m.offset..<(m.offset + m.count)]))
            if crc != m.crc32 {
                problems.append(MetaGraphKitError(.badChecksum,
                    "\(path): checksum mismatch for \(m.name) (CRC-32 \(String(crc, radix: 16)), the zip says \(String(m.crc32, radix: 16)))"))
            }
        }
        return problems + super.verify()
    }
}

/// A zip file's central directory, every field checked against the file.
struct ZipDirectory {
    struct Entry {
        let name: String
        let method: Int
        let crc32: UInt32
        /// Where the member's (stored) bytes start, after its local header.
        let dataOffset: Int
        /// The member's stored size.
        let size: Int
    }

    let bytes: UnsafeRawBufferPointer
    let path: String

    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }

    func fail(_ why: String, _ code: MetaGraphKitError.Code = .corrupt) -> MetaGraphKitError {
        MetaGraphKitError(code, "\(path): not a readable zip: \(why)")
    }

    /// A 64-bit size or offset that must lie within the file.
    func within(_ v: UInt64, _ what: String) throws -> Int {
        guard v <= UInt64(bytes.count) else { throw fail("\(what) \(v) is past the end of the \(bytes.count)-byte file", .truncated) }
        return Int(v)
    }

    /// Every entry of the central directory, in order.
    mutating func members() throws -> [Entry] {
        let n = bytes.count
        guard n >= 22 else { throw fail("\(n) bytes, shorter than an end-of-directory record", .truncated) }
        var eocd = -1
        var at = n - 22
        let lowest = max(0, n - 22 - 0xffff)
        while at >= lowest {
            if bytes[at] == 0x50, bytes[at + 1] == 0x4b, bytes[at + 2] == 5, bytes[at + 3] == 6 { eocd = at; break }
            at -= 1
        }
        guard eocd >= 0 else { throw fail("no end-of-central-directory record") }
        var count = UInt64(u16(eocd + 10))
        var cdSize = UInt64(u32(eocd + 12))
        var cdOffset = UInt64(u32(eocd + 16))
        if count == 0xffff || cdSize == 0xffff_ffff || cdOffset == 0xffff_ffff {
            // ZIP64: a locator just before the record points at the 64-bit record.
            guard eocd >= 20, u32(eocd - 20) == 0x0706_4b50 else { throw fail("a ZIP64 archive without its locator") }
            let record = try within(u64(eocd - 20 + 8), "the ZIP64 record's offset")
            guard record <= n - 56, u32(record) == 0x0606_4b50 else { throw fail("no ZIP64 end record at \(record)") }
            count = u64(record + 32)
            cdSize = u64(record + 40)
            cdOffset = u64(record + 48)
        }
        let start = try within(cdOffset, "the central directory's offset")
        let size = try within(cdSize, "the central directory's size")
        guard size <= n - start else { throw fail("the central directory runs past the end", .truncated) }
        var out: [Entry] = []
        at = start
        let end = start + size
        while at < end {
            guard end - at >= 46, u32(at) == 0x0201_4b50 else { throw fail("a damaged central directory entry at \(at)") }
            let flags = u16(at + 8)
            let method = u16(at + 10)
            let crc = UInt32(u32(at + 16))
            var csize = UInt64(u32(at + 20))
            var usize = UInt64(u32(at + 24))
            let nameLength = u16(at + 28), extraLength = u16(at + 30), commentLength = u16(at + 32)
            var local = UInt64(u32(at + 42))
            let total = 46 + nameLength + extraLength + commentLength
            guard total <= end - at else { throw fail("a central directory entry runs past the directory", .truncated) }
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            // The ZIP64 extra field holds, in order, the fields set to 0xffffffff.
            var e = at + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = u16(e), length = u16(e + 2)
                guard e + 4 + length <= extraEnd else { throw fail("\(name): an extra field runs past its entry") }
                if id == 1 {
                    var f = e + 4
                    for field in 0..<3 {
                        let wanted = field == 0 ? usize == 0xffff_ffff : field == 1 ? csize == 0xffff_ffff : local == 0xffff_ffff
                        guard wanted else { continue }
                        guard f + 8 <= e + 4 + length else { throw fail("\(name): a ZIP64 field is missing") }
                        if field == 0 { usize = u64(f) } else if field == 1 { csize = u64(f) } else { local = u64(f) }
                        f += 8
                    }
                }
                e += 4 + length
            }
            at += total
            if name.hasSuffix("/") { continue }
            guard flags & 1 == 0 else { throw MetaGraphKitError.unsupported(path, "\(name) is encrypted") }
            let localAt = try within(local, "\(name)'s local header offset")
            guard localAt <= n - 30, u32(localAt) == 0x0403_4b50 else { throw fail("\(name): no local header at \(localAt)") }
            let dataOffset = localAt + 30 + u16(localAt + 26) + u16(localAt + 28)
            let stored = try within(csize, "\(name)'s size")
            guard dataOffset <= n, stored <= n - dataOffset else {
                throw fail("\(name): \(stored) bytes at \(dataOffset) run past the end of the file", .truncated)
            }
            if method == 0, usize != csize {
                throw fail("\(name) is stored but its sizes differ (\(csize) and \(usize))")
            }
            out.append(Entry(name: name, method: method, crc32: crc, dataOffset: dataOffset, size: stored))
            _ = count
        }
        return out
    }
}
