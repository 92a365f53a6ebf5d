// Where the listed V2 tensors' bytes lie in the mapped data files, and their
// checks done many at a time, for a binding that hands out views of the mapping
// without one call per tensor (the Python binding reading thousands of small
// tensors). The checks are exactly those of ``CheckpointReader/lendTensorBytes``
// (BundleReader.withPayload): shard, bounds, size against shape, CRC.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CheckpointReader {
    /// Per listed entry (``entries`` order), where a V2 tensor stored whole with a
    /// fixed-size dtype lies: its data file, offset and size as the index says
    /// them (not yet checked: ``checkPayloads(_:_:into:)`` does that).
    package final class PayloadTable {
        /// The data file of entry i, or -1 when it is not such a tensor (sliced,
        /// strings, variant, V1, another framework's format): read it the usual way.
        package let shards: [Int32]
        /// The payload's offset in its data file (0 where `shards[i]` is -1).
        package let offsets: [Int64]
        /// The payload's size in bytes (0 where `shards[i]` is -1).
        package let sizes: [Int64]
        fileprivate let bundleEntries: [BundleEntry?]
        /// The compact index whose entry i is row i, when the table was made from
        /// it (``bundleEntries`` is then empty): no BundleEntry per key.
        fileprivate let index: CompactBundleIndex?

        /// The table of every entry of `index` (a listing with no hidden keys).
        init(_ index: CompactBundleIndex) {
            self.index = index
            bundleEntries = []
            let n = index.count
            var shards = [Int32](repeating: -1, count: n)
            var offsets = [Int64](repeating: 0, count: n)
            var sizes = [Int64](repeating: 0, count: n)
            for i in 0..<n {
                let r = index.records[i]
                guard DType(rawValue: r.dtype).elementSize != nil else { continue }
                shards[i] = max(-1, r.shard)
                offsets[i] = r.offset
                sizes[i] = r.size
            }
            self.shards = shards
            self.offsets = offsets
            self.sizes = sizes
        }

        fileprivate init(_ entries: [BundleEntry?]) {
            index = nil
            bundleEntries = entries
            shards = entries.map { e in
                guard let e, e.shardID >= 0, e.shardID <= Int(Int32.max) else { return -1 }
                return Int32(e.shardID)
            }
            offsets = entries.map { $0?.offset ?? 0 }
            sizes = entries.map { $0?.size ?? 0 }
        }
    }

    /// The payload table of the listing (decoding a lazily opened index first).
    ///
    /// - Returns: One row per entry of ``entries``.
    /// - Throws: as ``loadEntries()``.
    package func payloadTable() throws -> PayloadTable {
        let entries = try loadEntries()
        guard let bundle else { return PayloadTable(Array(repeating: nil, count: entries.count)) }
        // The listing is the index's entries in index order with the hidden slice
        // keys left out: with none hidden, entry i is the index's entry i (checked
        // key by key, so a listing made otherwise falls back to lookups).
        let keys = bundle.keys, values = bundle.values
        let aligned = keys.count == entries.count && values.count == entries.count
        var out: [BundleEntry?] = []
        out.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() {
            guard e.slices.isEmpty, e.dtype.elementSize != nil else {
                out.append(nil)
                continue
            }
            let b: BundleEntry?
            if aligned, Self.sameBytes(e.key, keys[i]) {
                b = values[i]
            } else if let bytes = keyBytes(e.key) {
                b = try bundle.entry(bytes)
            } else {
                b = nil
            }
            guard let b, b.slices.isEmpty, b.dtype == e.dtype, b.shape == e.shape else {
                out.append(nil)
                continue
            }
            out.append(b)
        }
        return PayloadTable(out)
    }

    /// Whether `key`'s UTF-8 is `bytes` (memcmp; the generic elementsEqual walked
    /// both a byte at a time).
    private static func sameBytes(_ key: String, _ bytes: [UInt8]) -> Bool {
        var key = key
        return key.withUTF8 { u in
            u.count == bytes.count && bytes.withUnsafeBytes { b in
                u.isEmpty || memcmp(u.baseAddress!, b.baseAddress!, u.count) == 0
            }
        }
    }

    /// Checks the payloads of entries `range` of `table` as reading each one would
    /// (BundleReader.withPayload: shard, bounds, size against shape, CRC) and maps
    /// their data files.
    ///
    /// - Parameters:
    ///   - table: From ``payloadTable()`` of this reader.
    ///   - range: Entry indices (clamped to the table).
    ///   - ok: Receives, for each index of `range` in order, 1 when the bytes at
    ///     `shards/offsets/sizes` are the checked tensor (what ``lendTensorBytes(_:checkCRC:)``
    ///     would lend), 0 otherwise (read that entry the usual way to get its error).
    package func checkPayloads(_ table: PayloadTable, _ range: Range<Int>, into ok: UnsafeMutablePointer<UInt8>) {
        if let index = table.index {
            checkPayloads(index, range, into: ok)
            return
        }
        let all = table.bundleEntries
        var file: MappedFile? = nil
        var fileID = -1
        for (n, i) in range.enumerated() {
            ok[n] = 0
            guard i >= 0, i < all.count, let bundle, let e = all[i], let size = e.dtype.elementSize,
                  e.shardID >= 0, e.shardID < bundle.header.numShards else { continue }
            if fileID != e.shardID {
                file = try? bundle.shard(e.shardID)
                fileID = e.shardID
            }
            guard let file, e.offset >= 0, e.size >= 0, e.offset <= Int64(file.count),
                  e.size <= Int64(file.count) - e.offset else { continue }
            // The element count and byte count, as Tensor.elementCount/byteCount
            // (any negative dimension or overflow: not servable).
            var count = 1
            var valid = true
            for d in e.shape {
                let (m, overflow) = count.multipliedReportingOverflow(by: d)
                if d < 0 || overflow { valid = false; break }
                count = m
            }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
            guard valid, !overflow, Int64(bytes) == e.size else { continue }
            let payload = UnsafeRawBufferPointer(rebasing: file.bytes[Int(e.offset)..<Int(e.offset + e.size)])
            if CRC32C.mask(CRC32C.checksum(payload)) == e.crc32c { ok[n] = 1 }
        }
    }

    /// ``checkPayloads(_:_:into:)`` for a table made from the compact index: the
    /// same checks read from its records.
    private func checkPayloads(_ index: CompactBundleIndex, _ range: Range<Int>, into ok: UnsafeMutablePointer<UInt8>) {
        var file: MappedFile? = nil
        var fileID = -1
        for (n, i) in range.enumerated() {
            ok[n] = 0
            guard i >= 0, i < index.count, let bundle else { continue }
            let r = index.records[i]
            guard let size = DType(rawValue: r.dtype).elementSize, r.shard >= 0, Int(r.shard) < bundle.header.numShards else { continue }
            if fileID != Int(r.shard) {
                file = try? bundle.shard(Int(r.shard))
                fileID = Int(r.shard)
            }
            guard let file, r.offset >= 0, r.size >= 0, r.offset <= Int64(file.count),
                  r.size <= Int64(file.count) - r.offset, let count = index.elementCount(i) else { continue }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, Int64(bytes) == r.size else { continue }
            let payload = UnsafeRawBufferPointer(rebasing: file.bytes[Int(r.offset)..<Int(r.offset + r.size)])
            if CRC32C.mask(CRC32C.checksum(payload)) == r.crc32c { ok[n] = 1 }
        }
    }

    /// The bytes of V2 data file `shard`, mapped (read-only) for as long as this
    /// reader lives.
    ///
    /// - Parameter shard: A data file number below the header's count.
    /// - Returns: The whole mapped file.
    /// - Throws: ``MetaGraphKitError`` when it is out of range or cannot be mapped.
    package func lendDataFile(_ shard: Int) throws -> UnsafeRawBufferPointer {
        guard let bundle else {
            throw MetaGraphKitError(.invalidArgument, "\(prefix): a \(formatName) checkpoint has no data files to map", file: prefix)
        }
        guard shard >= 0, shard < bundle.header.numShards else {
            throw MetaGraphKitError(.invalidArgument, "\(prefix): no data file \(shard) (the bundle has \(bundle.header.numShards))", file: prefix)
        }
        return try bundle.shard(shard).bytes
    }
}

