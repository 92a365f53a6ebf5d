// The variables `meta from-ckpt` makes for a checkpoint, in flat storage: key and
// op-name bytes in arenas, one integer per variable for the rest. Made from a V2
// checkpoint's compact index without a String per key when every key is its own
// op name, from the listing otherwise.

/// What ``MetaGraphFromCheckpoint`` writes, decided before a byte is written.
struct FromCheckpointPlan {
    /// Where a variable sits in its partitioned tensor (`save_slice_info`).
    struct SliceInfo {
        let fullShape: [Int]
        let offset: [Int]
    }

    /// Checkpoint keys: the bytes of key `k` are `keyBytes[keyStarts[k]..<keyStarts[k + 1]]`.
    private(set) var keyBytes: [UInt8] = []
    private(set) var keyStarts: [UInt32] = [0]
    /// Op names, one per variable, when some differ from their keys (else the keys).
    private var nameBytes: [UInt8]?
    private var nameStarts: [UInt32] = [0]
    /// Per variable: its key, DataType number, first dimension in ``dims``, trainable.
    private(set) var keyOf: [Int32] = []
    private(set) var dtypes: [Int32] = []
    private(set) var dims: [Int] = []
    private(set) var dimStarts: [UInt32] = [0]
    private(set) var trainable: [Bool] = []
    /// The variables of partitioned tensors.
    private(set) var slices: [Int: SliceInfo] = [:]
    /// Variables in saver order (by key bytes, then creation order); nil when that
    /// is creation order.
    private(set) var saved: [Int32]?
    /// Checkpoint keys covered, left out (with the reason) and renamed.
    private(set) var keys = 0
    private(set) var skipped: [(key: String, reason: String)] = []
    private(set) var renamed: [(key: String, name: String)] = []

    /// Number of variables.
    var count: Int { dtypes.count }

    /// The key bytes of variable `v`'s checkpoint key.
    func key(ofVariable v: Int) -> ArraySlice<UInt8> {
        let k = Int(keyOf[v])
        return keyBytes[Int(keyStarts[k])..<Int(keyStarts[k + 1])]
    }

    /// The op name of variable `v`.
    func name(_ v: Int) -> ArraySlice<UInt8> {
        guard let nameBytes else { return key(ofVariable: v) }
        return nameBytes[Int(nameStarts[v])..<Int(nameStarts[v + 1])]
    }

    /// The dimensions of variable `v`.
    func shape(_ v: Int) -> ArraySlice<Int> { dims[Int(dimStarts[v])..<Int(dimStarts[v + 1])] }

    /// The `i`th variable the saver saves.
    func savedVariable(_ i: Int) -> Int { saved.map { Int($0[i]) } ?? i }

    /// The `shape_and_slices` string of SaveV2/RestoreV2: empty for a whole
    /// tensor, else `"FULL DIMS off,len:off,len"` (SaveSliceInfo.spec).
    func spec(_ v: Int) -> String {
        guard let s = slices[v] else { return "" }
        return s.fullShape.map(String.init).joined(separator: " ") + " "
            + zip(s.offset, shape(v)).map { "\($0),\($1)" }.joined(separator: ":")
    }

    /// Why an entry of `dtype` cannot be a variable, or nil when it can.
    private static func unsuitable(_ dtype: DType) -> String? {
        let base = dtype.base
        guard base != .resource, base != .variant, base.rawValue > 0, base.rawValue <= 33 else {
            return "\(dtype) cannot be a variable"
        }
        return nil
    }

    // MARK: - From the compact index

    /// The plan straight from a V2 index: nil unless the index is sound (keys
    /// strictly increasing), has no partitioned tensors, its keys are ASCII and
    /// every key that becomes a variable is a valid op name as it is (then the
    /// names are the keys, no two alike, and the saver's order is the index's).
    init?(index: CompactBundleIndex) {
        guard index.isSorted, !index.hasSlices else { return nil }
        let ascii = index.keyBytes.withUnsafeBufferPointer { b in
            var high: UInt8 = 0
            for byte in b { high |= byte }
            return high < 0x80
        }
        guard ascii else { return nil }
        keyBytes = index.keyBytes
        keyStarts = index.keyStarts
        let n = index.count
        keyOf.reserveCapacity(n)
        dtypes.reserveCapacity(n)
        trainable.reserveCapacity(n)
        dimStarts.reserveCapacity(n + 1)
        dims.reserveCapacity(index.dims.count)
        let objectGraph = Array(ObjectGraph.checkpointKey.utf8)
        for i in 0..<n {
            let dtype = DType(rawValue: index.records[i].dtype)
            let fits = index.withKey(i) { key -> Bool? in
                if key.elementsEqual(objectGraph) { return nil }
                return Self.isOpNameAsItIs(key)
            }
            guard let fits else {
                skipped.append((index.displayKey(i), "the object graph, not a variable"))
                continue
            }
            if let reason = Self.unsuitable(dtype) {
                skipped.append((index.displayKey(i), reason))
                continue
            }
            guard fits else { return nil }
            keyOf.append(Int32(i))
            dtypes.append(dtype.base.rawValue)
            dims.append(contentsOf: index.dims[index.dimRange(i)])
            dimStarts.append(UInt32(dims.count))
            trainable.append(index.withKey(i) { Self.isModelWeight(asciiKey: $0, dtype: dtype) })
            keys += 1
        }
    }

