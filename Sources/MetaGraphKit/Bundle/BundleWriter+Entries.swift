// The index entries a BundleWriter holds until finish: looked up by key (for
// duplicates and slice containers), kept in the order they were added, so that
// finish writes them without sorting when they came in key order already (a
// migration, a rename that keeps the order), and sorts indices, not pairs, otherwise.

/// Index entries by key, in the order added.
struct BundleWriterEntries {
    /// Key → position in ``keys``/``values``.
    private var slots: [TableKey: Int] = [:]
    /// Keys in the order first added.
    private var keys: [[UInt8]] = []
    /// Entries at the same positions; nil once taken back.
    private var values: [BundleEntry?] = []
    /// Whether ``keys`` (live or not) are strictly increasing in table order.
    private var increasing = true

    subscript(key: [UInt8]) -> BundleEntry? {
        get { slots[TableKey(key)].flatMap { values[$0] } }
        set {
            guard let newValue else {
                if let i = slots.removeValue(forKey: TableKey(key)) { values[i] = nil }
                return
            }
            _ = replace(key, with: newValue)
        }
    }

    /// Sets the entry of `key` with one hash lookup, and returns the one it replaced.
    mutating func replace(_ key: [UInt8], with entry: BundleEntry) -> BundleEntry? {
        let fresh = keys.count
        var slot = fresh
        Self.read(&slots[TableKey(key), default: fresh]) { slot = $0 }
        if slot != fresh {
            defer { values[slot] = entry }
            return values[slot]
        }
        if increasing, let last = keys.last, Block.compare(last, key) >= 0 { increasing = false }
        keys.append(key)
        values.append(entry)
        return nil
    }

    /// Reads an `inout` value: through `dictionary[key, default:]` that is one lookup,
    /// which stores the default when the key is new.
    private static func read(_ value: inout Int, _ body: (Int) -> Void) { body(value) }

    mutating func reserveCapacity(_ n: Int) {
        slots.reserveCapacity(n)
        keys.reserveCapacity(n)
        values.reserveCapacity(n)
    }

    /// The number of keys.
    var count: Int { slots.count }

    /// Calls `body` with every key and entry in bytewise key order.
    func forEachSorted(_ body: ([UInt8], BundleEntry) throws -> Void) rethrows {
        if increasing {
            for i in keys.indices { if let v = values[i] { try body(keys[i], v) } }
            return
        }
        var order = keys.indices.filter { values[$0] != nil }
        order.sort { Block.compare(keys[$0], keys[$1]) < 0 }
        for i in order { try body(keys[i], values[i]!) }
    }
}
