// A writer for TensorFlow's LevelDB-style tables (tsl/lib/io/table_builder.cc,
// block_builder.cc, format.cc), with TensorFlow's options: 256 KiB blocks, restart
// interval 16 (1 in the index block), no compression unless asked.
internal import CSnappy

/// Writes a LevelDB-style table as TensorFlow does, streaming finished blocks to
/// the output.
///
/// Keys must arrive in strictly increasing bytewise order. With the default
/// options, the bytes are identical to what TensorFlow 2.21 writes for the same
/// keys and values (see FORMATS.md §1.7).
///
/// TensorFlow's name for this is `table::TableBuilder`.
public final class TableBuilder {
    /// Block compression.
    public enum Compression: Sendable {
        /// Every block stored as is (type 0), as TensorFlow 2.21 writes.
        case none
        /// Each block Snappy-compressed, kept only when that saves more than 12.5 %.
        case snappy
    }

    /// How blocks are cut and stored.
    public struct Options: Sendable {
        /// Target size of a data block's contents (TensorFlow: 262144).
        public var blockSize = 262_144
        /// Entries between restart points in data blocks (TensorFlow: 16).
        public var restartInterval = 16
        /// Block compression (TensorFlow's bundle and V1 writers: none).
        public var compression = Compression.none

        /// TensorFlow's options.
        public init() {}
    }

    private let sink: any ByteSink
    private let options: Options
    private var dataBlock: BlockBuilder
    private var indexBlock = BlockBuilder(restartInterval: 1)
    private var lastKey: [UInt8] = []
    private var entryCount = 0
    private var pendingHandle: BlockHandle?
    private var finished = false
    private let name: String

    /// Creates a builder that writes to `sink`.
    init(sink: any ByteSink, name: String, options: Options = Options()) {
        self.sink = sink
        self.name = name
        self.options = options
        dataBlock = BlockBuilder(restartInterval: options.restartInterval)
    }

    /// Builds a whole table in memory.
    ///
    /// - Parameters:
    ///   - entries: Keys and values, keys strictly increasing.
    ///   - options: Block size, restart interval, compression.
    /// - Returns: The table file's bytes.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when keys are not increasing.
    public static func build(_ entries: [(key: [UInt8], value: [UInt8])], options: Options = Options()) throws -> [UInt8] {
        let sink = MemorySink()
        let builder = TableBuilder(sink: sink, name: "<table>", options: options)
        for (key, value) in entries { try builder.add(key: key, value: value) }
        try builder.finish()
        return sink.bytes
    }

    /// The number of entries added.
    public var count: Int { entryCount }

    // MARK: - Adding

    /// Adds one entry.
    ///
    /// - Parameters:
    ///   - key: The key; bytewise greater than every key added before.
    ///   - value: The value.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for a key out of order,
    ///   `io` when writing a finished block fails.
    ///
    /// TensorFlow's name for this is `TableBuilder::Add`.
    public func add(key: [UInt8], value: [UInt8]) throws {
        try value.withUnsafeBytes { try add(key: key, value: $0) }
    }

    /// Adds one entry whose value is borrowed bytes.
    func add(key: [UInt8], value: UnsafeRawBufferPointer) throws {
        guard !finished else { throw MetaGraphKitError.invalidArgument(name, "add after finish") }
        if entryCount > 0, Block.compare(key, lastKey) <= 0 {
            throw MetaGraphKitError.invalidArgument(name, "key \(Self.show(key)) is not greater than the previous key \(Self.show(lastKey)); table keys must be strictly increasing")
        }
        // TensorFlow: a huge entry starts a block of its own.
        if entryCount > 0, key.count + value.count >= 2 * options.blockSize {
            try flush()
        }
        if let handle = pendingHandle {
            Self.shortestSeparator(&lastKey, limit: key)
            indexBlock.add(key: lastKey, value: handle.encoded)
            pendingHandle = nil
        }
        lastKey = key
        entryCount += 1
        dataBlock.add(key: key, value: value)
        if dataBlock.sizeEstimate >= options.blockSize { try flush() }
    }

    /// Writes the current data block, if it has entries.
    private func flush() throws {
        guard !dataBlock.isEmpty else { return }
        pendingHandle = try writeBlock(&dataBlock)
    }

    /// Finishes a block, compresses it if asked and worthwhile, writes it and its
    /// trailer (type byte, masked CRC32C of contents and type).
    private func writeBlock(_ block: inout BlockBuilder) throws -> BlockHandle {
        let raw = block.finish()
        block.reset()
        var type: UInt8 = 0
        var contents = raw
        if options.compression == .snappy, let compressed = Self.snappy(raw),
           compressed.count < raw.count - raw.count / 8 {
            contents = compressed
            type = 1
        }
        let handle = BlockHandle(offset: sink.offset, size: contents.count)
        try sink.write(contents)
        let crc = CRC32C.mask(CRC32C.extend(CRC32C.checksum(contents), [type]))
        var trailer: [UInt8] = [type]
        withUnsafeBytes(of: crc.littleEndian) { trailer.append(contentsOf: $0) }
        try sink.write(trailer)
        return handle
    }