extension CheckpointReader {
    /// One tensor for a binding that has not listed the checkpoint: its entry and,
    /// for a fixed-size dtype, its bytes as ``lendTensorBytes(_:checkCRC:)`` lends
    /// them (one index lookup, whatever the number of keys, for a lazy V2 reader).
    ///
    /// - Parameters:
    ///   - key: The tensor's name.
    ///   - checkCRC: As ``lendTensorBytes(_:checkCRC:)``.
    /// - Returns: The entry (dtype, full shape) and the bytes, nil for a string
    ///   tensor (read its strings with ``tensor(_:)``).
    /// - Throws: as ``lendTensorBytes(_:checkCRC:)``.
    package func lendTensor(_ key: String, checkCRC: Bool = true) throws -> (entry: TensorEntry, bytes: LentBytes?) {
        guard let keyBytes = try lookupKeyBytes(key) else {
            throw MetaGraphKitError.noTensor(prefix, key: key)
        }
        let entry: TensorEntry
        if let bundle {
            guard let e = try bundle.entry(keyBytes) else { throw MetaGraphKitError.noTensor(prefix, key: key) }
            entry = TensorEntry(key: key, dtype: e.dtype, shape: e.shape, slices: e.slices)
            if e.slices.isEmpty, e.dtype.elementSize != nil {
                let lent = try bundle.withPayload(e, key: key, checkCRC: checkCRC, releasePages: false) { $0 }
                return (entry, .mapped(lent))
            }
        } else {
            guard let e = self.entry(key) else { throw MetaGraphKitError.noTensor(prefix, key: key) }
            entry = e
        }
        if entry.dtype == .string { return (entry, nil) }
        return (entry, try lendTensorBytes(key, checkCRC: checkCRC))
    }
}
