// A decoded table block: prefix-compressed entries and restart points
// (tsl/lib/io/block.cc).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one block after decompression, owned or borrowed from a mapping.
final class BlockStorage: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let owner: AnyObject?
    private let allocated: UnsafeMutableRawBufferPointer?

    init(borrowing bytes: UnsafeRawBufferPointer, from owner: AnyObject) {
        self.bytes = bytes
        self.owner = owner
        self.allocated = nil
    }

    init(owning buffer: UnsafeMutableRawBufferPointer) {
        self.bytes = UnsafeRawBufferPointer(buffer)
        self.owner = nil
        self.allocated = buffer
    }

    deinit { allocated?.deallocate() }
}

/// One block of a table, checked: its restart array fits and points inside it.
///
/// TensorFlow's name for this is `table::Block`.
struct Block {
    let storage: BlockStorage
    /// File offset of the block (for messages).
    let fileOffset: Int
    let file: String
    /// Where entries end and the restart array begins.
    let dataEnd: Int
    let restartCount: Int

    var bytes: UnsafeRawBufferPointer { storage.bytes }

    init(storage: BlockStorage, fileOffset: Int, file: String) throws {
        self.storage = storage
        self.fileOffset = fileOffset
        self.file = file
        let bytes = storage.bytes
        func corrupt(_ what: String) -> MetaGraphKitError {
            MetaGraphKitError.corrupt(file, "block at byte \(MetaGraphKitError.hex(fileOffset)): \(what)")
        }
        guard bytes.count >= 4 else { throw corrupt("\(bytes.count) bytes is too short for a restart count") }
        let count = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self)))
        guard count <= (bytes.count - 4) / 4 else {
            throw corrupt("\(count) restart points do not fit in \(bytes.count) bytes")
        }
        restartCount = count
        dataEnd = bytes.count - 4 * (count + 1)
        for i in 0..<count {
            let r = restart(i)
            guard r <= dataEnd, i > 0 || r == 0 || dataEnd == 0 else {
                throw corrupt("restart point \(i) at \(r) is outside the \(dataEnd) bytes of entries")
            }
        }
    }

    func restart(_ i: Int) -> Int {
        Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: dataEnd + 4 * i, as: UInt32.self)))
    }

    // MARK: - Entries

    /// One decoded entry header at `offset`: how much of the previous key is shared,
    /// the new key bytes and the value, all checked against the entries region.
    struct RawEntry {
        let shared: Int
        let keyDelta: UnsafeRawBufferPointer
        let value: UnsafeRawBufferPointer
        let next: Int
    }

    func entry(at offset: Int) throws -> RawEntry {
        let region = UnsafeRawBufferPointer(rebasing: bytes[..<dataEnd])
        var cursor = ByteCursor(region, file: file, origin: fileOffset)
        try cursor.skip(offset)
        do {
            let shared = Int(try cursor.readVarint32("shared key length"))
            let nonShared = Int(try cursor.readVarint32("key length"))
            let valueLength = Int(try cursor.readVarint32("value length"))
            let key = try cursor.readBytes(nonShared, "key")
            let value = try cursor.readBytes(valueLength, "value")
            return RawEntry(shared: shared, keyDelta: key, value: value, next: cursor.position)
        } catch let error as MetaGraphKitError {
            throw MetaGraphKitError.corrupt(file, "bad entry in block at byte \(MetaGraphKitError.hex(fileOffset)): \(error.message)")
        }
    }

    /// Calls `body` with every entry in order, starting at entry offset `start`
    /// (a restart point); `body` returns false to stop.
    func forEach(from start: Int = 0,
                 _ body: (_ key: [UInt8], _ value: UnsafeRawBufferPointer) throws -> Bool) throws {
        var key: [UInt8] = []
        var offset = start
        while offset < dataEnd {
            let e = try quickEntry(at: offset) ?? entry(at: offset)
            guard e.shared <= key.count else {
                throw MetaGraphKitError.corrupt(file, "entry at byte \(MetaGraphKitError.hex(fileOffset + offset)) shares \(e.shared) bytes of a \(key.count)-byte key")
            }
            key.removeSubrange(e.shared...)
            key.append(contentsOf: e.keyDelta)
            if try !body(key, e.value) { return }
            offset = e.next
        }
    }

    /// ``entry(at:)`` for the common entry whose three lengths are varints of at
    /// most 3 bytes each and whose key and value fit: decoded with no cursor (a
    /// listing reads every entry of the index). nil for anything else, which
    /// ``entry(at:)`` then decodes or explains, so both give the same entries and
    /// errors.
    @inline(__always)
    func quickEntry(at offset: Int) -> RawEntry? {
        guard let base = bytes.baseAddress, offset >= 0, dataEnd - offset >= 3 else { return nil }
        var p = offset
        let end = dataEnd
        @inline(__always) func varint() -> Int? {
            var value = 0
            var shift = 0
            while shift < 21, p < end {
                let b = Int(base.load(fromByteOffset: p, as: UInt8.self))
                p += 1
                value |= (b & 0x7f) << shift
                if b < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        guard let shared = varint(), let nonShared = varint(), let valueLength = varint(),
              nonShared <= end - p, valueLength <= end - p - nonShared else { return nil }
        return RawEntry(shared: shared, keyDelta: UnsafeRawBufferPointer(start: base + p, count: nonShared),
                        value: UnsafeRawBufferPointer(start: base + p + nonShared, count: valueLength),
                        next: p + nonShared + valueLength)
    }

    /// The key stored whole at a restart point.
    func restartKey(_ i: Int) throws -> UnsafeRawBufferPointer {
        let e = try entry(at: restart(i))
        guard e.shared == 0 else {
            throw MetaGraphKitError.corrupt(file, "restart entry \(i) in block at byte \(MetaGraphKitError.hex(fileOffset)) shares key bytes")
        }
        return e.keyDelta
    }

    /// The first entry whose key is ≥ `target`, found by binary search over the
    /// restart points and a scan forward.
    func seek(_ target: [UInt8]) throws -> (key: [UInt8], value: UnsafeRawBufferPointer)? {
        var found: (key: [UInt8], value: UnsafeRawBufferPointer)?
        try forEach(from: lowerRestart(target)) { key, value in
            if Self.compare(key, target) >= 0 { found = (key, value); return false }
            return true
        }
        return found
    }

    /// The offset of the last restart entry whose key is < `target` (or the first).
    func lowerRestart(_ target: [UInt8]) throws -> Int {
        guard restartCount > 0 else { return dataEnd }
        var low = 0
        var high = restartCount - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if Self.compare(try restartKey(mid), target) < 0 { low = mid } else { high = mid - 1 }
        }
        return restart(low)
    }

    /// Bytewise (memcmp) order; a prefix sorts first. The overloads for byte
    /// arrays and buffers (every caller's) compare with `memcmp`: sorting or
    /// checking the order of a million keys byte by byte through iterators was
    /// a visible share of writing and verifying an index.
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return c < 0 ? -1 : 1 }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in compare(x, y) } }
    }

    static func compare(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Int {
        b.withUnsafeBytes { compare(a, $0) }
    }

    static func compare(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Int {
        a.withUnsafeBytes { compare($0, b) }
    }

    /// Bytewise order of any two byte collections (the overloads above are faster).
    static func compare<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Int {
        var i = a.makeIterator()
        var j = b.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }
}
