// A table key as a dictionary key: bytes hashed in one call, not byte by byte.

/// Key bytes, hashable quickly (`[UInt8]` hashes element by element, which
/// dominated opening an index of thousands of keys).
struct TableKey: Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

/// A dictionary keyed by table keys, subscripted with plain bytes.
struct TableKeyDictionary<Value> {
    private var storage: [TableKey: Value] = [:]

    subscript(key: [UInt8]) -> Value? {
        get { storage[TableKey(key)] }
        set { storage[TableKey(key)] = newValue }
    }

    mutating func reserveCapacity(_ n: Int) { storage.reserveCapacity(n) }

    /// The number of keys.
    var count: Int { storage.count }

    /// Every key and value, in no particular order.
    var pairs: [(key: [UInt8], value: Value)] { storage.map { ($0.key.bytes, $0.value) } }
}