    private static func snappy(_ raw: [UInt8]) -> [UInt8]? {
        var length = snappy_max_compressed_length(raw.count)
        var out = [UInt8](repeating: 0, count: max(length, 1))
        let input = raw.isEmpty ? [0] : raw
        let status = input.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                snappy_compress(input.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count,
                                output.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            }
        }
        guard status == SNAPPY_OK else { return nil }
        out.removeLast(out.count - length)
        return out
    }

    // MARK: - Finishing

    /// Writes the last data block, the (empty) metaindex block, the index block and
    /// the footer.
    ///
    /// - Throws: ``MetaGraphKitError`` `io`.
    ///
    /// TensorFlow's name for this is `TableBuilder::Finish`.
    public func finish() throws {
        guard !finished else { return }
        try flush()
        finished = true
        var meta = BlockBuilder(restartInterval: options.restartInterval)
        let metaHandle = try writeBlock(&meta)
        if let handle = pendingHandle {
            Self.shortSuccessor(&lastKey)
            indexBlock.add(key: lastKey, value: handle.encoded)
            pendingHandle = nil
        }
        let indexHandle = try writeBlock(&indexBlock)
        var footer = metaHandle.encoded + indexHandle.encoded
        footer += [UInt8](repeating: 0, count: 40 - footer.count)
        withUnsafeBytes(of: TableFooter.magic.littleEndian) { footer.append(contentsOf: $0) }
        try sink.write(footer)
    }

    // MARK: - Index keys

    /// Shortens `start` to a key `s` with `start ≤ s < limit` where possible
    /// (LevelDB's bytewise `FindShortestSeparator`).
    static func shortestSeparator(_ start: inout [UInt8], limit: [UInt8]) {
        let n = min(start.count, limit.count)
        var i = 0
        while i < n, start[i] == limit[i] { i += 1 }
        guard i < n else { return }  // one is a prefix of the other
        let byte = start[i]
        if byte < 0xff, byte + 1 < limit[i] {
            start[i] += 1
            start.removeSubrange((i + 1)...)
        }
    }

    /// Shortens `key` to a short key ≥ it (LevelDB's bytewise `FindShortSuccessor`).
    static func shortSuccessor(_ key: inout [UInt8]) {
        for i in key.indices where key[i] != 0xff {
            key[i] += 1
            key.removeSubrange((i + 1)...)
            return
        }
    }

    static func show(_ key: [UInt8]) -> String {
        if key.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return "\"" + String(decoding: key, as: UTF8.self) + "\"" }
        return "0x" + key.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

// MARK: - Blocks

/// One block being built: prefix-compressed entries, restart points, count.
///
/// TensorFlow's name for this is `table::BlockBuilder`.
struct BlockBuilder {
    let restartInterval: Int
    private(set) var buffer: [UInt8] = []
    private var restarts: [UInt32] = [0]
    private var counter = 0
    private var lastKey: [UInt8] = []

    init(restartInterval: Int) { self.restartInterval = restartInterval }

    var isEmpty: Bool { buffer.isEmpty }

    /// Contents size once finished: entries, restart array, count.
    var sizeEstimate: Int { buffer.count + restarts.count * 4 + 4 }

    mutating func add(key: [UInt8], value: UnsafeRawBufferPointer) {
        var shared = 0
        if counter < restartInterval {
            let n = min(lastKey.count, key.count)
            while shared < n, lastKey[shared] == key[shared] { shared += 1 }
        } else {
            restarts.append(UInt32(buffer.count))
            counter = 0
        }
        Varint.append(UInt64(shared), to: &buffer)
        Varint.append(UInt64(key.count - shared), to: &buffer)
        Varint.append(UInt64(value.count), to: &buffer)
        buffer.append(contentsOf: key[shared...])
        buffer.append(contentsOf: value)
        lastKey = key
        counter += 1
    }

    mutating func add(key: [UInt8], value: [UInt8]) {
        value.withUnsafeBytes { add(key: key, value: $0) }
    }

    /// The contents: entries, then the restart offsets and their count (u32le).
    func finish() -> [UInt8] {
        var out = buffer
        out.reserveCapacity(buffer.count + restarts.count * 4 + 4)
        for r in restarts { withUnsafeBytes(of: r.littleEndian) { out.append(contentsOf: $0) } }
        withUnsafeBytes(of: UInt32(restarts.count).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        restarts = [0]
        counter = 0
        lastKey = []
    }
}

extension BlockHandle {
    /// `varint64 offset ‖ varint64 size`.
    var encoded: [UInt8] {
        var out: [UInt8] = []
        Varint.append(UInt64(offset), to: &out)
        Varint.append(UInt64(size), to: &out)
        return out
    }
}
