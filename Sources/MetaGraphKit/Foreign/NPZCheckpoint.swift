// NumPy .npz (numpy/lib/npyio.py, savez): a zip of KEY.npy members. Stored members
// (np.savez, and tfmeta's own export) are mapped and lent without a copy; deflated
// ones (np.savez_compressed) cannot be mapped: each is inflated through libzip
// (Internals/Zip.swift) when its tensor is asked for, into one buffer of the size
// its .npy header promises, checked against the zip's sizes and inflation cap
// before anything is allocated. ZIP64 records (numpy asks for them on every
// member) are understood.
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

    /// A deflated member: where its array starts once inflated, and how to read it.
    struct Deflated {
        let entry: Zip.Entry
        /// The .npy header's length: the array's bytes follow it.
        let dataOffset: Int
        let dtype: DType
        let shape: [Int]
        let layout: ForeignLayout
        let fortran: Bool
        /// The array's bytes (the entry's size less the header).
        let count: Int
    }

    /// The largest .npy header read from a deflated member (numpy's own cap is 10,000
    /// bytes unless told otherwise; ``NPYHeader`` refuses more than 1 MiB).
    static let maxHeader = (1 << 20) + 12

    /// The members holding arrays, for ``verify()``.
    let members: [Member]
    /// The deflated members by key, and the archive that inflates them.
    private let deflated: [String: Deflated]
    private let archive: Zip.Archive?
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
    ///   .npy header, `tooLarge` for a deflated member whose size passes the
    ///   inflation cap, `unsupported` for encrypted members or a compression
    ///   other than deflate.
    init(path: String) throws {
        let file = try MappedFile(path: path)
        self.file = file
        var zip = ZipDirectory(bytes: file.bytes, path: path)
        var regions: [ForeignRegion] = []
        var members: [Member] = []
        let all = try zip.members()
        var bfloat16: Set<String> = []
        var deflated: [String: Deflated] = [:]
        var others: [TensorEntry] = []
        let anyDeflated = all.contains { $0.name.hasSuffix(".npy") && $0.method != 0 }
        let archive = anyDeflated ? try Zip.Archive(path: path) : nil
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
                guard m.method == 8, let archive else {
                    throw MetaGraphKitError(.unsupported,
                        "\(what) is compressed with zip method \(m.method); tfmeta reads stored and deflated members (np.savez, np.savez_compressed)")
                }
                var d = try Self.deflatedMember(m, archive: archive, what: what)
                if d.dtype == .uint16, bfloat16.contains(key) {
                    d = Deflated(entry: d.entry, dataOffset: d.dataOffset, dtype: .bfloat16, shape: d.shape, layout: d.layout,
                                 fortran: d.fortran, count: d.count)
                }
                guard deflated[key] == nil else { throw MetaGraphKitError.corrupt(path, "the key \(key) appears twice") }
                deflated[key] = d
                others.append(TensorEntry(key: key, dtype: d.dtype, shape: d.shape, slices: []))
                continue
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
        self.deflated = deflated
        self.archive = archive
        try super.init(formatName: "npz", path: path, regions: regions, others: others)
    }

    /// Reads a deflated member's .npy header (inflating only its first bytes) and
    /// checks the sizes: the zip's declared size must be the header plus exactly
    /// the bytes dtype and shape call for, within the archive's inflation cap.
    private static func deflatedMember(_ m: ZipDirectory.Entry, archive: Zip.Archive, what: String) throws -> Deflated {
        guard let entry = archive.entry(m.name) else {
            throw MetaGraphKitError(.corrupt, "\(what): libzip does not list this member")
        }
        do {
            try archive.admit(entry, limit: Int.max)
        } catch let error as MetaGraphKitError where error.code == .tooLarge {
            throw MetaGraphKitError(.tooLarge, error.message
                + "; a genuine array of repeated values this large can be read from a stored npz (np.savez)")
        }
        // The magic, version and header length come first; then the whole header.
        let head = try archive.prefix(entry, count: 12)
        var wanted = 12
        if head.count >= 10, head[0] == 0x93 {
            let v1 = head[6] == 1
            let length = v1 ? Int(head[8]) | Int(head[9]) << 8
                : head.count >= 12 ? Int(head[8]) | Int(head[9]) << 8 | Int(head[10]) << 16 | Int(head[11]) << 24 : 0
            wanted = min((v1 ? 10 : 12) + length, maxHeader)
        }
        let bytes = wanted <= head.count ? head : try archive.prefix(entry, count: wanted)
        let header = try bytes.withUnsafeBytes { try NPYHeader($0, what: what) }
        let (dtype, layout) = try header.element(what: what)
        let key = String(m.name.dropLast(4))
        let expected = try ForeignRegion.byteCount(key: key, dtype: dtype, shape: header.shape, layout: layout, what: what)
        guard entry.size >= header.dataOffset, entry.size - header.dataOffset == expected else {
            throw MetaGraphKitError(.corrupt,
                "\(what): \(key) is \(dtype) \(header.shape), \(expected) bytes, but the member inflates to \(entry.size) bytes with a \(header.dataOffset)-byte header")
        }
        return Deflated(entry: entry, dataOffset: header.dataOffset, dtype: dtype, shape: header.shape, layout: layout,
                        fortran: header.fortranOrder && header.shape.count > 1, count: expected)
    }

    /// Inflates a deflated member's array into one buffer of its size and lends it
    /// (libzip checks the CRC-32 at the end of the member).
    private func withInflated<R>(_ d: Deflated, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let archive else { throw MetaGraphKitError.corrupt(path, "no archive for \(d.entry.name)") }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(d.count, 1), alignment: 64)
        defer { buffer.deallocate() }
        var at = 0   // position in the member
        try archive.read(d.entry, limit: d.dataOffset + d.count) { chunk in
            let skip = max(0, d.dataOffset - at)
            if skip < chunk.count {
                let start = at + skip - d.dataOffset
                let n = chunk.count - skip
                guard start + n <= d.count else {
                    throw MetaGraphKitError.corrupt(path, "\(d.entry.name) holds more than its \(d.count) bytes of data")
                }
                (buffer.baseAddress! + start).copyMemory(from: chunk.baseAddress! + skip, byteCount: n)
            }
            at += chunk.count
        }
        return try body(UnsafeRawBufferPointer(rebasing: buffer[..<d.count]))
    }

    override func tensor(_ key: String) throws -> Tensor {
        guard let d = deflated[key] else { return try super.tensor(key) }
        return try withInflated(d) {
            try Self.decode(key: key, dtype: d.dtype, shape: d.shape, layout: d.layout, fortran: d.fortran, bytes: $0, file: path)
        }
    }

    override func withTensorBytes<R>(_ key: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let d = deflated[key] else { return try super.withTensorBytes(key, body) }
        guard d.layout == .raw else {
            throw MetaGraphKitError.unsupported(path, "\(key) is a string tensor; use tensor(_:)")
        }
        return try withInflated(d) { raw in
            d.fortran ? try Self.cOrder(raw, dtype: d.dtype, shape: d.shape).withUnsafeBytes(body) : try body(raw)
        }
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
        // Deflated members: inflated one at a time (libzip checks each CRC-32), then
        // what every foreign tensor is checked for.
        for (key, d) in deflated.sorted(by: { $0.key < $1.key }) {
            do {
                try withInflated(d) { raw in
                    if d.dtype == .bool, let bad = raw.firstIndex(where: { $0 > 1 }) {
                        problems.append(MetaGraphKitError.corrupt(path, "\(key) holds the bool byte \(raw[bad]) at element \(bad)"))
                    }
                    if case .ucs4 = d.layout {
                        _ = try Self.decode(key: key, dtype: d.dtype, shape: d.shape, layout: d.layout, fortran: d.fortran,
                                            bytes: raw, file: path)
                    }
                }
            } catch let error as MetaGraphKitError {
                problems.append(error)
            } catch {
                problems.append(MetaGraphKitError.corrupt(path, "\(key): \(error)"))
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
