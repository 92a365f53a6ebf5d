// One tensor's payload on its way into a data file, with its running CRC32C.
/// The open payload of one tensor: bytes go straight to the data file and into a
/// running CRC32C.
public struct PayloadStream {
    let file: OutputFile
    let start: Int
    /// The CRC32C of the bytes written so far (unmasked).
    public private(set) var crc: UInt32 = 0
    /// Bytes written so far.
    public private(set) var count = 0

    init(file: OutputFile) {
        self.file = file
        start = file.offset
    }

    /// Appends bytes to the payload.
    ///
    /// - Parameter bytes: The next chunk.
    /// - Throws: ``MetaGraphKitError`` `io`.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        // Checksum and write 1 MiB at a time: the write then copies from the cache
        // the checksum just filled, so large payloads are read from memory once.
        var start = 0
        while start < bytes.count {
            let end = min(start + Self.chunk, bytes.count)
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            crc = CRC32C.extend(crc, piece)
            try file.write(piece)
            start = end
        }
        count += bytes.count
    }

    /// Appends `count` bytes of the open file `source` starting at `offset`, read
    /// with `pread` (cheaper than copying out of a memory map for large payloads).
    ///
    /// - Parameters:
    ///   - source: A file descriptor open for reading.
    ///   - offset: Where the bytes start in that file.
    ///   - count: How many bytes.
    /// - Throws: ``MetaGraphKitError`` `io`.
    public mutating func copy(from source: Int32, offset: Int, count: Int) throws {
        var crc = self.crc
        try file.copy(from: source, offset: offset, count: count) { crc = CRC32C.extend(crc, $0) }
        self.crc = crc
        self.count += count
    }

    private static let chunk = 1 << 20

    /// Appends bytes to the payload.
    public mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

extension BundleEntry {
    /// An entry to be written.
    init(dtype: DType, shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
    }
}
