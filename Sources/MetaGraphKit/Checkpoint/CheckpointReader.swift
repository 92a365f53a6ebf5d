// The one entry point for reading checkpoints: V2 bundles and V1 slice tables,
// named by prefix, V1 pattern or shard, or directory (its latest checkpoint).
// Follows tensorflow/python/training/py_checkpoint_reader.py and
// checkpoint_utils.py (load_checkpoint, list_variables).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a TensorFlow checkpoint of either format.
///
/// Opening reads only the index (V2) or the metadata entries (V1); data files are
/// memory-mapped on first use. Every value read is checked: block CRCs, tensor
/// CRCs, sizes against shapes, offsets against file lengths.
///
/// TensorFlow's closest equivalent is `tf.train.load_checkpoint`.
public final class CheckpointReader {
    /// The format of the checkpoint.
    public let format: CheckpointFormat
    /// The resolved prefix (V2) or file pattern (V1).
    public let prefix: String
    /// Every tensor, sorted by key (bytewise), slice keys and the header hidden.
    ///
    /// A reader opened with `lazy: true` decodes the index on first use here; if
    /// the index is damaged this is then empty (``loadEntries()`` throws the error).
    public var entries: [TensorEntry] { (try? loadListing())?.entries ?? [] }

    let bundle: BundleReader?
    let slices: TensorSliceReader?
    /// A checkpoint in another framework's format (Keras 3, safetensors, npz…).
    let foreign: (any ForeignCheckpoint)?

    /// The format's name as reports print it: `V1`, `V2`, or the name of another
    /// framework's format (`keras-h5`, `safetensors`, …).
    public var formatName: String { foreign?.formatName ?? format.rawValue }

    /// The entries and the per-key tables built from them: at open, or for a lazy
    /// V2 reader on first use.
    private struct Listing {
        let entries: [TensorEntry]
        /// The key bytes of the names that are not simply their UTF-8 (V2 keys
        /// that are not valid UTF-8, and names listed twice): a table of every key
        /// would cost a String hash and an array per key at every open.
        let unusualKeyBytes: [String: [UInt8]]
        let entryIndex: [String: Int]

        init(_ entries: [TensorEntry], unusualKeyBytes: [String: [UInt8]]) {
            self.entries = entries
            self.unusualKeyBytes = unusualKeyBytes
            var index: [String: Int] = [:]
            index.reserveCapacity(entries.count)
            for (i, e) in entries.enumerated() where index[e.key] == nil { index[e.key] = i }
            entryIndex = index
        }

        func keyBytes(_ key: String) -> [UInt8]? {
            guard entryIndex[key] != nil else { return unusualKeyBytes[key] }
            return unusualKeyBytes[key] ?? Array(key.utf8)
        }
    }
    private var listing: Listing?
    /// Whether the entries are decoded (always, except for a lazy V2 reader not yet listed).
    var isListingLoaded: Bool { listing != nil }

    /// The key bytes of a listed key (V2 keys need not be UTF-8).
    func keyBytes(_ key: String) -> [UInt8]? {
        if listing == nil, let bundle, let direct = Self.directKey(key) {
            return (try? bundle.entry(direct)) != nil ? direct : nil
        }
        return (try? loadListing())?.keyBytes(key)
    }

    /// The key bytes of `key` when a lazy V2 reader can look it up in the index
    /// as is: valid UTF-8 that is not a slice key (those start with a 0 byte) and
    /// has no U+FFFD (which stands for invalid bytes in listed names).
    private static func directKey(_ key: String) -> [UInt8]? {
        let bytes = Array(key.utf8)
        guard let first = bytes.first, first != 0, !key.unicodeScalars.contains("\u{FFFD}") else { return nil }
        return bytes
    }

    /// Opens a checkpoint.
    ///
    /// - Parameter path: A V2 prefix (`dir/ckpt-3`; a path ending in `.index` or
    ///   `.data-…` is accepted too), a V1 file, pattern (`PREFIX-?????-of-00003`),
    ///   shard or sharded prefix, a directory with a `checkpoint` state file, the
    ///   state file itself, or a SavedModel directory or `saved_model.pb` (its
    ///   `variables/variables`).
    /// - Throws: ``MetaGraphKitError`` with code `notFound` when no checkpoint is
    ///   there, or the code of the first structural problem of the index/metadata;
    ///   for an input of another kind (a `.meta`, an archive, an LFS pointer…) a
    ///   message saying what it is and what to pass instead.
    public convenience init(path: String) throws {
        try self.init(path: path, lazy: false)
    }

