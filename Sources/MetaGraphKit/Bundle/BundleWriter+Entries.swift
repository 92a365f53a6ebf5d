// The index entries a BundleWriter holds until finish, kept in the order they
// were added, in flat storage: one arena of key bytes, one arena of encoded
// BundleEntryProto bytes (what finish writes), and a 24-byte record per entry,
// so 100,000 entries cost a few MB and no allocation each. While keys arrive in
// increasing order (a migration, a rename that keeps the order) no hash table
// exists: a new key greater than the last one cannot be a duplicate, other keys
// are found by binary search, and finish writes the entries as they are. The
// first key out of order builds an open-addressing table of positions once, and
// finish then sorts positions.
//
// An entry is encoded when it is set (BundleEntryEncoder, the bytes finish
// writes) and decoded only when read back (BundleEntry.plain, which reads every
// entry the encoder writes for a plain tensor). Entries that one cannot read
// back exactly (partitioned containers with slices, negative numbers) are kept
// decoded beside the arenas and encoded at finish.

/// Index entries by key, in the order added.
struct BundleWriterEntries {
    /// One entry: where its key and encoded value are in the arenas.
    private struct Record {
        var keyStart: Int
        var valueStart: Int
        var keyCount: Int32
        /// Bytes of the encoded value; ``kept`` when the entry is in ``kept``;
        /// ``absent`` once taken back.
        var valueCount: Int32

        static let kept: Int32 = -1
        static let absent: Int32 = -2
    }

    private var keyBytes: [UInt8] = []
    private var valueBytes: [UInt8] = []
    private var records: [Record] = []
    /// Entries stored decoded (see the file comment), by position.
    private var kept: [Int: BundleEntry] = [:]
    /// Open addressing: position + 1 per slot, 0 for empty; nil while the keys
    /// are strictly increasing.
    private var slots: [Int32]?
    private var encoder = BundleEntryEncoder()
    /// Entries present (not taken back).
    private(set) var count = 0
    private var reserved = 0

    // MARK: Keys

