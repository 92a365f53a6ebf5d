// Places reserved for payloads that are copied later, on other threads: the
// index entry and the data file's layout are fixed now, in the order a serial
// writer would have used, so the bundle comes out byte for byte the same.

/// Where a reserved payload goes: the data file and the offset in it.
struct ReservedPayload {
    /// The entry's key in the index.
    let key: [UInt8]
    /// The data file (being written under its temporary name).
    let file: OutputFile
    /// Where the payload starts in it.
    let offset: Int
    /// How many bytes it takes.
    let count: Int

    /// Writes `bytes` at `position` bytes into the place (from any thread).
    func write(_ bytes: UnsafeRawBufferPointer, at position: Int) throws {
        try file.write(bytes, at: offset + position)
    }
}

extension BundleWriter {
    /// Adds a fixed-size tensor (or one slice of a partitioned one) whose `count`
    /// bytes are known but not written yet: the data file and
    /// offset are chosen as ``addStreaming(name:dtype:shape:_:)`` (or
    /// ``addSliceStreaming(name:dtype:fullShape:slice:_:)``) would choose them at
    /// this point, the index entry is recorded, and the bytes are left for the
    /// caller to write into the returned place, and their CRC32C to give to
    /// ``settle(_:crc:)``, before ``finish()``. If anything fails the caller
    /// abandons the writer.
    ///
    /// - Parameters:
    ///   - name: The key (the whole tensor's name for a slice).
    ///   - dtype: The element type (fixed-size).
    ///   - shape: The whole tensor's shape.
    ///   - slice: The slice, or nil for a tensor stored whole.
    ///   - count: The payload's size; must be what the (slice) shape needs.
    /// - Throws: ``MetaGraphKitError`` as the streaming forms: `invalidArgument`
    ///   for a duplicate, a bad slice or a size that does not match the shape, `io`.
    func reserve(name: String, dtype: DType, shape: [Int], slice: TensorSlice?, count: Int) throws -> ReservedPayload {
        let key: [UInt8]
        var label = name
        var stored = shape
        if let slice, let sliceShape = try sliceKey(name: name, dtype: dtype, fullShape: shape, slice: slice) {
            key = OrderedCode.tensorNameSliceKey(name: name, slice: slice)
            guard !entries.contains(key) else { throw duplicate("slice \(slice) of \(name)") }
            label = "\(name) slice \(slice)"
            stored = sliceShape
        } else {
            key = try plainKey(name)
        }
        guard let size = dtype.elementSize else {
            throw MetaGraphKitError.invalidArgument(prefix, "\(label) has dtype \(dtype); only fixed-size payloads are reserved")
        }
        let expected: Int
        do {
            expected = try Tensor.byteCount(try Tensor.elementCount(stored, file: prefix, key: label), size, file: prefix, key: label)
        } catch let e as MetaGraphKitError {
            throw MetaGraphKitError(.invalidArgument, e.message, file: e.file, key: e.key, cause: e)
        }
        guard count == expected else {
            throw MetaGraphKitError.invalidArgument(prefix, "\(label) got \(count) bytes, its shape \(stored) of \(dtype) needs \(expected)")
        }
        let shard = pickShard(count)
        let file = dataFile(shard)
        let offset = try file.reserve(count)
        var e = BundleEntry(dtype: dtype.base, shape: stored)
        e.shardID = shard
        e.offset = Int64(offset)
        e.size = Int64(count)
        if let slice, stored != shape { appendToContainer(name: name, dtype: dtype, fullShape: shape, slice: slice) }
        set(key, e)
        return ReservedPayload(key: key, file: file, offset: offset, count: count)
    }

    /// Records the CRC32C (unmasked) of the bytes written into a reserved place.
    func settle(_ place: ReservedPayload, crc: UInt32) {
        entries[place.key]?.crc32c = CRC32C.mask(crc)
    }
}
