// A zip of stored (uncompressed) members, written front to back for `ckpt export
// … OUT.npz`: each member's local header and bytes go out as they come, the
// central directory at the end (APPNOTE.TXT 4.3). ZIP64 (APPNOTE 4.3.14-4.5.3) is
// written exactly where a value does not fit its field, as Python's zipfile does
// (`ZipInfo.FileHeader`, `ZipFile._write_end_record`), so numpy's `np.load` reads
// archives of any member count and size, and an archive that needs none of it is
// a plain zip:
//   - a member of 0xffffffff bytes or more: a ZIP64 extra field (id 1: both sizes)
//     in its local header and central entry, 0xffffffff in the 32-bit size fields,
//     version needed 4.5;
//   - a local header at offset 0xffffffff or more: the offset in the central
//     entry's ZIP64 extra field (after the sizes when both are there), 0xffffffff
//     in the 32-bit field, versions 4.5;
//   - 65,535 members or more, or a central directory at or past 0xffffffff or as
//     large: the ZIP64 end record and its locator before the classic end record,
//     whose fields that overflow hold 0xffff / 0xffffffff.
// Memory per member is one flat record (name, CRC, size, offset: 22 bytes + the
// name); the central directory is made from them in 1 MiB pieces at the end.
import Foundation

/// Writes a stored zip to an ``AtomicOutputFile`` as members come.
struct ZipStoreWriter {
    /// The 32-bit sentinel: sizes and offsets at or above it need ZIP64.
    static let limit: UInt64 = 0xffff_ffff

    /// Sizes and offsets at or above this get ZIP64 fields, and member counts at or
    /// above `min(zip64Threshold, 0xffff)` the ZIP64 end records. Only tests lower
    /// it, to force ZIP64 on a tiny archive.
    let zip64Threshold: UInt64
    /// Per member: name length (2), name, CRC-32 (4), size (8), local header offset (8).
    private var records: [UInt8] = []
    /// Members written so far.
    private(set) var count = 0
    /// A local header being assembled (reused, so a member allocates nothing).
    private var scratch: [UInt8] = []

    /// The threshold of exports: ``limit``; in debug builds (`MGK_TEST_HOOKS`) the
    /// environment variable `MGK_TEST_ZIP64_THRESHOLD`, when set, lowers it so an
    /// interop test can have numpy read a small archive forced to ZIP64.
    static let exportThreshold: UInt64 = {
        #if MGK_TEST_HOOKS
        if let raw = ProcessInfo.processInfo.environment["MGK_TEST_ZIP64_THRESHOLD"], let v = UInt64(raw) { return min(v, limit) }
        #endif
        return limit
    }()

    /// - Parameters:
    ///   - zip64Threshold: See ``zip64Threshold``.
    ///   - members: How many members will be written, if known.
    ///   - nameBytes: The members' names' bytes in all, if known: the per-member
    ///     records are allocated once instead of grown by doubling.
    init(zip64Threshold: UInt64 = ZipStoreWriter.limit, members: Int = 0, nameBytes: Int = 0) {
        self.zip64Threshold = min(zip64Threshold, Self.limit)
        records.reserveCapacity(22 * members + nameBytes)
    }

    /// Whether a size or offset needs a ZIP64 field.
    func needs64(_ value: UInt64) -> Bool { value >= zip64Threshold }

    /// Whether a member count needs the ZIP64 end records.
    func needs64(count: Int) -> Bool { UInt64(count) >= min(zip64Threshold, 0xffff) }

    /// Writes one stored member: its local header, `prefix`, then `data`.
    ///
    /// - Parameter what: Names the member in an error (a name longer than 65,535 bytes).
    mutating func add(name: String, prefix: [UInt8], data: UnsafeRawBufferPointer,
                      to out: AtomicOutputFile, what: String) throws {
        try add(prefix: prefix, data: data, to: out, what: what) { $0.append(contentsOf: name.utf8) }
    }

    /// ``add(name:prefix:data:to:what:)`` with the name given as bytes and a suffix.
    mutating func add(nameBytes: UnsafeRawBufferPointer, suffix: String, prefix: [UInt8], data: UnsafeRawBufferPointer,
                      to out: AtomicOutputFile, what: @autoclosure () -> String) throws {
        try add(prefix: prefix, data: data, to: out, what: what()) {
            $0.append(contentsOf: nameBytes)
            $0.append(contentsOf: suffix.utf8)
        }
    }

    private mutating func add(prefix: [UInt8], data: UnsafeRawBufferPointer, to out: AtomicOutputFile, what: @autoclosure () -> String,
                              name appendName: (inout [UInt8]) -> Void) throws {
        let offset = UInt64(out.offset)
        let size = UInt64(prefix.count + data.count)
        let crc = CRC32.extend(prefix.withUnsafeBytes { CRC32.extend(0, $0) }, data)
        scratch.removeAll(keepingCapacity: true)
        Self.localHeader(&scratch, crc: crc, size: size, nameLength: 0, zip64: needs64(size))
        let nameStart = scratch.count
        appendName(&scratch)
        let nameLength = scratch.count - nameStart
        guard nameLength <= 0xffff else {
            throw MetaGraphKitError.tooLarge(out.path, "\(what()): a zip member name of \(nameLength) bytes (at most 65,535)")
        }
        Self.put(&scratch, at: 26, UInt64(nameLength), 2)
        if needs64(size) {
            // The local header's ZIP64 field holds both sizes (APPNOTE 4.5.3), after the name.
            Self.le(&scratch, 1, 2); Self.le(&scratch, 16, 2); Self.le(&scratch, size, 8); Self.le(&scratch, size, 8)
        }
        scratch += prefix
        try out.write(scratch)
        try out.write(data)
        Self.le(&records, UInt64(nameLength), 2)
        records.append(contentsOf: scratch[nameStart..<(nameStart + nameLength)])
        Self.le(&records, UInt64(crc), 4); Self.le(&records, size, 8); Self.le(&records, offset, 8)
        count += 1
    }

