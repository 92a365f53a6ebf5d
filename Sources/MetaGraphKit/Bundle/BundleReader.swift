// A reader for V2 tensor bundles: `PREFIX.index` plus `PREFIX.data-SSSSS-of-NNNNN`
// (tensorflow/core/util/tensor_bundle/tensor_bundle.cc, BundleReader).

/// A V2 bundle: the header read at open, entries looked up in the index by
/// binary search (one data block of the `.index` per key) or decoded all at once
/// on first use of ``entries``/``keys``; data files mapped on first use.
///
/// Not safe to share between threads until ``loadIndex()`` has run and every
/// data file used is mapped (as verify and export arrange).
final class BundleReader {
    let prefix: String
    let table: TableReader
    let header: BundleHeader
    /// Every entry but the header, in flat storage; decoded on first use.
    private var index: CompactBundleIndex?
    private var shards: [Int: MappedFile] = [:]
    /// Data files that could not be opened, so callers that loop over every shard
    /// look each one up once.
    private var unopenable: [Int: MetaGraphKitError] = [:]

    var indexName: String { prefix + ".index" }

    /// Opens the index and reads its header (the `""` key, first in the table):
    /// the footer, the table's index block and one data block; then, unless
    /// `lazy`, every entry (``loadIndex()``).
    init(prefix: String, lazy: Bool = false) throws {
        self.prefix = prefix
        table = try TableReader(path: prefix + ".index")
        let name = prefix + ".index"
        let header = try table.withValue(forKey: []) { value in try value.map { try BundleHeader($0, file: name) } }
        guard let header else {
            throw MetaGraphKitError.corrupt(name, "no bundle header (the \"\" key is missing)")
        }
        self.header = header
        if !lazy { try loadIndex() }
    }

    /// Decodes every entry of the index (once): what listing and whole-checkpoint
    /// passes need.
    ///
    /// - Throws: ``MetaGraphKitError`` for a damaged block or entry.
    func loadIndex() throws {
        guard index == nil else { return }
        index = try CompactBundleIndex(table: table, file: indexName)
    }

    /// Whether ``loadIndex()`` has run.
    var isIndexLoaded: Bool { index != nil }

    /// The decoded index (nil until ``loadIndex()``).
    var compact: CompactBundleIndex? { index }

    /// Every entry but the header, by key bytes (empty until ``loadIndex()``): a
    /// view into the compact index, each lookup a binary search.
    var entries: BundleEntries { BundleEntries(index: index) }
    /// Every key but the header's, in index order (empty until ``loadIndex()``);
    /// made on each use, one array per key.
    var keys: [[UInt8]] { index.map { ix in (0..<ix.count).map { ix.key($0) } } ?? [] }
    /// The entries of ``keys``, in the same order (empty until ``loadIndex()``);
    /// made on each use.
    var values: [BundleEntry] { index.map { ix in (0..<ix.count).map { ix.entry($0) } } ?? [] }

    /// The entry of one key: from the decoded index, or found by binary search in
    /// the table (one data block read and checked).
    ///
    /// - Parameter key: The key bytes.
    /// - Returns: The entry, or nil when the index has no such key (or it is the header's).
    /// - Throws: ``MetaGraphKitError`` for a damaged block or entry.
    func entry(_ key: [UInt8]) throws -> BundleEntry? {
        if let index { return index.find(key).map { index.entry($0) } }
        guard !key.isEmpty else { return nil }
        let name = indexName
        return try table.withValue(forKey: key) { value in try value.map { try BundleEntry($0, file: name, keyBytes: key) } }
    }

    /// A key as text (invalid UTF-8 repaired) for messages and listings.
    static func display(_ key: [UInt8]) -> String { String(decoding: key, as: UTF8.self) }

    /// The name of data file `id` (made on each call; hot loops use the mapped
    /// file's path).
    func dataFileName(_ id: Int) -> String {
        BundleFileNames.data(prefix, shard: id, of: header.numShards)
    }

    func shard(_ id: Int) throws -> MappedFile {
        if let f = shards[id] { return f }
        if let e = unopenable[id] { throw e }
        do {
            let f = try MappedFile(path: dataFileName(id))
            shards[id] = f
            return f
        } catch let e as MetaGraphKitError {
            unopenable[id] = e
            throw e
        }
    }

    // MARK: - Payloads

