// A reader over borrowed bytes that checks every length before it reads.

/// Reads integers and sub-ranges from borrowed bytes, front to back.
///
/// Every read first compares what it needs with the bytes left and throws a
/// ``MetaGraphKitError`` (`truncated`, or `corrupt` for a bad varint) naming the
/// file and the absolute byte offset; a failed read leaves the cursor where it was.
/// The bytes must outlive the cursor (a mapped file, a block, an array in scope).
struct ByteCursor {
    /// The bytes being read.
    let bytes: UnsafeRawBufferPointer
    /// The offset of `bytes[0]` in the file, for messages.
    let origin: Int
    /// The file name for messages.
    let file: String
    /// The next byte to read, relative to `bytes`.
    private(set) var position: Int = 0

    init(_ bytes: UnsafeRawBufferPointer, file: String, origin: Int = 0) {
        self.bytes = bytes
        self.file = file
        self.origin = origin
    }

    /// Bytes not read yet.
    var remaining: Int { bytes.count - position }
    /// Whether every byte was read.
    var isAtEnd: Bool { position >= bytes.count }
    /// The absolute file offset of the next byte.
    var fileOffset: Int { origin + position }

    func error(_ code: MetaGraphKitError.Code, _ what: String, at relative: Int? = nil) -> MetaGraphKitError {
        MetaGraphKitError.atByte(code, file, what, offset: origin + (relative ?? position))
    }

    private func need(_ count: Int, _ what: String) throws {
        guard count >= 0, count <= remaining else {
            throw error(.truncated, "\(what) needs \(count) bytes but \(remaining) remain")
        }
    }

    // MARK: - Fixed-width integers

    mutating func readByte(_ what: String = "byte") throws -> UInt8 {
        try need(1, what)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readU32LE(_ what: String = "u32le") throws -> UInt32 {
        try need(4, what)
        defer { position += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    mutating func readU64LE(_ what: String = "u64le") throws -> UInt64 {
        try need(8, what)
        defer { position += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    // MARK: - Varints

    /// A varint64: at most 10 bytes, no bits beyond 64.
    mutating func readVarint64(_ what: String = "varint") throws -> UInt64 {
        try readVarint(what, bits: "64 bits", bytes: "10 bytes")
    }

    /// A varint32: at most 5 bytes, no bits beyond 32.
    mutating func readVarint32(_ what: String = "varint32") throws -> UInt32 {
        try readVarint(what, bits: "32 bits", bytes: "5 bytes")
    }

    @inline(__always)
    private mutating func readVarint<T: FixedWidthInteger & UnsignedInteger>(_ what: String, bits: String, bytes limit: String) throws -> T {
        switch Varint.decode(bytes, at: &position, as: T.self) {
        case .success(let value): return value
        case .failure(.truncated): throw error(.truncated, "\(what) runs past the end")
        case .failure(.overflow): throw error(.corrupt, "\(what) overflows \(bits)")
        case .failure(.tooLong): throw error(.corrupt, "\(what) is longer than \(limit)")
        }
    }

    /// A varint used as a length or count: converted exactly to `Int`.
    mutating func readLength(_ what: String) throws -> Int {
        let start = position
        let value = try readVarint64(what)
        guard let length = Int(exactly: value), length >= 0 else {
            throw error(.tooLarge, "\(what) \(value) is too large", at: start)
        }
        return length
    }

    // MARK: - Ranges

    /// The next `count` bytes, without copying.
    mutating func readBytes(_ count: Int, _ what: String = "bytes") throws -> UnsafeRawBufferPointer {
        try need(count, what)
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }

    mutating func skip(_ count: Int, _ what: String = "bytes") throws {
        try need(count, what)
        position += count
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes as an array (a copy).
    var array: [UInt8] { [UInt8](self) }
}