    /// Opens a checkpoint, reading a V2 index lazily when `lazy` is true: only the
    /// footer, the table's index block and the header's block at open; each key
    /// looked up afterwards (``tensor(_:)``, ``entry(_:)``, ``contains(_:)``)
    /// costs a binary search and one index data block, whatever the number of
    /// keys. The whole index is decoded on first use of ``entries``.
    ///
    /// A lazy reader checks only the blocks it reads (a damaged entry elsewhere
    /// shows up when it is listed or verified), as TensorFlow's reader does. It
    /// must not be shared between threads.
    ///
    /// - Parameters:
    ///   - path: As ``init(path:)``.
    ///   - lazy: true to decode a V2 index on demand. V1 checkpoints keep their
    ///     listing in one metadata entry per file, read at open either way.
    /// - Throws: as ``init(path:)``.
    public convenience init(path: String, lazy: Bool) throws {
        // A format another opener claims reports its own errors (a damaged file of
        // its kind); only what nobody claims is identified.
        if let foreign = try ForeignCheckpoints.open(path) {
            self.init(foreign: foreign)
            return
        }
        do {
            let path = try Self.resolveInput(path)
            // A directory: its newest checkpoint, as tf.train.latest_checkpoint finds it.
            try self.init(resolved: Self.isDirectory(path) ? CheckpointDirectory(path).latestCheckpoint() : path, lazy: lazy)
        } catch let error as MetaGraphKitError {
            throw InputIdentification.explain(path, as: .checkpoint, error: error)
        }
    }

    private init(foreign: any ForeignCheckpoint) {
        format = .foreign
        prefix = foreign.path
        bundle = nil
        slices = nil
        self.foreign = foreign
        listing = Listing(foreign.entries, unusualKeyBytes: [:])
    }

    private init(resolved path: String, lazy: Bool) throws {
        foreign = nil
        var path = path
        if path.hasSuffix(".index"), !Self.exists(path + ".index") { path = String(path.dropLast(6)) }
        if !Self.exists(path + ".index"), let stripped = Self.dataFilePrefix(path) { path = stripped }
        prefix = path
        if Self.exists(path + ".index") {
            let bundle = try BundleReader(prefix: path, lazy: lazy)
            format = .v2
            self.bundle = bundle
            slices = nil
            // The listing (a String and arrays per key) is made on first use:
            // verify and export work from the bundle's compact index.
        } else {
            let reader = try TensorSliceReader(pattern: path)
            var list: [TensorEntry] = []
            list.reserveCapacity(reader.names.count)
            for name in reader.names {
                let item = reader.items[name]!
                list.append(TensorEntry(key: item.name, dtype: item.dtype, shape: item.shape, slices: item.slices.map(\.slice)))
            }
            format = .v1
            bundle = nil
            slices = reader
            listing = Listing(list, unusualKeyBytes: [:])
        }
    }

    /// The visible entries of a decoded V2 index, in index (bytewise) order.
    private static func listing(_ bundle: BundleReader) -> Listing {
        guard let index = bundle.compact else { return Listing([], unusualKeyBytes: [:]) }
        let hidden = bundle.sliceKeys()
        var list: [TensorEntry] = []
        var unusual: [String: [UInt8]] = [:]
        list.reserveCapacity(index.count)
        for i in 0..<index.count {
            if !hidden.isEmpty, hidden.contains(TableKey(index.key(i))) { continue }
            let name = index.displayKey(i)
            // The last key listed under a name wins, as a table of every key had it.
            if index.withKey(i, { !name.utf8.elementsEqual($0) }) || unusual[name] != nil { unusual[name] = index.key(i) }
            list.append(TensorEntry(key: name, dtype: DType(rawValue: index.records[i].dtype), shape: index.shape(i),
                                    slices: index.slices(i)))
        }
        return Listing(list, unusualKeyBytes: unusual)
    }

    /// The number of tensors ``entries`` lists, without making the listing when
    /// a decoded V2 index has no partitioned tensors.
    var tensorCount: Int {
        if listing == nil, let index = bundle?.compact, !index.hasSlices { return index.count }
        return entries.count
    }

    private func loadListing() throws -> Listing {
        if let listing { return listing }
        guard let bundle else { throw MetaGraphKitError(.io, "\(prefix): no listing", file: prefix) }
        try bundle.loadIndex()
        let made = Self.listing(bundle)
        listing = made
        return made
    }

    /// Decodes the whole index of a lazily opened reader now (a no-op otherwise).
    ///
    /// - Returns: ``entries``.
    /// - Throws: ``MetaGraphKitError`` for a damaged index block or entry.
    @discardableResult
    public func loadEntries() throws -> [TensorEntry] { try loadListing().entries }

    // MARK: - Paths

    static func exists(_ path: String) -> Bool { FileIO.exists(path) }

    /// `P` for a data file name `P.data-NNNNN-of-MMMMM`.
    static func dataFilePrefix(_ path: String) -> String? {
        let u = Array(path.utf8)
        guard u.count > 20 else { return nil }
        let tail = Array(u[(u.count - 20)...])
        let digits = Array(tail[6..<11]) + Array(tail[15...])
        guard String(decoding: tail[0..<6], as: UTF8.self) == ".data-",
              String(decoding: tail[11..<15], as: UTF8.self) == "-of-",
              digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return String(decoding: u[..<(u.count - 20)], as: UTF8.self)
    }

    static func isDirectory(_ path: String) -> Bool { FileIO.isDirectory(path) }

    // MARK: - Entries

