// What `ckpt diff` and `ckpt stats` need from a V2 bundle's compact index to work
// without a listing: which checkpoints qualify, a key's role from its bytes, and
// a tensor's checked bytes straight from the mapped data file.

/// The payloads of a V2 bundle read from its compact index: one record per key,
/// no String, TensorEntry or dictionary lookup per key.
struct IndexPayloads {
    let bundle: BundleReader
    let index: CompactBundleIndex
    /// The mapped data files by id (nil where one cannot be opened: its tensors
    /// go through the general path, which gives the error).
    let files: [MappedFile?]

    /// The compact index of `reader` when every key can be served from it the way
    /// the listing would serve it: a decoded V2 index, keys strictly increasing,
    /// no partitioned tensors (their slice keys are hidden from the listing) and
    /// every key ASCII (so its listed name is its bytes and ``String/count`` is
    /// its byte count).
    init?(_ reader: CheckpointReader) {
        guard let bundle = reader.bundle, reader.foreign == nil, let index = bundle.compact,
              index.isSorted, !index.hasSlices else { return nil }
        let ascii = index.keyBytes.withUnsafeBufferPointer { k in
            var bits: UInt8 = 0
            for b in k { bits |= b }
            return bits < 0x80
        }
        guard ascii else { return nil }
        self.bundle = bundle
        self.index = index
        files = (0..<bundle.header.numShards).map { try? bundle.shard($0) }
        // Decoded: the index's pages go back (the page cache keeps them).
        bundle.table.file.releaseResidentPages()
    }

    /// Gives back the pages of the payloads read so far, once they add up to a
    /// few MiB: a pass over every tensor keeps its memory flat (the page cache
    /// keeps the file). Call with each entry read, in index order.
    struct PageRelease {
        private var shard = -1, start = 0, end = 0

        mutating func read(_ payloads: IndexPayloads, _ i: Int) {
            let r = payloads.index.records[i]
            guard r.shard >= 0, Int(r.shard) < payloads.files.count, payloads.files[Int(r.shard)] != nil,
                  r.offset >= 0, r.size >= 0 else { return }
            let s = Int(r.offset), e = Int(clamping: r.offset &+ r.size)
            if Int(r.shard) != shard {
                flush(payloads)
                shard = Int(r.shard); start = s; end = e
            } else {
                start = Swift.min(start, s); end = Swift.max(end, e)
            }
            if end - start >= 4 << 20 { flush(payloads) }
        }

        mutating func flush(_ payloads: IndexPayloads) {
            defer { shard = -1 }
            guard shard >= 0, let f = payloads.files[shard], end > start else { return }
            let lo = Swift.min(start, f.count), hi = Swift.min(end, f.count)
            if hi > lo { f.releaseResidentPages(UnsafeRawBufferPointer(rebasing: f.bytes[lo..<hi])) }
        }
    }

    /// The bytes of fixed-size tensor `i` when reading it would lend exactly them
    /// (shard, bounds, size against shape, CRC all right), else nil: read it the
    /// general way for its error or its strings.
    @inline(__always)
    func payload(_ i: Int) -> (bytes: UnsafeRawBufferPointer, count: Int)? {
        let r = index.records[i]
        guard let elementSize = DType(rawValue: r.dtype).elementSize, r.shard >= 0, Int(r.shard) < files.count,
              let file = files[Int(r.shard)], r.offset >= 0, r.size >= 0, r.offset <= Int64(file.count),
              r.size <= Int64(file.count) - r.offset, let count = index.elementCount(i) else { return nil }
        let (expected, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow, Int64(expected) == r.size else { return nil }
        let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[Int(r.offset)..<Int(r.offset + r.size)])
        guard CRC32C.mask(CRC32C.checksum(bytes)) == r.crc32c else { return nil }
        return (bytes, count)
    }

    /// Entry `i` as the listing has it.
    func entry(_ i: Int) -> TensorEntry {
        TensorEntry(key: index.displayKey(i), dtype: DType(rawValue: index.records[i].dtype), shape: index.shape(i), slices: [])
    }
}

extension TensorRole {
    private static let counterBytes = counterNames.map { Array($0.utf8) }
    private static let slotBytes = slotSuffixes.map { Array($0.utf8) }

    /// ``classify(_:dtype:)`` of an ASCII key given as bytes, without a String:
    /// the same tests byte by byte (for ASCII, Character and byte comparisons agree,
    /// and only 0-9 are numbers).
    static func classify(asciiKey key: UnsafeRawBufferPointer, dtype: DType) -> TensorRole {
        let k = UnsafeBufferPointer(start: key.baseAddress?.assumingMemoryBound(to: UInt8.self), count: key.count)
        func equal(_ a: Slice<UnsafeBufferPointer<UInt8>>, _ b: [UInt8]) -> Bool { a.elementsEqual(b) }
        func find(_ hay: Slice<UnsafeBufferPointer<UInt8>>, _ needle: StaticString) -> Int? {
            let n = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
            guard hay.count >= n.count else { return nil }
            var i = hay.startIndex
            while i + n.count <= hay.endIndex {
                if hay[i] == n[0], hay[i..<(i + n.count)].elementsEqual(n) { return i }
                i += 1
            }
            return nil
        }
        if equal(k[...], Array("_CHECKPOINTABLE_OBJECT_GRAPH".utf8)) { return .other }
        var path = k[...]
        if let r = find(path, "/.ATTRIBUTES/") { path = k[..<r] }
        // split(separator: "/"), empty parts left out.
        var parts: [Range<Int>] = []
        var start = path.startIndex
        for i in path.indices where path[i] == UInt8(ascii: "/") {
            if i > start { parts.append(start..<i) }
            start = i + 1
        }
        if path.endIndex > start { parts.append(start..<path.endIndex) }
        let last = parts.last.map { k[$0] } ?? k[0..<0]
        if counterBytes.contains(where: { equal(last, $0) }) { return .counter }
        if find(path, "ExponentialMovingAverage") != nil { return .ema }
        if find(path, ".OPTIMIZER_SLOT") != nil || (parts.first.map { equal(k[$0], Array("optimizer".utf8)) } ?? false) { return .optimizer }
        var stem = last
        if let u = last.lastIndex(of: UInt8(ascii: "_")), u + 1 < last.endIndex,
           last[(u + 1)...].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { stem = last[..<u] }
        func isSlot(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> Bool { slotBytes.contains(where: { equal(s, $0) }) }
        if parts.count > 1, isSlot(stem) || isSlot(last) { return .optimizer }
        if parts.count > 2, let i = parts.lastIndex(where: { isSlot(k[$0]) }), i + 1 < parts.count,
           k[parts[i + 1]].starts(with: Array("part_".utf8)) { return .optimizer }
        switch dtype.base {
        case .float32, .float64, .float16, .bfloat16: return .model
        default: return .other
        }
    }
}
