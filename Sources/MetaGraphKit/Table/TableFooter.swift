// The last 48 bytes of a table (tsl/lib/io/format.cc, Footer::DecodeFrom).

/// A table's footer: the metaindex and index handles and the magic number.
///
/// TensorFlow's name for this is `table::Footer`.
struct TableFooter {
    /// `kTableMagicNumber`, stored as u64le in the last 8 bytes.
    static let magic: UInt64 = 0xdb47_7524_8b80_fb57
    /// The footer is always 48 bytes: two padded handles (40) and the magic (8).
    static let size = 48

    let metaindex: BlockHandle
    let index: BlockHandle

    /// Reads the footer of a whole table file.
    init(file bytes: UnsafeRawBufferPointer, name: String) throws {
        guard bytes.count >= Self.size else {
            throw MetaGraphKitError.truncated(name, "not a table: \(bytes.count) bytes is shorter than the 48-byte footer")
        }
        let start = bytes.count - Self.size
        var cursor = ByteCursor(UnsafeRawBufferPointer(rebasing: bytes[start...]), file: name, origin: start)
        var magicCursor = cursor
        try magicCursor.skip(40)
        let magic = try magicCursor.readU64LE("magic")
        guard magic == Self.magic else {
            throw MetaGraphKitError.corrupt(name, "not a TensorFlow table (bad magic 0x\(String(magic, radix: 16)) at byte \(MetaGraphKitError.hex(start + 40)))")
        }
        metaindex = try BlockHandle(from: &cursor)
        index = try BlockHandle(from: &cursor)
        for handle in [metaindex, index] {
            guard handle.size <= start, handle.offset <= start - handle.size - BlockHandle.trailerSize else {
                throw MetaGraphKitError.corrupt(name, "footer block handle (offset \(MetaGraphKitError.hex(handle.offset)), size \(handle.size)) runs past the block region (\(start) bytes)")
            }
        }
    }
}