    /// The entry of one key.
    ///
    /// - Parameter key: The tensor's name.
    /// - Returns: The entry, or nil when the checkpoint has no such (visible) key
    ///   (or, for a lazy reader, when its index block cannot be read).
    public func entry(_ key: String) -> TensorEntry? {
        if listing == nil, let bundle, let direct = Self.directKey(key) {
            guard let e = try? bundle.entry(direct) else { return nil }
            return TensorEntry(key: key, dtype: e.dtype, shape: e.shape, slices: e.slices)
        }
        guard let listing = try? loadListing() else { return nil }
        return listing.entryIndex[key].map { listing.entries[$0] }
    }

    /// Whether the checkpoint has a tensor of that name.
    ///
    /// - Parameter key: The tensor's name.
    /// - Returns: True when ``entries`` lists it.
    public func contains(_ key: String) -> Bool { entry(key) != nil }

    // MARK: - Values

    /// Reads a whole tensor, slices assembled.
    ///
    /// - Parameter key: The tensor's name.
    /// - Returns: The tensor (raw little-endian bytes, or strings).
    /// - Throws: ``MetaGraphKitError``: `notFound` for an unknown key, `unsupported`
    ///   for variant and resource tensors, `badChecksum`, `truncated`, `corrupt`.
    public func tensor(_ key: String) throws -> Tensor {
        guard let bytes = try lookupKeyBytes(key) else {
            throw MetaGraphKitError.noTensor(prefix, key: key)
        }
        if let bundle { return try bundle.tensor(bytes) }
        if let foreign { return try foreign.tensor(key) }
        return try slices!.tensor(key)
    }

    /// As ``keyBytes(_:)``, with the error of a damaged index block or entry.
    func lookupKeyBytes(_ key: String) throws -> [UInt8]? {
        if listing == nil, let bundle, let direct = Self.directKey(key) {
            return try bundle.entry(direct) != nil ? direct : nil
        }
        return try loadListing().keyBytes(key)
    }

    /// Lends the raw element bytes of a fixed-size tensor. For a V2 tensor stored
    /// whole these are the mapped data file's bytes (no copy) after the CRC check;
    /// otherwise the assembled tensor's bytes.
    ///
    /// - Parameters:
    ///   - key: The tensor's name.
    ///   - body: Receives the bytes; they must not escape it.
    /// - Returns: What `body` returns.
    /// - Throws: as ``tensor(_:)``, and `unsupported` for string tensors.
    public func withTensorBytes<R>(_ key: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try withTensorBytes(key, checkCRC: true, body)
    }

    /// As ``withTensorBytes(_:_:)``; `checkCRC: false` skips the CRC of a V2 tensor
    /// stored whole (bounds and size are still checked) for callers that check it
    /// separately, as export does on another core.
    func withTensorBytes<R>(_ key: String, checkCRC: Bool, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let bytes = try lookupKeyBytes(key) else {
            throw MetaGraphKitError.noTensor(prefix, key: key)
        }
        if let bundle, let e = try bundle.entry(bytes), e.slices.isEmpty, e.dtype.elementSize != nil {
            return try bundle.withPayload(e, key: key, checkCRC: checkCRC, body)
        }
        if let foreign { return try foreign.withTensorBytes(key, body) }
        let t = try tensor(key)
        guard case .bytes(let b) = t.storage else {
            throw MetaGraphKitError.unsupported(prefix, "\(key) is a string tensor; use tensor(_:)")
        }
        return try b.withUnsafeBytes(body)
    }

    /// What another framework's format says about a key beyond dtype and shape
    /// (for Keras 3 files `layer_class`, `layer_name`, `variable`); empty for
    /// TensorFlow's formats.
    ///
    /// - Parameter key: The tensor's name.
    /// - Returns: (name, value) pairs.
    public func annotations(_ key: String) -> [(String, String)] { foreign?.annotations(key) ?? [] }

    // MARK: - Object graph

    /// The object graph of an object-based checkpoint.
    ///
    /// - Returns: The decoded graph, or nil for a name-based checkpoint.
    /// - Throws: ``MetaGraphKitError`` when the entry cannot be read or decoded.
    public func objectGraph() throws -> ObjectGraph? {
        guard contains(ObjectGraph.checkpointKey) else { return nil }
        let t = try tensor(ObjectGraph.checkpointKey)
        guard let s = t.strings, s.count == 1 else {
            throw MetaGraphKitError.corrupt(prefix, "\(ObjectGraph.checkpointKey) is not a string scalar")
        }
        return try ObjectGraph(serialized: s[0], file: prefix)
    }

    /// `full_name → checkpoint_key` of the object graph (empty for a name-based
    /// checkpoint); later duplicates overwrite earlier ones.
    ///
    /// - Returns: The mapping.
    /// - Throws: as ``objectGraph()``.
    ///
    /// TensorFlow's name for this is `saver.object_graph_key_mapping`.
    public func fullNameToCheckpointKey() throws -> [String: String] {
        try objectGraph()?.fullNameToCheckpointKey ?? [:]
    }
}