    /// Writes the central directory and the end records (ZIP64 ones when needed).
    func finish(to out: AtomicOutputFile) throws {
        let start = UInt64(out.offset)
        var size: UInt64 = 0
        var piece: [UInt8] = []
        piece.reserveCapacity((1 << 20) + 1024)
        var at = 0
        while at < records.count {
            let nameLength = Int(Self.get(records, at, 2))
            let name = (at + 2)..<(at + 2 + nameLength)
            let fields = at + 2 + nameLength
            let crc = UInt32(Self.get(records, fields, 4))
            let memberSize = Self.get(records, fields + 4, 8), offset = Self.get(records, fields + 12, 8)
            records.withUnsafeBytes {
                centralEntry(&piece, name: UnsafeRawBufferPointer(rebasing: $0[name]), crc: crc, size: memberSize, offset: offset)
            }
            at = fields + 20
            if piece.count >= 1 << 20 || at == records.count {
                try out.write(piece)
                size += UInt64(piece.count)
                piece.removeAll(keepingCapacity: true)
            }
        }
        try out.write(endRecords(count: count, directoryOffset: start, directorySize: size))
    }

    /// A local file header with its name length left 0 (set once the name is in).
    static func localHeader(_ out: inout [UInt8], crc: UInt32, size: UInt64, nameLength: Int, zip64: Bool) {
        le(&out, 0x0403_4b50, 4)
        le(&out, zip64 ? 45 : 20, 2); le(&out, 0x0800, 2); le(&out, 0, 2)  // version needed, flags (UTF-8), stored
        le(&out, 0, 2); le(&out, 0x21, 2)  // time, date (1980-01-01)
        let field = zip64 ? limit : size
        le(&out, UInt64(crc), 4); le(&out, field, 4); le(&out, field, 4)
        le(&out, UInt64(nameLength), 2); le(&out, zip64 ? 20 : 0, 2)
    }

    /// One central directory entry: fixed fields, the name, the ZIP64 field if any.
    func centralEntry(_ out: inout [UInt8], name: UnsafeRawBufferPointer, crc: UInt32, size: UInt64, offset: UInt64) {
        let bigSize = needs64(size), bigOffset = needs64(offset)
        let extra = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0)
        let version: UInt64 = extra > 0 ? 45 : 20
        Self.le(&out, 0x0201_4b50, 4)
        Self.le(&out, version, 2); Self.le(&out, version, 2); Self.le(&out, 0x0800, 2); Self.le(&out, 0, 2)  // made by, needed, flags, stored
        Self.le(&out, 0, 2); Self.le(&out, 0x21, 2)
        let sizeField = bigSize ? Self.limit : size
        Self.le(&out, UInt64(crc), 4); Self.le(&out, sizeField, 4); Self.le(&out, sizeField, 4)
        Self.le(&out, UInt64(name.count), 2); Self.le(&out, UInt64(extra > 0 ? 4 + extra : 0), 2); Self.le(&out, 0, 2)
        Self.le(&out, 0, 2); Self.le(&out, 0, 2); Self.le(&out, 0, 4)  // disk, internal and external attributes
        Self.le(&out, bigOffset ? Self.limit : offset, 4)
        out.append(contentsOf: name)
        if extra > 0 {
            // In the order of the fixed fields they stand for: original size, compressed size, offset.
            Self.le(&out, 1, 2); Self.le(&out, UInt64(extra), 2)
            if bigSize { Self.le(&out, size, 8); Self.le(&out, size, 8) }
            if bigOffset { Self.le(&out, offset, 8) }
        }
    }

    /// The end of the archive: the ZIP64 end record and locator when a count, size or
    /// offset needs them, then the classic end record.
    func endRecords(count: Int, directoryOffset: UInt64, directorySize: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        let bigCount = needs64(count: count), bigOffset = needs64(directoryOffset), bigSize = needs64(directorySize)
        if bigCount || bigOffset || bigSize {
            let record = directoryOffset + directorySize
            Self.le(&out, 0x0606_4b50, 4); Self.le(&out, 44, 8)  // the record's size after this field
            Self.le(&out, 45, 2); Self.le(&out, 45, 2); Self.le(&out, 0, 4); Self.le(&out, 0, 4)  // versions, disks
            Self.le(&out, UInt64(count), 8); Self.le(&out, UInt64(count), 8)
            Self.le(&out, directorySize, 8); Self.le(&out, directoryOffset, 8)
            Self.le(&out, 0x0706_4b50, 4); Self.le(&out, 0, 4); Self.le(&out, record, 8); Self.le(&out, 1, 4)  // locator
        }
        let countField: UInt64 = bigCount ? 0xffff : UInt64(count)
        Self.le(&out, 0x0605_4b50, 4); Self.le(&out, 0, 2); Self.le(&out, 0, 2)
        Self.le(&out, countField, 2); Self.le(&out, countField, 2)
        Self.le(&out, bigSize ? Self.limit : directorySize, 4); Self.le(&out, bigOffset ? Self.limit : directoryOffset, 4)
        Self.le(&out, 0, 2)  // comment length
        return out
    }

    static func le(_ out: inout [UInt8], _ value: UInt64, _ width: Int) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0.prefix(width)) }
    }

    private static func put(_ out: inout [UInt8], at: Int, _ value: UInt64, _ width: Int) {
        for i in 0..<width { out[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    private static func get(_ bytes: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<width).reversed() { v = v << 8 | UInt64(bytes[at + i]) }
        return v
    }
}
