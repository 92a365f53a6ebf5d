// A streaming writer for V2 tensor bundles (tensorflow/core/util/tensor_bundle/
// tensor_bundle.cc, BundleWriter; FORMATS.md §2.4–2.12).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a V2 checkpoint (`PREFIX.index` + `PREFIX.data-SSSSS-of-NNNNN`) tensor by
/// tensor.
///
/// Payloads go to the data files as they are added (a large tensor may be written
/// in chunks, its CRC32C computed on the way); only the small index entries stay in
/// memory. ``finish()`` writes the index (header, then entries in bytewise key
/// order) and renames everything into place, data files first and the index last.
/// Until then every file has a `.tempstate<random>` name; ``abandon()`` (or a throw
/// from ``finish()``, or deinit without finishing) removes them. A checkpoint
/// already at the prefix is replaced only once the new one is complete: its files
/// are moved aside first and deleted at the end, or put back if anything fails or
/// the process is interrupted (``TemporaryFiles``).
///
/// TensorFlow's name for this is `BundleWriter`.
public final class BundleWriter {
    /// How tensors are spread over several data files.
    public enum ShardPolicy: Sendable {
        /// Tensor i goes to data file i mod N.
        case roundRobin
        /// Each tensor goes to the data file with the fewest bytes so far.
        case sizeBalanced
    }

    /// Number of data files and how tensors are spread over them.
    public struct Options: Sendable {
        /// Number of data files (1…99999).
        public var shards = 1
        /// How tensors are spread when there are several data files.
        public var policy = ShardPolicy.sizeBalanced
        /// Whether to fsync each file before renaming it (TensorFlow does not).
        public var sync = false

        /// One data file, no fsync, as TensorFlow writes.
        public init() {}
    }

    /// What ``finish()`` wrote.
    public struct Result: Sendable {
        /// The index file and the data files, final names.
        public let files: [String]
        /// Entries in the index (header excluded).
        public let entries: Int
        /// Bytes of tensor payloads written to the data files.
        public let dataBytes: Int
        /// Size of the index file.
        public let indexBytes: Int
    }

    /// The checkpoint prefix.
    public let prefix: String
    private let options: Options
    private let transaction: OutputTransaction
    private var data: [OutputFile] = []
    private var temporaries: [String] = []
    /// Keys hashed in one call each (a `[UInt8]` key hashes byte by byte), kept in
    /// the order added (BundleWriter+Entries.swift).
    var entries = BundleWriterEntries()
    /// What the open transactions changed (key, entry before), oldest first; kept
    /// (and its storage reused) across tensors, so a transaction per tensor
    /// allocates nothing.
    private var undo: [([UInt8], BundleEntry?)] = []
    /// How many ``transaction(_:)`` calls are open.
    private var openTransactions = 0
    private var added = 0
    var done = false

    /// Creates the data files under temporary names.
    ///
    /// - Parameters:
    ///   - prefix: The checkpoint prefix (`dir/model.ckpt-3`).
    ///   - options: Number of data files and policy.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for a bad shard count, `io`
    ///   when a file cannot be created.
    public convenience init(prefix: String, options: Options = Options()) throws {
        try self.init(prefix: prefix, options: options, within: nil)
    }

    /// Creates the data files under temporary names, as part of a larger output
    /// (a migrated directory): ``finish()`` hands the files to `parent`, which keeps
    /// them undoable until it commits.
    init(prefix: String, options: Options, within parent: OutputTransaction?) throws {
        guard options.shards >= 1, options.shards <= 99_999 else {
            throw MetaGraphKitError.invalidArgument(prefix, "\(options.shards) data files; use 1…99999")
        }
        self.prefix = prefix
        self.options = options
        transaction = OutputTransaction(within: parent)
        do {
            for i in 0..<options.shards {
                let temp = FileIO.temporaryName(for: dataFileName(i))
                data.append(try transaction.createFile(temp))
                temporaries.append(temp)
            }
        } catch {
            abandon()
            throw error
        }
    }

    deinit { if !done { abandon() } }