    /// Lends the payload bytes of a plain entry after checking shard, bounds, size
    /// and (unless `checkCRC` is false) the CRC for its dtype.
    func withPayload<R>(_ entry: BundleEntry, key: String, checkCRC: Bool = true, releasePages: Bool = true,
                        _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard entry.shardID >= 0, entry.shardID < header.numShards else {
            throw MetaGraphKitError.shardOutOfRange(indexName, key, key: key, shard: entry.shardID, shards: header.numShards)
        }
        let file = try shard(entry.shardID)
        guard entry.offset >= 0, entry.size >= 0, entry.offset <= Int64(file.count),
              entry.size <= Int64(file.count) - entry.offset else {
            throw MetaGraphKitError.outsideFile(file.path, key, key: key, offset: entry.offset, size: entry.size, fileSize: file.count)
        }
        let payload = UnsafeRawBufferPointer(rebasing: file.bytes[Int(entry.offset)..<Int(entry.offset + entry.size)])
        if let size = entry.dtype.elementSize {
            let n = try Tensor.elementCount(entry.shape, file: indexName, key: key)
            let expected = try Tensor.byteCount(n, size, file: indexName, key: key)
            guard payload.count == expected else {
                throw MetaGraphKitError.corrupt(file.path,
                    "\(key) has \(payload.count) bytes, its shape \(entry.shape) of \(entry.dtype) needs \(expected)",
                    key: key, offset: Int(entry.offset))
            }
            if checkCRC {
                let crc = CRC32C.checksumOnEveryCore(payload)
                guard CRC32C.mask(crc) == entry.crc32c else { throw checksumError(file.path, key, entry) }
            }
        }
        // A streaming pass (verify, export, show) touches each payload once: give its
        // pages back afterwards so memory stays flat whatever the checkpoint's size.
        // (`releasePages: false` when another thread is about to read it too.)
        defer { if releasePages, payload.count >= MappedFile.releaseThreshold { file.releaseResidentPages(payload) } }
        return try body(payload)
    }

    func checksumError(_ path: String, _ key: String, _ entry: BundleEntry) -> MetaGraphKitError {
        MetaGraphKitError.payloadChecksum(path, key: key, offset: Int(entry.offset), size: entry.size)
    }

    /// Decodes a string payload (§2.7 of FORMATS.md): varint64 lengths, masked
    /// length CRC, bytes; checks both CRCs.
    func strings(_ entry: BundleEntry, key: String, payload: UnsafeRawBufferPointer, path: String, collect: Bool = true) throws -> [[UInt8]] {
        let n = try Tensor.elementCount(entry.shape, file: indexName, key: key)
        guard n <= payload.count else {
            throw MetaGraphKitError.corrupt(path, "\(key) has \(n) strings in \(payload.count) bytes", key: key, offset: Int(entry.offset))
        }
        var cursor = ByteCursor(payload, file: path, origin: Int(entry.offset))
        var lengths: [Int] = []
        lengths.reserveCapacity(n)
        var crc: UInt32 = 0
        for _ in 0..<n {
            let length = try cursor.readLength("string length of \(key)")
            lengths.append(length)
            crc = length <= 0xffff_ffff ? CRC32C.extend(crc, u32le: UInt32(length)) : CRC32C.extend(crc, u64le: UInt64(length))
        }
        let lengthCRCBytes = try cursor.readBytes(4, "length checksum of \(key)")
        let storedLengthCRC = UInt32(littleEndian: lengthCRCBytes.loadUnaligned(as: UInt32.self))
        guard CRC32C.unmask(storedLengthCRC) == crc else {
            throw MetaGraphKitError.badChecksum(path, "string length checksum mismatch for \(key)", key: key, offset: Int(entry.offset))
        }
        crc = CRC32C.extend(crc, lengthCRCBytes)
        var out: [[UInt8]] = []
        out.reserveCapacity(n)
        for length in lengths {
            let bytes = try cursor.readBytes(length, "string of \(key)")
            crc = CRC32C.extend(crc, bytes)
            if collect { out.append(bytes.array) }
        }
        guard CRC32C.mask(crc) == entry.crc32c else { throw checksumError(path, key, entry) }
        return out
    }

    /// Checks a variant payload's per-element and whole checksums (§2.8).
    func checkVariant(_ entry: BundleEntry, key: String, payload: UnsafeRawBufferPointer, path: String) throws {
        let n = try Tensor.elementCount(entry.shape, file: indexName, key: key)
        guard n <= payload.count else {
            throw MetaGraphKitError.corrupt(path, "\(key) has \(n) variants in \(payload.count) bytes", key: key, offset: Int(entry.offset))
        }
        var cursor = ByteCursor(payload, file: path, origin: Int(entry.offset))
        var crc: UInt32 = 0
        for i in 0..<n {
            let length = try cursor.readLength("variant length of \(key)")
            crc = CRC32C.extend(crc, u64le: UInt64(length))
            crc = CRC32C.extend(crc, try cursor.readBytes(length, "variant \(i) of \(key)"))
            let stored = try cursor.readBytes(4, "variant checksum of \(key)")
            guard CRC32C.unmask(UInt32(littleEndian: stored.loadUnaligned(as: UInt32.self))) == crc else {
                throw MetaGraphKitError.badChecksum(path, "checksum mismatch in variant element \(i) of \(key)", key: key, offset: Int(entry.offset))
            }
            crc = CRC32C.extend(crc, stored)
        }
        guard CRC32C.mask(crc) == entry.crc32c else { throw checksumError(path, key, entry) }
    }