    private func withKey<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let r = records[i]
        return try keyBytes.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[r.keyStart..<(r.keyStart + Int(r.keyCount))]))
        }
    }

    private static func hash(_ key: UnsafeRawBufferPointer) -> Int {
        var h = Hasher()
        h.combine(bytes: key)
        return h.finalize()
    }

    /// The slot of `key` in `table`: where it is, or the empty slot it would take.
    private func slot(of key: UnsafeRawBufferPointer, in table: [Int32]) -> Int {
        let mask = table.count - 1
        var s = Self.hash(key) & mask
        while table[s] != 0 {
            if withKey(Int(table[s]) - 1, { Block.compare($0, key) == 0 }) { return s }
            s = (s + 1) & mask
        }
        return s
    }

    /// Builds the table for `capacity` keys (kept at most half full).
    private mutating func rehash(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        var table = [Int32](repeating: 0, count: size)
        for i in records.indices {
            let s = withKey(i) { slot(of: $0, in: table) }
            table[s] = Int32(i + 1)
        }
        slots = table
    }

    /// The position of `key` in ``records``, if it is there.
    private func position(_ key: UnsafeRawBufferPointer) -> Int? {
        if let slots {
            let s = slot(of: key, in: slots)
            return slots[s] == 0 ? nil : Int(slots[s]) - 1
        }
        // Increasing keys: past the last one (the common case) means absent.
        guard !records.isEmpty, withKey(records.count - 1, { Block.compare(key, $0) <= 0 }) else { return nil }
        var low = 0, high = records.count
        while low < high {
            let mid = (low + high) / 2
            let c = withKey(mid) { Block.compare($0, key) }
            if c == 0 { return mid }
            if c < 0 { low = mid + 1 } else { high = mid }
        }
        return nil
    }

    // MARK: Values

    /// Whether `e` reads back exactly through ``BundleEntry/plain(_:)`` once encoded.
    private static func encodable(_ e: BundleEntry) -> Bool {
        e.slices.isEmpty && e.dtype.rawValue >= 0 && e.shardID >= 0 && e.shardID <= Int(Int32.max)
            && e.offset >= 0 && e.size >= 0 && e.shape.allSatisfy { $0 >= 0 }
    }

    private func value(_ i: Int) -> BundleEntry? {
        let r = records[i]
        switch r.valueCount {
        case Record.absent: return nil
        case Record.kept: return kept[i]
        default:
            return valueBytes.withUnsafeBytes {
                BundleEntry.plain(UnsafeRawBufferPointer(rebasing: $0[r.valueStart..<(r.valueStart + Int(r.valueCount))]))
            }
        }
    }

    private mutating func store(_ entry: BundleEntry, at i: Int) {
        if Self.encodable(entry) {
            kept[i] = nil
            encoder.encode(entry)
            records[i].valueStart = valueBytes.count
            records[i].valueCount = Int32(encoder.bytes.count)
            valueBytes.append(contentsOf: encoder.bytes)
        } else {
            kept[i] = entry
            records[i].valueCount = Record.kept
        }
    }

    // MARK: Access

    /// Whether `key` has an entry.
    func contains(_ key: [UInt8]) -> Bool {
        key.withUnsafeBytes { raw in position(raw).map { records[$0].valueCount != Record.absent } ?? false }
    }

    subscript(key: [UInt8]) -> BundleEntry? {
        get { key.withUnsafeBytes { raw in position(raw).flatMap { value($0) } } }
        set {
            guard let newValue else {
                if let i = key.withUnsafeBytes({ position($0) }), records[i].valueCount != Record.absent {
                    records[i].valueCount = Record.absent
                    kept[i] = nil
                    count -= 1
                }
                return
            }
            _ = replace(key, with: newValue)
        }
    }

    /// Sets the entry of `key` and returns the one it replaced.
    mutating func replace(_ key: [UInt8], with entry: BundleEntry) -> BundleEntry? {
        if let i = key.withUnsafeBytes({ position($0) }) {
            let old = value(i)
            store(entry, at: i)
            if old == nil { count += 1 }
            return old
        }
        let outOfOrder = slots == nil && !records.isEmpty
            && key.withUnsafeBytes { raw in withKey(records.count - 1) { Block.compare($0, raw) > 0 } }
        records.append(Record(keyStart: keyBytes.count, valueStart: 0, keyCount: Int32(key.count), valueCount: Record.absent))
        keyBytes.append(contentsOf: key)
        store(entry, at: records.count - 1)
        count += 1
        if outOfOrder {
            // The first key out of order: from now on, look keys up by hash.
            rehash(capacity: max(reserved, records.count))
        } else if var table = slots {
            if 2 * records.count > table.count {
                rehash(capacity: records.count)
            } else {
                slots = nil  // one reference: the write below does not copy
                let s = key.withUnsafeBytes { slot(of: $0, in: table) }
                table[s] = Int32(records.count)
                slots = table
            }
        }
        return nil
    }

    mutating func reserveCapacity(_ n: Int) {
        reserved = n
        records.reserveCapacity(n)
    }

    // MARK: Finish

    /// Positions of the entries present, in bytewise key order.
    private func sortedPositions() -> [Int] {
        var order = records.indices.filter { records[$0].valueCount != Record.absent }
        if slots != nil {
            keyBytes.withUnsafeBytes { all in
                func key(_ i: Int) -> UnsafeRawBufferPointer {
                    let r = records[i]
                    return UnsafeRawBufferPointer(rebasing: all[r.keyStart..<(r.keyStart + Int(r.keyCount))])
                }
                order.sort { Block.compare(key($0), key($1)) < 0 }
            }
        }
        return order
    }

    /// Calls `body` with every key and its encoded `BundleEntryProto`, in bytewise
    /// key order: the bytes the index holds.
    func forEachSortedEncoded(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) rethrows {
        var scratch = BundleEntryEncoder()
        try keyBytes.withUnsafeBytes { keys in
            try valueBytes.withUnsafeBytes { values in
                for i in sortedPositions() {
                    let r = records[i]
                    let key = UnsafeRawBufferPointer(rebasing: keys[r.keyStart..<(r.keyStart + Int(r.keyCount))])
                    if r.valueCount == Record.kept {
                        scratch.encode(kept[i]!)
                        try scratch.bytes.withUnsafeBytes { try body(key, $0) }
                    } else {
                        try body(key, UnsafeRawBufferPointer(rebasing: values[r.valueStart..<(r.valueStart + Int(r.valueCount))]))
                    }
                }
            }
        }
    }

    /// Calls `body` with every key and entry in bytewise key order.
    func forEachSorted(_ body: ([UInt8], BundleEntry) throws -> Void) rethrows {
        for i in sortedPositions() { try body(withKey(i) { Array($0) }, value(i)!) }
    }
}
