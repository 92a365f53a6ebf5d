// Writing a rename-only plan from a V2 source straight from its compact index:
// each small payload's bounds, size and CRC are checked on the mapped data file,
// adjacent payloads are written to the destination in one run of up to 2 MiB
// (PayloadRun), and the index entry is recorded without going through the
// listing's String dictionary. Anything else (strings, variants, large payloads,
// damage) goes through the one copy path, in the same order, so the bundle
// written is byte for byte what ``RulePlan/write(from:to:)`` writes.

extension RulePlan {
    /// Writes every planned tensor as ``write(from:to:)`` does, byte for byte, when
    /// the plan only renames and drops (every tensor copied as stored) from a V2
    /// bundle without partitioned tensors whose keys are ASCII, into one data
    /// file; returns false (nothing written) when another path applies.
    ///
    /// - Throws: ``MetaGraphKitError`` as ``write(from:to:)``: `badChecksum` for a
    ///   payload whose CRC32C does not match, the source's damage codes, `io`.
    func writeFromIndex(_ reader: CheckpointReader, to out: RemapOutput, shards: Int) throws -> Bool {
        guard shards == 1, reader.foreign == nil, let bundle = reader.bundle,
              tensors.allSatisfy(\.copiedAsStored) else { return false }
        try bundle.loadIndex()
        // ASCII keys: a listed key's bytes are its UTF-8 (no repaired names).
        guard let index = bundle.compact, !index.hasSlices, !index.keyBytes.contains(where: { $0 >= 0x80 }) else { return false }
        // Plans usually keep the source's order: the record after the last one found
        // is tried before a binary search (in a sorted index, keys are unique).
        var next = 0
        func lookup(_ key: UnsafeRawBufferPointer) -> Int? {
            if index.isSorted, next < index.count, index.withKey(next, { Block.compare($0, key) == 0 }) { return next }
            return index.find(key)
        }
        try IndexCopy.write(reader, bundle, index, to: out, count: tensors.count, key: { tensors[$0].sources[0] }) { n in
            let key = tensors[n].sources[0]
            // Native Strings lend their UTF-8 without a copy.
            let found = key.utf8.withContiguousStorageIfAvailable { lookup(UnsafeRawBufferPointer($0)) }
                ?? Array(key.utf8).withUnsafeBytes { lookup($0) }
            next = (found ?? -1) + 1
            return (found, tensors[n].name)
        }
        return true
    }
}

/// Tensors copied as stored from a V2 bundle's compact index to a remap output.
enum IndexCopy {
    /// Copies `count` tensors to `out` in order, byte for byte as
    /// ``RemapOutput/copy(_:key:as:)`` one by one would: `item(n)` gives tensor n's
    /// index position (nil when the index has no such key) and its new name, and
    /// `key(n)` its source key, asked for only when it goes through that copy path
    /// (strings, variants, large payloads, damage). Payloads go to data file 0.
    ///
    /// - Throws: ``MetaGraphKitError`` as ``RemapOutput/copy(_:key:as:)``: `badChecksum`
    ///   for a payload whose CRC32C does not match (named by the new name), the
    ///   source's damage codes, `invalidArgument` for a name added twice, `io`.
    static func write(_ reader: CheckpointReader, _ bundle: BundleReader, _ index: CompactBundleIndex,
                      to out: RemapOutput, count: Int, key: (Int) -> String,
                      item: (Int) throws -> (position: Int?, name: String)) throws {
        let writer = out.writer
        let file = writer.dataFile(0)
        var mapped = [MappedFile?](repeating: nil, count: bundle.header.numShards)
        for id in mapped.indices { mapped[id] = try? bundle.shard(id) }
        let largest = Int(CheckpointCopier.kernelCopyThreshold)
        var run = PayloadRun()
        func write(_ bytes: UnsafeRawBufferPointer) throws { try file.write(bytes) }
        for n in 0..<count {
            let (found, name) = try item(n)
            guard let i = found else {
                try run.flush(write)
                try out.copy(reader, key: key(n), as: name)
                continue
            }
            let r = index.records[i]
            let dtype = DType(rawValue: r.dtype)
            let shard = Int(r.shard)
            guard let elementSize = dtype.elementSize, r.size < Int64(largest),
                  r.shard >= 0, shard < mapped.count, let source = mapped[shard],
                  r.offset >= 0, r.size >= 0, r.offset <= Int64(source.count), r.size <= Int64(source.count) - r.offset,
                  let elements = index.elementCount(i), case let (expected, false) = elements.multipliedReportingOverflow(by: elementSize),
                  Int64(expected) == r.size else {
                // Strings, variants, large payloads and damage: the one copy path
                // (which throws its precise error for damage).
                try run.flush(write)
                try out.copy(reader, key: key(n), as: name)
                continue
            }
            let start = Int(r.offset), size = Int(r.size)
            let payload = UnsafeRawBufferPointer(rebasing: source.bytes[start..<(start + size)])
            // In the order of the one copy path: bounds and size, duplicate, CRC.
            let plain = try writer.plainKey(name)
            guard CRC32C.mask(CRC32C.checksum(payload)) == r.crc32c else {
                // Named by the written name, as the one copy path names it.
                throw bundle.checksumError(bundle.dataFileName(shard), name, index.entry(i))
            }
            _ = writer.pickShard(size)
            var e = BundleEntry(dtype: dtype.base, shape: index.shape(i))
            e.shardID = 0
            e.offset = Int64(file.offset + run.pending)
            e.size = r.size
            e.crc32c = r.crc32c
            writer.set(plain, e)
            try run.add(source, offset: start, size: size, write: write)
            out.counted(pending: run.pending)
        }
        try run.flush(write)
    }
}