    // MARK: - Tensors

    /// The slice keys every container lists (hidden from listings, as TF does).
    func sliceKeys() -> Set<TableKey> {
        var hidden = Set<TableKey>()
        guard let index, index.hasSlices else { return hidden }
        for i in index.slicedRecords {
            let name = index.displayKey(i)
            for s in index.slices(i) { hidden.insert(TableKey(OrderedCode.tensorNameSliceKey(name: name, slice: s))) }
        }
        return hidden
    }

    /// A whole tensor: a plain entry's payload, or a container's slices assembled.
    func tensor(_ keyBytes: [UInt8]) throws -> Tensor {
        let key = Self.display(keyBytes)
        guard let entry = try self.entry(keyBytes) else {
            throw MetaGraphKitError.noTensor(indexName, key: key)
        }
        if !entry.slices.isEmpty { return try assemble(entry, key: key) }
        return try plainTensor(entry, key: key)
    }

    func plainTensor(_ entry: BundleEntry, key: String) throws -> Tensor {
        switch entry.dtype {
        case .string:
            return try withPayload(entry, key: key) { payload in
                Tensor(dtype: .string, shape: entry.shape,
                       storage: .strings(try strings(entry, key: key, payload: payload, path: dataFileName(entry.shardID))))
            }
        case let d where d.elementSize != nil:
            return try withPayload(entry, key: key) { Tensor(dtype: d, shape: entry.shape, storage: .bytes($0.array)) }
        default:
            throw MetaGraphKitError.unsupported(indexName,
                "\(key) has dtype \(entry.dtype), whose values MetaGraphKit lists but does not decode", key: key)
        }
    }

    func assemble(_ container: BundleEntry, key: String) throws -> Tensor {
        // Check every slice against the index and its data file before allocating
        // the full tensor, so its size is backed by bytes that exist.
        let count = try SliceAssembler.checkCoverage(container.slices, shape: container.shape, file: indexName, key: key)
        var parts: [(TensorSlice, BundleEntry)] = []
        var storedBytes: Int64 = 0
        for slice in container.slices {
            let expected = try slice.shape(in: container.shape, file: indexName, key: key)
            let sliceKey = OrderedCode.tensorNameSliceKey(name: key, slice: slice)
            guard let entry = try self.entry(sliceKey) else {
                throw MetaGraphKitError.sliceNotStored(indexName, key: key, slice: slice)
            }
            guard entry.shape == expected, entry.dtype == container.dtype else {
                throw MetaGraphKitError.corrupt(indexName,
                    "slice \(slice) of \(key) is stored as \(entry.dtype) \(entry.shape), expected \(container.dtype) \(expected)", key: key)
            }
            guard entry.shardID >= 0, entry.shardID < header.numShards else {
                throw MetaGraphKitError.shardOutOfRange(indexName, "slice \(slice) of \(key)", key: key,
                                                        shard: entry.shardID, shards: header.numShards)
            }
            // Damage here is in the data file (cut short) far more often than in the
            // index (whose blocks are checksummed): name the data file.
            let data = try shard(entry.shardID)
            guard entry.offset >= 0, entry.size >= 0, entry.offset <= Int64(data.count),
                  entry.size <= Int64(data.count) - entry.offset else {
                throw MetaGraphKitError.outsideFile(data.path, "slice \(slice) of \(key)", key: key,
                                                    offset: entry.offset, size: entry.size, fileSize: data.count)
            }
            storedBytes += entry.size
            parts.append((slice, entry))
        }
        if let size = container.dtype.elementSize {
            guard Int64(try Tensor.byteCount(count, size, file: indexName, key: key)) <= storedBytes else {
                throw MetaGraphKitError.corrupt(indexName, "the slices of \(key) store \(storedBytes) bytes, too few for its shape", key: key)
            }
        } else if Int64(count) > storedBytes {
            throw MetaGraphKitError.corrupt(indexName, "the slices of \(key) store \(storedBytes) bytes, too few for \(count) strings", key: key)
        }
        var assembler = try SliceAssembler(dtype: container.dtype, shape: container.shape, file: indexName, key: key)
        for (slice, entry) in parts {
            if container.dtype == .string {
                let part = try plainTensor(entry, key: key + " slice " + slice.description)
                try assembler.add(slice: slice, strings: part.strings ?? [])
            } else {
                try withPayload(entry, key: key) { try assembler.add(slice: slice, bytes: $0) }
            }
        }
        return assembler.tensor()
    }
}