    /// The final name of data file `id`.
    public func dataFileName(_ id: Int) -> String {
        BundleFileNames.data(prefix, shard: id, of: options.shards)
    }

    /// Data file `id` (under its temporary name), for payloads placed ahead (``reserve(name:dtype:shape:slice:count:maskedCRC:)``).
    func dataFile(_ id: Int) -> OutputFile { data[id] }

    /// Payload bytes written so far, over all data files.
    public var bytesWritten: Int { data.reduce(0) { $0 + $1.offset } }

    /// The final name of the index file.
    public var indexFileName: String { prefix + ".index" }

    // MARK: - Whole tensors

    /// Adds a tensor read from a checkpoint (or built in memory).
    ///
    /// - Parameters:
    ///   - tensor: Type, shape and values.
    ///   - name: The key (the variable's checkpoint name).
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for a duplicate or empty
    ///   name or a size that does not match the shape, `io`.
    public func add(_ tensor: Tensor, name: String) throws {
        switch tensor.storage {
        case .bytes(let b): try b.withUnsafeBytes { try add(name: name, dtype: tensor.dtype, shape: tensor.shape, bytes: $0) }
        case .strings(let s): try add(name: name, shape: tensor.shape, strings: s)
        }
    }

    /// Adds a fixed-size-element tensor from its raw little-endian bytes.
    ///
    /// - Parameters:
    ///   - name: The key.
    ///   - dtype: The element type (not string, variant or resource).
    ///   - shape: The dimensions (empty for a scalar).
    ///   - bytes: `elementCount × elementSize` bytes, row-major.
    /// - Throws: as ``add(_:name:)``.
    public func add(name: String, dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer) throws {
        try addStreaming(name: name, dtype: dtype, shape: shape) { try $0.write(bytes) }
    }

    /// Adds a fixed-size-element tensor whose bytes are written in chunks.
    ///
    /// - Parameters:
    ///   - name: The key.
    ///   - dtype: The element type (not string, variant or resource).
    ///   - shape: The dimensions.
    ///   - produce: Writes exactly `elementCount × elementSize` bytes to the stream.
    /// - Throws: as ``add(_:name:)``, or what `produce` throws.
    public func addStreaming(name: String, dtype: DType, shape: [Int],
                             _ produce: (inout PayloadStream) throws -> Void) throws {
        let key = try plainKey(name)
        let entry = try writeFixed(key: name, dtype: dtype, shape: shape, produce)
        set(key, entry)
    }

    /// Adds a string tensor (FORMATS.md §2.7 layout and CRC).
    ///
    /// - Parameters:
    ///   - name: The key.
    ///   - shape: The dimensions.
    ///   - strings: One byte string per element, row-major.
    /// - Throws: as ``add(_:name:)``.
    public func add(name: String, shape: [Int], strings: [[UInt8]]) throws {
        let key = try plainKey(name)
        set(key, try writeStrings(key: name, shape: shape, strings: strings))
    }

    /// Adds a payload copied verbatim with its already-known masked CRC (variant
    /// tensors copied from another bundle).
    func addRaw(name: String, dtype: DType, shape: [Int], payload: UnsafeRawBufferPointer, maskedCRC: UInt32) throws {
        let key = try plainKey(name)
        let shard = pickShard(payload.count)
        let file = data[shard]
        let offset = file.offset
        try file.write(payload)
        var e = BundleEntry(dtype: dtype, shape: shape)
        e.shardID = shard
        e.offset = Int64(offset)
        e.size = Int64(payload.count)
        e.crc32c = maskedCRC
        set(key, e)
    }

    /// Adds a payload of `count` bytes at `offset` in the open file `source`, copied
    /// verbatim by the kernel, with its already-known masked CRC (the caller checks
    /// the bytes against it).
    func addRaw(name: String, dtype: DType, shape: [Int], source: Int32, offset: Int, count: Int, maskedCRC: UInt32) throws {
        let key = try plainKey(name)
        let shard = pickShard(count)
        let file = data[shard]
        let start = file.offset
        try file.copyInKernel(from: source, offset: offset, count: count)
        var e = BundleEntry(dtype: dtype, shape: shape)
        e.shardID = shard
        e.offset = Int64(start)
        e.size = Int64(count)
        e.crc32c = maskedCRC
        set(key, e)
    }

