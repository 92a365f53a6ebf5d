// The index entries a BundleWriter holds until finish, kept in the order they
// were added. While keys arrive in increasing order (a migration, a rename that
// keeps the order) no hash table exists: a new key greater than the last one
// cannot be a duplicate, other keys are found by binary search, and finish writes
// the entries as they are. The first key out of order builds the hash table once,
// and finish then sorts indices, not (key, entry) pairs.

/// Index entries by key, in the order added.
struct BundleWriterEntries {
    /// Keys in the order first added; each key once.
    private var keys: [[UInt8]] = []
    /// Entries at the same positions; nil once taken back.
    private var values: [BundleEntry?] = []
    /// Key → position, built when the first key arrives out of order; nil while
    /// ``keys`` is strictly increasing.
    private var slots: [TableKey: Int]?
    /// Entries present (not taken back).
    private(set) var count = 0
    private var reserved = 0

    /// The position of `key` in ``keys``, if it is there.
    private func position(_ key: [UInt8]) -> Int? {
        if let slots { return slots[TableKey(key)] }
        // Increasing keys: past the last one (the common case) means absent.
        guard let last = keys.last, Block.compare(key, last) <= 0 else { return nil }
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            let c = Block.compare(keys[mid], key)
            if c == 0 { return mid }
            if c < 0 { low = mid + 1 } else { high = mid }
        }
        return nil
    }

    subscript(key: [UInt8]) -> BundleEntry? {
        get { position(key).flatMap { values[$0] } }
        set {
            guard let newValue else {
                if let i = position(key), values[i] != nil {
                    values[i] = nil
                    count -= 1
                }
                return
            }
            _ = replace(key, with: newValue)
        }
    }

    /// Sets the entry of `key` and returns the one it replaced.
    mutating func replace(_ key: [UInt8], with entry: BundleEntry) -> BundleEntry? {
        if let i = position(key) {
            let old = values[i]
            values[i] = entry
            if old == nil { count += 1 }
            return old
        }
        if slots == nil, let last = keys.last, Block.compare(last, key) > 0 {
            // The first key out of order: from now on, look keys up by hash.
            var table: [TableKey: Int] = [:]
            table.reserveCapacity(max(reserved, keys.count + 1))
            for (i, k) in keys.enumerated() { table[TableKey(k)] = i }
            slots = table
        }
        slots?[TableKey(key)] = keys.count
        keys.append(key)
        values.append(entry)
        count += 1
        return nil
    }

    mutating func reserveCapacity(_ n: Int) {
        reserved = n
        slots?.reserveCapacity(n)
        keys.reserveCapacity(n)
        values.reserveCapacity(n)
    }

    /// Calls `body` with every key and entry in bytewise key order.
    func forEachSorted(_ body: ([UInt8], BundleEntry) throws -> Void) rethrows {
        if slots == nil {
            for i in keys.indices { if let v = values[i] { try body(keys[i], v) } }
            return
        }
        var order = keys.indices.filter { values[$0] != nil }
        order.sort { Block.compare(keys[$0], keys[$1]) < 0 }
        for i in order { try body(keys[i], values[i]!) }
    }
}
