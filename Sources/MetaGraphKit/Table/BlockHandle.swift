// A pointer to a block: varint64 offset, varint64 size (tsl/lib/io/format.h).

/// Where a block's stored contents sit in a table file.
///
/// `size` excludes the 5-byte trailer that follows the contents.
/// TensorFlow's name for this is `table::BlockHandle`.
public struct BlockHandle: Hashable, Sendable {
    /// The absolute file offset of the block's contents.
    public let offset: Int
    /// The length of the stored (possibly compressed) contents.
    public let size: Int

    /// The 5-byte trailer after every block: compression type and masked CRC.
    static let trailerSize = 5

    init(offset: Int, size: Int) {
        self.offset = offset
        self.size = size
    }

    /// Decodes a handle; extra bytes after it are left unread (TF ignores them).
    init(from cursor: inout ByteCursor) throws {
        let start = cursor.position
        let offset = try cursor.readVarint64("block handle offset")
        let size = try cursor.readVarint64("block handle size")
        guard let o = Int(exactly: offset), let s = Int(exactly: size), o <= Int.max / 2, s <= Int.max / 2 else {
            throw cursor.error(.tooLarge, "block handle (\(offset), \(size)) is out of range", at: start)
        }
        self.offset = o
        self.size = s
    }
}