    /// Whether a key is a TensorFlow op name (`[A-Za-z0-9.][A-Za-z0-9_.\-/]*`) that
    /// ``Namer/opName(for:)`` keeps as it is: no trailing `/`, not `save` or `save/…`.
    static func isOpNameAsItIs(_ key: UnsafeRawBufferPointer) -> Bool {
        guard let first = key.first, let last = key.last, last != UInt8(ascii: "/") else { return false }
        func alnum(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
        }
        guard alnum(first) || first == UInt8(ascii: ".") else { return false }
        for c in key where !(alnum(c) || c == 0x2e || c == 0x5f || c == 0x2d || c == 0x2f) { return false }
        let save = Array("save".utf8)
        if key.count >= 4, key.prefix(4).elementsEqual(save), key.count == 4 || key[4] == UInt8(ascii: "/") {
            return false
        }
        return true
    }

    /// Whether an ASCII key names a model weight (``TensorRole/model``): the
    /// variable is trainable.
    private static func isModelWeight(asciiKey key: UnsafeRawBufferPointer, dtype: DType) -> Bool {
        switch dtype.base {
        case .float32, .float64, .float16, .bfloat16: break
        default: return false   // classify gives model only to these dtypes
        }
        return TensorRole.classify(String(decoding: key, as: UTF8.self), dtype: dtype) == .model
    }

    // MARK: - From the listing

    /// The plan from a checkpoint's listing, whatever its format: op names made
    /// unique as ``Namer`` makes them, partitioned tensors split into `part_N`.
    init(entries: [TensorEntry]) {
        var namer = Namer()
        var names: [UInt8] = []
        for e in entries {
            if e.key == ObjectGraph.checkpointKey { skipped.append((e.key, "the object graph, not a variable")); continue }
            if let reason = Self.unsuitable(e.dtype) { skipped.append((e.key, reason)); continue }
            let name = namer.opName(for: e.key)
            if name != e.key { renamed.append((e.key, name)) }
            let k = Int32(keyStarts.count - 1)
            keyBytes.append(contentsOf: e.key.utf8)
            keyStarts.append(UInt32(keyBytes.count))
            let isModel = TensorRole.classify(e.key, dtype: e.dtype) == .model
            func add(_ name: String, _ shape: [Int], _ slice: SliceInfo?) {
                if let slice { slices[count] = slice }
                names.append(contentsOf: name.utf8)
                nameStarts.append(UInt32(names.count))
                keyOf.append(k)
                dtypes.append(e.dtype.base.rawValue)
                dims.append(contentsOf: shape)
                dimStarts.append(UInt32(dims.count))
                trainable.append(isModel)
            }
            if e.slices.count > 1 || (e.slices.count == 1 && !e.slices[0].isFull) {
                let ordered = e.slices.sorted { $0.extents.map(\.start).lexicographicallyPrecedes($1.extents.map(\.start)) }
                for (i, slice) in ordered.enumerated() {
                    let offset = slice.extents.map { Int($0.start) }
                        + [Int](repeating: 0, count: max(0, e.shape.count - slice.extents.count))
                    let shape = e.shape.indices.map { d in
                        d < slice.extents.count ? Int(slice.extents[d].length ?? Int64(e.shape[d])) : e.shape[d]
                    }
                    add("\(name)/part_\(i)", shape, SliceInfo(fullShape: e.shape, offset: offset))
                }
            } else {
                add(name, e.shape, nil)
            }
            keys += 1
        }
        nameBytes = names
        // The saver lists tensors by checkpoint key (bytewise), parts in order.
        let order = (0..<Int32(count)).sorted { a, b in
            let ka = key(ofVariable: Int(a)), kb = key(ofVariable: Int(b))
            if ka.elementsEqual(kb) { return a < b }
            return ka.lexicographicallyPrecedes(kb)
        }
        if order.enumerated().contains(where: { $0.offset != Int($0.element) }) { saved = order }
    }

    /// Op names for keys: TensorFlow's `[A-Za-z0-9.][A-Za-z0-9_.\-/]*`, unique.
    struct Namer {
        private var used: Set<String> = []

        /// An op name for a key: bad characters (per Unicode scalar) become `_`, a
        /// bad first character gets a `v` before it, trailing `/` go, `save` and
        /// `save/…` (the saver's scope) get a `v`, and a name taken before gets `_N`.
        mutating func opName(for key: String) -> String {
            var chars = Array(key.unicodeScalars).map { c -> Character in
                let ok = (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "." || c == "_" || c == "-" || c == "/"
                return ok ? Character(c) : "_"
            }
            if chars.isEmpty || !(chars[0].isLetter || chars[0].isNumber || chars[0] == ".") { chars.insert("v", at: 0) }
            var name = String(chars)
            while name.hasSuffix("/") { name.removeLast() }
            if name == "save" || name.hasPrefix("save/") { name = "v" + name }
            var candidate = name, i = 1
            while used.contains(candidate) { candidate = "\(name)_\(i)"; i += 1 }
            used.insert(candidate)
            return candidate
        }
    }
}
