// A reader for TensorFlow's LevelDB-style tables (tsl/lib/io/table.cc,
// format.cc ReadBlock, two_level_iterator.cc). Both the V2 `.index` file and every
// V1 checkpoint file are such tables.
internal import CSnappy
import Foundation

/// A read-only LevelDB-style table, as TensorFlow writes `.index` files and V1
/// checkpoints.
///
/// The file is memory-mapped; only the index block is decoded when opening. Every
/// block read checks its masked CRC32C; Snappy-compressed blocks (older writers)
/// are decompressed after a size check. Keys are bytes, compared bytewise.
///
/// TensorFlow's name for this is `table::Table`.
public final class TableReader: @unchecked Sendable {
    /// The mapped table file.
    public let file: MappedFile
    let footer: TableFooter
    let index: Block

    /// The largest decompressed block accepted (1 GiB).
    static let maxBlockSize = 1 << 30

    /// The last small data block read, checked: a V1 checkpoint's tensors are
    /// looked up one key at a time, tens of them per block, and each lookup used
    /// to checksum (and decompress) the whole block again.
    private var lastBlock: (offset: Int, size: Int, block: Block)?
    private let lastBlockLock = NSLock()

    /// Opens a table file.
    ///
    /// - Parameter path: The table file (`PREFIX.index`, or a V1 checkpoint file).
    /// - Throws: ``MetaGraphKitError`` with code `notFound`/`io` (opening),
    ///   `truncated`/`corrupt` (footer, magic, index block), `badChecksum`.
    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    /// Opens a table over an already mapped file.
    ///
    /// - Parameter file: The mapped table file.
    /// - Throws: as ``init(path:)``.
    public init(file: MappedFile) throws {
        self.file = file
        footer = try TableFooter(file: file.bytes, name: file.path)
        index = try Self.readBlock(footer.index, in: file)
    }

    var name: String { file.path }

    // MARK: - Blocks

    /// Reads one block: bounds, trailer CRC (over contents and type byte), then
    /// decompression. Uncompressed blocks borrow the mapping.
    static func readBlock(_ handle: BlockHandle, in file: MappedFile) throws -> Block {
        let bytes = file.bytes
        let name = file.path
        guard handle.size <= bytes.count, handle.offset <= bytes.count - handle.size,
              bytes.count - handle.size - handle.offset >= BlockHandle.trailerSize else {
            throw MetaGraphKitError.truncated(name, "block at byte \(MetaGraphKitError.hex(handle.offset)) (\(handle.size) bytes + trailer) runs past the end of the \(bytes.count)-byte file")
        }
        let contents = UnsafeRawBufferPointer(rebasing: bytes[handle.offset..<handle.offset + handle.size])
        let typeAndCRC = UnsafeRawBufferPointer(rebasing: bytes[handle.offset + handle.size..<handle.offset + handle.size + 5])
        let type = typeAndCRC[0]
        let stored = UInt32(littleEndian: typeAndCRC.loadUnaligned(fromByteOffset: 1, as: UInt32.self))
        let actual = CRC32C.extend(CRC32C.checksum(contents), UnsafeRawBufferPointer(rebasing: typeAndCRC[0..<1]))
        guard CRC32C.unmask(stored) == actual else {
            throw MetaGraphKitError.badChecksum(name, "block checksum mismatch in block at byte \(MetaGraphKitError.hex(handle.offset)) (stored 0x\(String(CRC32C.unmask(stored), radix: 16)), computed 0x\(String(actual, radix: 16)))")
        }
        switch type {
        case 0:
            return try Block(storage: BlockStorage(borrowing: contents, from: file), fileOffset: handle.offset, file: name)
        case 1:
            return try Block(storage: snappyDecompress(contents, file: name, at: handle.offset),
                             fileOffset: handle.offset, file: name)
        default:
            throw MetaGraphKitError.corrupt(name, "block at byte \(MetaGraphKitError.hex(handle.offset)) has unknown compression type \(type)")
        }
    }

