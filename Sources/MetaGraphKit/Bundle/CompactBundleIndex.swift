// The decoded entries of a V2 `.index` in flat storage: what whole-checkpoint
// passes (verify, export, listing) need, without a heap object per key.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every entry of a V2 index but the header, in index order: all key bytes in one
/// arena, one fixed-size record per entry, every dimension in one shared arena,
/// and the slices of the rare partitioned containers in a side table. Keys are
/// found by binary search over the (bytewise sorted) keys, not by hashing.
///
/// 100,000 float32[16] entries with 23-byte keys take about 6.7 MB (32-byte
/// records, key bytes, 4-byte key offsets, 8-byte dims).
struct CompactBundleIndex {
    /// One entry's fixed part (32 bytes).
    struct Record {
        var offset: Int64
        var size: Int64
        /// DType raw value.
        var dtype: Int32
        var shard: Int32
        var crc32c: UInt32
        /// Where its dimensions start in ``dims``; they end where the next record's start.
        var dimsStart: UInt32
    }

    private(set) var keyBytes: [UInt8] = []
    /// Start of key i in ``keyBytes``; one more element than keys (the end).
    private(set) var keyStarts: [UInt32] = [0]
    private(set) var records: [Record] = []
    private(set) var dims: [Int] = []
    /// Indices of the records with slices (ascending) and their slices.
    private(set) var slicedRecords: [Int] = []
    private(set) var slices: [[TensorSlice]] = []
    /// Record indices in key order when the table's keys were not strictly
    /// increasing (a damaged index); nil for every sound one.
    private var order: [Int32]?

    /// Number of entries.
    var count: Int { records.count }

    /// Whether the keys are strictly increasing in record order (every sound index).
    var isSorted: Bool { order == nil }