    // MARK: - Groups

    /// Runs `body`; if it throws, every entry it added is taken back, the data files
    /// are cut back to where they were, and the error is rethrown.
    ///
    /// - Parameter body: Adds one or more tensors.
    /// - Throws: What `body` throws.
    public func transaction(_ body: () throws -> Void) throws {
        let start = undo.count
        // One data file (the common case) needs no array of marks.
        let mark = data.count == 1 ? data[0].offset : 0
        let marks = data.count == 1 ? [] : data.map(\.offset)
        openTransactions += 1
        do {
            try body()
            openTransactions -= 1
            // The outermost transaction succeeded: nothing is left to undo.
            if openTransactions == 0 { undo.removeAll(keepingCapacity: true) }
        } catch {
            openTransactions -= 1
            for (key, old) in undo[start...].reversed() { entries[key] = old }
            undo.removeSubrange(start...)
            if data.count == 1 {
                try data[0].rewind(to: mark)
            } else {
                for (file, mark) in zip(data, marks) { try file.rewind(to: mark) }
            }
            throw error
        }
    }

    func set(_ key: [UInt8], _ entry: BundleEntry) {
        if openTransactions > 0 {
            undo.append((key, entries.replace(key, with: entry)))
        } else {
            _ = entries.replace(key, with: entry)
        }
        PausePoint.reached("bundle-tensor")
    }

    // MARK: - Payloads

    func plainKey(_ name: String) throws -> [UInt8] {
        guard !done else { throw MetaGraphKitError.invalidArgument(prefix, "add after finish") }
        let key = Array(name.utf8)
        guard !key.isEmpty else { throw MetaGraphKitError.invalidArgument(prefix, "empty tensor name") }
        guard !entries.contains(key) else { throw duplicate(name) }
        return key
    }

    func duplicate(_ what: String) -> MetaGraphKitError {
        MetaGraphKitError.invalidArgument(prefix, "\(what) is added twice")
    }

    func pickShard(_ size: Int) -> Int {
        defer { added += 1 }
        guard data.count > 1 else { return 0 }
        switch options.policy {
        case .roundRobin: return added % data.count
        case .sizeBalanced:
            var best = 0
            for i in 1..<data.count where data[i].offset < data[best].offset { best = i }
            return best
        }
    }

    func writeFixed(key: String, dtype: DType, shape: [Int],
                            _ produce: (inout PayloadStream) throws -> Void) throws -> BundleEntry {
        guard let size = dtype.elementSize else {
            throw MetaGraphKitError.invalidArgument(prefix, "\(key) has dtype \(dtype); only fixed-size types are written from bytes (strings have their own call)")
        }
        let count: Int
        let expected: Int
        do {
            count = try Tensor.elementCount(shape, file: prefix, key: key)
            expected = try Tensor.byteCount(count, size, file: prefix, key: key)
        } catch let e as MetaGraphKitError {
            throw MetaGraphKitError(.invalidArgument, e.message, file: e.file, key: e.key, cause: e)
        }
        let shard = pickShard(expected)
        var stream = PayloadStream(file: data[shard])
        try produce(&stream)
        guard stream.count == expected else {
            throw MetaGraphKitError.invalidArgument(prefix, "\(key) got \(stream.count) bytes, its shape \(shape) of \(dtype) needs \(expected)")
        }
        var e = BundleEntry(dtype: dtype.base, shape: shape)
        e.shardID = shard
        e.offset = Int64(stream.start)
        e.size = Int64(expected)
        e.crc32c = CRC32C.mask(stream.crc)
        return e
    }