    /// Snappy's raw block format; the declared length is checked before allocating.
    static func snappyDecompress(_ contents: UnsafeRawBufferPointer, file name: String, at offset: Int) throws -> BlockStorage {
        let where_ = "block at byte \(MetaGraphKitError.hex(offset))"
        guard let base = contents.baseAddress?.assumingMemoryBound(to: CChar.self), contents.count > 0 else {
            throw MetaGraphKitError.corrupt(name, "empty Snappy \(where_)")
        }
        var length = 0
        guard snappy_uncompressed_length(base, contents.count, &length) == SNAPPY_OK else {
            throw MetaGraphKitError.corrupt(name, "\(where_) is not valid Snappy data")
        }
        guard length <= maxBlockSize, length / 64 <= contents.count else {
            throw MetaGraphKitError.tooLarge(name, "Snappy \(where_) declares \(length) bytes from \(contents.count) (limit 64× and 1 GiB)")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(length, 1), alignment: 8)
        var produced = length
        let status = snappy_uncompress(base, contents.count, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), &produced)
        guard status == SNAPPY_OK, produced == length else {
            buffer.deallocate()
            throw MetaGraphKitError.corrupt(name, "\(where_) is not valid Snappy data")
        }
        return BlockStorage(owning: UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: length))
    }

    /// The data block an index entry points at. A block under
    /// ``MappedFile/releaseThreshold`` is kept until the next one is read, so
    /// consecutive lookups in it check it once.
    func dataBlock(_ handleBytes: UnsafeRawBufferPointer) throws -> Block {
        var cursor = ByteCursor(handleBytes, file: name)
        let handle = try BlockHandle(from: &cursor)
        let cached = lastBlockLock.withLock { lastBlock }
        if let cached, cached.offset == handle.offset, cached.size == handle.size { return cached.block }
        let block = try Self.readBlock(handle, in: file)
        if handle.size < MappedFile.releaseThreshold {
            lastBlockLock.withLock { lastBlock = (handle.offset, handle.size, block) }
        }
        return block
    }

    // MARK: - Reading entries

    /// Calls `body` with every key and value in key order.
    ///
    /// The value bytes are valid only during the call.
    ///
    /// - Parameter body: Receives each key and value; throws to stop.
    /// - Throws: ``MetaGraphKitError`` for a corrupt or truncated block, or what
    ///   `body` throws.
    public func forEach(_ body: (_ key: [UInt8], _ value: UnsafeRawBufferPointer) throws -> Void) throws {
        try index.forEach { _, handle in
            let block = try dataBlock(handle)
            try block.forEach { key, value in try body(key, value); return true }
            return true
        }
    }

    /// Every key and value, in key order (values copied).
    ///
    /// - Returns: The entries.
    /// - Throws: as ``forEach(_:)``.
    public func entries() throws -> [(key: [UInt8], value: [UInt8])] {
        var out: [(key: [UInt8], value: [UInt8])] = []
        try forEach { out.append(($0, $1.array)) }
        return out
    }

    /// Looks up one key: binary search in the index block, then in the data block;
    /// a block without a key ≥ `key` moves on to the next block.
    ///
    /// - Parameter key: The exact key.
    /// - Returns: A copy of the value, or nil when the table has no such key.
    /// - Throws: ``MetaGraphKitError`` for a corrupt block.
    public func value(forKey key: [UInt8]) throws -> [UInt8]? {
        var result: [UInt8]?
        try withValue(forKey: key) { result = $0.map { $0.array } }
        return result
    }

    /// Lends the value of one key (nil when absent) to `body`, without copying.
    func withValue<R>(forKey key: [UInt8], _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        var result: R?
        // Scan index entries from the first separator ≥ key.
        try index.forEach(from: index.lowerRestart(key)) { indexKey, handle in
            if Block.compare(indexKey, key) < 0 { return true }
            let block = try dataBlock(handle)
            defer { releasePages(handle) }
            if let hit = try block.seek(key) {
                result = try body(Block.compare(hit.key, key) == 0 ? hit.value : nil)
                return false
            }
            return true
        }
        if let result { return result }
        return try body(nil)
    }

    /// Gives back the resident pages of a large block once it has been used (a V1
    /// checkpoint keeps a whole tensor in one block), so reading a checkpoint
    /// block by block keeps memory flat; the page cache still holds the file.
    private func releasePages(_ handleBytes: UnsafeRawBufferPointer) {
        var cursor = ByteCursor(handleBytes, file: name)
        guard let handle = try? BlockHandle(from: &cursor),
              handle.size >= MappedFile.releaseThreshold, handle.offset + handle.size <= file.bytes.count else { return }
        file.releaseResidentPages(UnsafeRawBufferPointer(rebasing: file.bytes[handle.offset..<handle.offset + handle.size]))
    }

    // MARK: - Verification

    /// Reads every block (data, metaindex, index), checking CRCs and structure.
    ///
    /// - Returns: One error per bad block; empty when the table is sound.
    public func verify() -> [MetaGraphKitError] {
        var problems: [MetaGraphKitError] = []
        do {
            _ = try Self.readBlock(footer.metaindex, in: file)
        } catch let e as MetaGraphKitError { problems.append(e) } catch {}
        var previous: [UInt8]?
        do {
            try index.forEach { _, handle in
                do {
                    let block = try dataBlock(handle)
                    defer { releasePages(handle) }
                    try block.forEach { key, _ in
                        if let p = previous, Block.compare(p, key) >= 0 {
                            problems.append(MetaGraphKitError.corrupt(name, "keys out of order in block at byte \(MetaGraphKitError.hex(block.fileOffset))"))
                        }
                        previous = key
                        return true
                    }
                } catch let e as MetaGraphKitError { problems.append(e) }
                return true
            }
        } catch let e as MetaGraphKitError { problems.append(e) } catch {}
        return problems
    }
}