    /// Decodes every entry of `table` but the header (key `""`).
    ///
    /// - Throws: ``MetaGraphKitError`` for a damaged block or entry (the same
    ///   errors as decoding each into a ``BundleEntry``), `tooLarge` when the keys
    ///   add up to 4 GiB.
    init(table: TableReader, file name: String) throws {
        // Sized from the index (an entry takes at least ~24 bytes); bounded by the
        // file, not by what it claims.
        let estimate = min(table.file.bytes.count / 24, 1 << 22)
        records.reserveCapacity(estimate)
        keyStarts.reserveCapacity(estimate + 1)
        dims.reserveCapacity(estimate)
        keyBytes.reserveCapacity(min(table.file.bytes.count, 1 << 30))
        var sorted = true
        try table.forEach { key, value in
            guard !key.isEmpty else { return }
            if sorted, records.count > 0 {
                let previous = keyBytes.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[Int(keyStarts[records.count - 1])...]) }
                if Block.compare(previous, key) >= 0 { sorted = false }
            }
            guard keyBytes.count + key.count <= Int(UInt32.max), dims.count < Int(UInt32.max) - 1 << 16 else {
                throw MetaGraphKitError.tooLarge(name, "its keys add up to more than 4 GiB")
            }
            try append(value, keyBytes: key, file: name)
            keyBytes.append(contentsOf: key)
            keyStarts.append(UInt32(keyBytes.count))
        }
        if !sorted {
            // Equal keys keep their index order, so the last one is found (as a
            // table keyed by bytes would keep it).
            var o = (0..<Int32(records.count)).map { $0 }
            o.sort { a, b in
                let c = compareKeys(Int(a), Int(b))
                return c != 0 ? c < 0 : a < b
            }
            order = o
        }
    }

    /// Appends the record of one entry: the common plain entry decoded in place,
    /// anything else through ``BundleEntry``'s decoders (same result or error).
    private mutating func append(_ value: UnsafeRawBufferPointer, keyBytes key: [UInt8], file: String) throws {
        if let record = plain(value) {
            records.append(record)
            return
        }
        let e = try BundleEntry(value, file: file, keyBytes: key)
        let start = UInt32(dims.count)
        dims.append(contentsOf: e.shape)
        if !e.slices.isEmpty {
            slicedRecords.append(records.count)
            slices.append(e.slices)
        }
        records.append(Record(offset: e.offset, size: e.size, dtype: e.dtype.rawValue, shard: Int32(truncatingIfNeeded: e.shardID),
                              crc32c: e.crc32c, dimsStart: start))
    }

    /// ``BundleEntry/plain(_:)`` writing the dimensions into ``dims``: nil (and
    /// ``dims`` unchanged) for anything but fields 1-6 with a shape of unnamed dims.
    private mutating func plain(_ bytes: UnsafeRawBufferPointer) -> Record? {
        let start = UInt32(dims.count)
        guard let f = BundleEntry.PlainFields(bytes, dims: &dims) else { return nil }
        return Record(offset: f.offset, size: f.size, dtype: f.dtype, shard: f.shard, crc32c: f.crc32c, dimsStart: start)
    }

    // MARK: - Reading

    /// Lends the bytes of key `i`.
    @inline(__always)
    func withKey<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try keyBytes.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[Int(keyStarts[i])..<Int(keyStarts[i + 1])]))
        }
    }

    /// The bytes of key `i`, copied.
    func key(_ i: Int) -> [UInt8] { Array(keyBytes[Int(keyStarts[i])..<Int(keyStarts[i + 1])]) }

    /// Key `i` as text (invalid UTF-8 repaired), for messages and outputs.
    func displayKey(_ i: Int) -> String { withKey(i) { String(decoding: $0, as: UTF8.self) } }

    /// The dimensions of entry `i`.
    func dimRange(_ i: Int) -> Range<Int> {
        Int(records[i].dimsStart)..<(i + 1 < records.count ? Int(records[i + 1].dimsStart) : dims.count)
    }

    /// The shape of entry `i` as an array.
    func shape(_ i: Int) -> [Int] { Array(dims[dimRange(i)]) }

    /// The slices of entry `i` (empty for all but partitioned containers).
    func slices(_ i: Int) -> [TensorSlice] {
        guard !slicedRecords.isEmpty else { return [] }
        var low = 0
        var high = slicedRecords.count
        while low < high {
            let mid = (low + high) / 2
            if slicedRecords[mid] < i { low = mid + 1 } else { high = mid }
        }
        return low < slicedRecords.count && slicedRecords[low] == i ? slices[low] : []
    }

    /// Whether any entry is a partitioned container.
    var hasSlices: Bool { !slicedRecords.isEmpty }

    /// Entry `i` as a ``BundleEntry`` (allocates its shape and slices).
    func entry(_ i: Int) -> BundleEntry {
        let r = records[i]
        var e = BundleEntry(dtype: DType(rawValue: r.dtype), shape: shape(i))
        e.shardID = Int(r.shard)
        e.offset = r.offset
        e.size = r.size
        e.crc32c = r.crc32c
        e.slices = slices(i)
        return e
    }

    /// The number of elements of entry `i`, or nil when a dimension is negative or
    /// the product overflows (the caller then reports it through ``Tensor``).
    @inline(__always)
    func elementCount(_ i: Int) -> Int? {
        var n = 1
        for j in dimRange(i) {
            let d = dims[j]
            guard d >= 0 else { return nil }
            let (m, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            n = m
        }
        return n
    }

    private func compareKeys(_ a: Int, _ b: Int) -> Int {
        withKey(a) { x in withKey(b) { y in Block.compare(x, y) } }
    }

    /// The index of `key`'s entry, found by binary search (the last of equal keys).
    func find(_ key: UnsafeRawBufferPointer) -> Int? {
        var low = 0
        var high = records.count
        // The first position whose key is > `key`; the one before it is the match.
        while low < high {
            let mid = (low + high) / 2
            let i = order.map { Int($0[mid]) } ?? mid
            if withKey(i, { Block.compare($0, key) }) <= 0 { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let i = order.map { Int($0[low - 1]) } ?? (low - 1)
        return withKey(i, { Block.compare($0, key) }) == 0 ? i : nil
    }

    /// As ``find(_:)`` for a byte array.
    func find(_ key: [UInt8]) -> Int? { key.withUnsafeBytes { find($0) } }

    /// The approximate bytes this index holds (reported by benchmarks and tests).
    var footprint: Int {
        keyBytes.capacity + keyStarts.capacity * 4 + records.capacity * MemoryLayout<Record>.stride + dims.capacity * 8
    }
}

/// The entries of a decoded V2 index by key bytes: a view into its compact index.
struct BundleEntries {
    let index: CompactBundleIndex?

    /// The entry of `key`, or nil.
    subscript(key: [UInt8]) -> BundleEntry? {
        guard let index, let i = index.find(key) else { return nil }
        return index.entry(i)
    }

    /// The number of entries.
    var count: Int { index?.count ?? 0 }
}