    func writeStrings(key: String, shape: [Int], strings: [[UInt8]]) throws -> BundleEntry {
        let count: Int
        do { count = try Tensor.elementCount(shape, file: prefix, key: key) } catch let e as MetaGraphKitError {
            throw MetaGraphKitError(.invalidArgument, e.message, file: e.file, key: e.key, cause: e)
        }
        guard strings.count == count else {
            throw MetaGraphKitError.invalidArgument(prefix, "\(key) has \(strings.count) strings, its shape \(shape) needs \(count)")
        }
        var head: [UInt8] = []
        var crc: UInt32 = 0
        var total = 0
        for s in strings {
            Varint.append(UInt64(s.count), to: &head)
            crc = s.count <= 0xffff_ffff ? CRC32C.extend(crc, u32le: UInt32(s.count)) : CRC32C.extend(crc, u64le: UInt64(s.count))
            total += s.count
        }
        let lengthCRC = CRC32C.mask(crc)
        withUnsafeBytes(of: lengthCRC.littleEndian) { head.append(contentsOf: $0) }
        crc = CRC32C.extend(crc, u32le: lengthCRC)
        let shard = pickShard(head.count + total)
        let file = data[shard]
        let offset = file.offset
        try file.write(head)
        for s in strings {
            try file.write(s)
            crc = CRC32C.extend(crc, s)
        }
        var e = BundleEntry(dtype: .string, shape: shape)
        e.shardID = shard
        e.offset = Int64(offset)
        e.size = Int64(head.count + total)
        e.crc32c = CRC32C.mask(crc)
        return e
    }

    // MARK: - Finishing

    /// Writes the index and puts every file in place, all or nothing: the data
    /// files and the index are complete under temporary names first; then the files
    /// of a checkpoint already at the prefix are moved aside (index first, so the
    /// prefix never shows an old index over new data), the data files are renamed
    /// into place, the index last, and only then are the old files deleted.
    ///
    /// - Returns: The files written and their sizes.
    /// - Throws: ``MetaGraphKitError`` `io`; on a throw no temporary is left and an
    ///   old checkpoint at the prefix is back in place.
    ///
    /// TensorFlow's name for this is `BundleWriter::Finish`.
    @discardableResult
    public func finish() throws -> Result {
        guard !done else { throw MetaGraphKitError.invalidArgument(prefix, "finish called twice") }
        do {
            var dataBytes = 0
            for file in data {
                dataBytes += file.offset
                try file.close(sync: options.sync)
            }
            let indexTemp = FileIO.temporaryName(for: indexFileName)
            let index = try transaction.createFile(indexTemp)
            temporaries.append(indexTemp)
            let table = TableBuilder(sink: index, name: indexFileName)
            try table.add(key: [], value: BundleProtoEncoding.header(numShards: data.count))
            try entries.forEachSortedEncoded { key, value in try table.add(key: Array(key), value: value) }
            try table.finish()
            let indexBytes = index.offset
            try index.close(sync: options.sync)
            PausePoint.reached("bundle-finish")
            for old in Self.existingFiles(of: prefix) { try transaction.moveAside(old) }
            for i in data.indices {
                try transaction.place(temporaries[i], at: dataFileName(i))
                PausePoint.reached("bundle-placed")
            }
            try transaction.place(indexTemp, at: indexFileName)
            PausePoint.reached("bundle-placed")
            transaction.commit()
            done = true
            return Result(files: [indexFileName] + data.indices.map(dataFileName), entries: entries.count,
                          dataBytes: dataBytes, indexBytes: indexBytes)
        } catch {
            abandon()
            throw error
        }
    }

    /// The files of a V2 checkpoint at `prefix` that exist now: the index, then
    /// data files of any shard count.
    static func existingFiles(of prefix: String) -> [String] {
        var out: [String] = []
        if FileIO.exists(prefix + ".index") { out.append(prefix + ".index") }
        out += FileGlob.matchingPaths(prefix + ".data-?????-of-?????")
        return out
    }

    /// Stops writing and removes every temporary file (and puts back an old
    /// checkpoint if ``finish()`` had begun replacing it).
    public func abandon() {
        for file in data { file.discard() }
        transaction.rollback()
        temporaries.removeAll()
        data.removeAll()
        done = true
    }
}
