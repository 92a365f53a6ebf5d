// The one copy path for checkpoints (REVIEW §6.10): migrate copies every tensor of
// a checkpoint, remap copies chosen tensors under new names; both go through here.
// V2 payloads are copied verbatim with their checksums re-checked (large ones by
// pread/write or by the kernel, never mapped), slices kept, V1 slices streamed when
// their bytes already are the bundle's and decoded otherwise.
import Dispatch
import Glibc

/// Copies tensors from a reader into a writer, one at a time: the one copy path of
/// ``Migration`` (whole checkpoints) and ``CheckpointRemap`` (tensor by tensor,
/// under new names).
final class CheckpointCopier {
    let writer: BundleWriter
    let options: Migration.Options
    var tensors = 0
    var slices = 0
    var skipped: [Migration.SkippedTensor] = []
    private var done = 0
    /// Parallel copying (``Migration/Options/jobs`` above 1): fixed-size payloads
    /// of at least this many bytes get their place in the destination now and are
    /// copied afterwards on `jobs` threads (CheckpointCopier+Parallel.swift); nil:
    /// every payload is written in turn.
    var deferring: (jobs: Int, minimumSize: Int)?
    /// The copies waiting for ``planned(_:)`` to run them.
    var deferred: [DeferredCopy] = []
    /// The index of the tensor being copied (for the deferred copies it leaves).
    var current = 0

    init(writer: BundleWriter, options: Migration.Options) {
        self.writer = writer
        self.options = options
    }

    /// Payload bytes written since the source mappings' pages were last released.
    private var unreleased = 0
    /// How many bytes may pass before the source pages are released: releasing
    /// after every tensor cost a madvise, and faulting the same pages in again,
    /// for each of thousands of small tensors.
    static let releaseEvery = 16 << 20

    /// Releases the resident pages of the source mappings once ``releaseEvery``
    /// bytes have been written since the last time (memory stays flat).
    private func releaseSourcePages(_ files: () -> [MappedFile]) {
        let written = writer.bytesWritten
        guard written - unreleased >= Self.releaseEvery else { return }
        unreleased = written
        for file in files() { file.releaseResidentPages() }
    }

    /// Runs one tensor's copy as a writer transaction; damage is skipped when asked.
    private func tensor(_ name: String, total: Int, release: [MappedFile], _ body: () throws -> Int) throws {
        current = done
        defer {
            releaseSourcePages { release }
            done += 1
            options.progress?(done, total, writer.bytesWritten)
        }
        do {
            var sliceCount = 0
            try writer.transaction { sliceCount = try body() }
            tensors += 1
            slices += sliceCount
        } catch let e as MetaGraphKitError where options.skipDamaged && Self.isDamage(e) {
            skipped.append(.init(name: name, reason: e.message))
        }
    }

    /// Payloads at least this large are not read through the mapping: they are
    /// copied with pread/write (CRC computed on the way) or by the kernel.
    static let kernelCopyThreshold: Int64 = 1 << 20

    static func isDamage(_ e: MetaGraphKitError) -> Bool {
        [.badChecksum, .corrupt, .truncated, .notAProtobuf].contains(e.code)
    }

    // MARK: V1

    func copyV1(_ reader: TensorSliceReader) throws {
        try planned { try planV1(reader) }
    }

    private func planV1(_ reader: TensorSliceReader) throws {
        let names = reader.items.keys.sorted()
        let files = reader.tables.map(\.file)
        let unit = options.sourceShard
        for name in names {
            let item = reader.items[name]!
            // With --source-shard, only the slices stored in that file of the pattern.
            let stored = unit.map { u in item.slices.filter { $0.file == u } } ?? item.slices
            if stored.isEmpty && unit != nil { continue }
            try tensor(name, total: names.count, release: files) {
                guard item.dtype == .string || item.dtype.elementSize != nil else {
                    throw MetaGraphKitError.unsupported(reader.pattern, "\(name) has dtype \(item.dtype), which V2 bundles cannot hold")
                }
                let partitioned = !(item.slices.count == 1
                    && (try? item.slices[0].slice.shape(in: item.shape, file: "", key: "")) == item.shape)
                if options.mergeSlices && partitioned {
                    try writer.add(reader.tensor(name), name: name)
                    return 0
                }
                for (slice, file) in stored {
                    try copyV1Slice(reader, item, slice, file: file)
                }
                return partitioned ? stored.count : 0
            }
        }
    }

    /// Open descriptors of source files, for copying large payloads with pread.
    private var descriptors = SourceDescriptors()

    func sourceDescriptor(_ file: MappedFile) throws -> Int32 { try descriptors.descriptor(file.path) }

    /// Copies one stored V1 slice. Packed float/double/complex values and
    /// `tensor_content` already are the bundle's bytes and are streamed from the
    /// mapped file; other types go through the TensorProto decoder.
    private func copyV1Slice(_ reader: TensorSliceReader, _ item: TensorSliceReader.Item, _ slice: TensorSlice, file index: Int) throws {
        let table = reader.tables[index]
        let key = OrderedCode.tensorNameSliceKey(name: item.name, slice: slice)
        let sliceShape = try slice.shape(in: item.shape, file: table.name, key: item.name)
        let count = try Tensor.elementCount(sliceShape, file: table.name, key: item.name)
        if try copyLargeV1Payload(reader, item, slice: slice, file: index) { return }
        let direct: Bool = try table.withValue(forKey: key) { value in
            guard let value else {
                throw MetaGraphKitError.sliceNotStored(table.name, key: item.name, slice: slice)
            }
            guard let size = item.dtype.elementSize, let payload = try TensorSliceReader.rawValues(value, dtype: item.dtype, count: count, size: size, file: table.name, key: item.name)
            else { return false }
            try writer.addSliceStreaming(name: item.name, dtype: item.dtype, fullShape: item.shape, slice: slice) {
                try $0.write(payload)
            }
            return true
        }
        if direct { return }
        switch try reader.sliceValues(item, slice, file: index) {
        case .bytes(let b):
            try b.withUnsafeBytes { try writer.addSlice(name: item.name, dtype: item.dtype, fullShape: item.shape, slice: slice, bytes: $0) }
        case .strings(let s):
            try writer.addSlice(name: item.name, fullShape: item.shape, slice: slice, strings: s)
        }
    }

    /// The fast path for a large verbatim payload (≥ ``kernelCopyThreshold`` of packed float, double,
    /// complex or `tensor_content` bytes) in an uncompressed block: the payload is
    /// copied with `pread`/`write` while its CRC is computed, and the block CRC is
    /// then checked by combining the payload CRC with the CRCs of the bytes before
    /// and after it. The payload is read from memory once and its pages are never
    /// mapped. Returns false (nothing written) when the path does not apply; the
    /// checked path then handles the slice.
    private func copyLargeV1Payload(_ reader: TensorSliceReader, _ item: TensorSliceReader.Item,
                                    slice: TensorSlice, file index: Int) throws -> Bool {
        let minimum = min(Int(Self.kernelCopyThreshold), deferring?.minimumSize ?? .max)
        guard let payload = reader.verbatimPayload(item, slice, file: index, minimumSize: minimum) else { return false }
        let fd = try sourceDescriptor(payload.table.file)
        if deferring != nil {
            let place = try writer.reserve(name: item.name, dtype: item.dtype, shape: item.shape, slice: slice,
                                           count: payload.count)
            deferred.append(DeferredCopy(tensor: current, source: fd, sourceOffset: payload.offset, place: place) { crc in
                payload.blockCRC(payloadCRC: crc) == payload.storedCRC ? nil : payload.checksumError("slice \(slice) of \(item.name)")
            })
            return true
        }
        try writer.addSliceStreaming(name: item.name, dtype: item.dtype, fullShape: item.shape, slice: slice) { stream in
            try stream.copy(from: fd, offset: payload.offset, count: payload.count)
            guard payload.blockCRC(payloadCRC: stream.crc) == payload.storedCRC else {
                throw payload.checksumError("slice \(slice) of \(item.name)")
            }
        }
        return true
    }

    // MARK: V2

    func copyV2(_ reader: BundleReader) throws {
        try planned { try planV2(reader) }
    }

    private func planV2(_ reader: BundleReader) throws {
        guard let index = reader.compact else { return }
        let hidden = reader.sliceKeys()
        // Positions in the index, not a copy of every key: the hidden slice keys
        // and the keys starting with a 0 byte are not tensors.
        func copied(_ i: Int) -> Bool {
            index.withKey(i) { key in key.first != 0 && (hidden.isEmpty || !hidden.contains(TableKey(Array(key)))) }
        }
        let total = (0..<index.count).reduce(0) { copied($1) ? $0 + 1 : $0 }
        let entries = reader.entries
        writer.entries.reserveCapacity(total)
        var files: [MappedFile] = []
        let unit = options.sourceShard
        /// Whether a stored payload belongs to the unit being copied (every one without --source-shard).
        func mine(_ slice: TensorSlice, of name: String) -> Bool {
            guard let unit else { return true }
            // A slice without an entry is copied, so that its absence is reported.
            return entries[OrderedCode.tensorNameSliceKey(name: name, slice: slice)].map { $0.shardID == unit } ?? true
        }
        for i in 0..<index.count where copied(i) {
            let entry = index.entry(i)
            let name = index.displayKey(i)
            if let unit {
                let held = entry.slices.isEmpty ? entry.shardID == unit : entry.slices.contains(where: { mine($0, of: name) })
                if !held { continue }
            }
            // Every data file the copy may have mapped so far (once all are, no more work).
            if files.count < reader.header.numShards {
                files = (0..<reader.header.numShards).compactMap { try? reader.shard($0) }
            }
            try tensor(name, total: total, release: files) {
                if entry.slices.isEmpty {
                    try copyV2Plain(reader, entry, name: name, slice: nil, fullShape: entry.shape)
                    return 0
                }
                if options.mergeSlices {
                    try writer.add(reader.tensor(index.key(i)), name: name)
                    return 0
                }
                let chosen = entry.slices.filter { mine($0, of: name) }
                for slice in chosen {
                    let sliceKey = OrderedCode.tensorNameSliceKey(name: name, slice: slice)
                    guard let sliceEntry = reader.entries[sliceKey] else {
                        throw MetaGraphKitError.sliceNotStored(reader.indexName, key: name, slice: slice)
                    }
                    try copyV2Plain(reader, sliceEntry, name: name, slice: slice, fullShape: entry.shape)
                }
                return chosen.count
            }
        }
    }

    /// Copies one stored payload, re-checking its CRC on the way.
    func copyV2Plain(_ reader: BundleReader, _ entry: BundleEntry, name: String, slice: TensorSlice?, fullShape: [Int]) throws {
        let label = slice.map { "\(name) slice \($0)" } ?? name
        switch entry.dtype {
        case .string:
            let strings = try reader.plainTensor(entry, key: label).strings ?? []
            if let slice {
                try writer.addSlice(name: name, fullShape: fullShape, slice: slice, strings: strings)
            } else {
                try writer.add(name: name, shape: entry.shape, strings: strings)
            }
        case .variant where slice == nil:
            try reader.withPayload(entry, key: label) { payload in
                try reader.checkVariant(entry, key: label, payload: payload, path: reader.dataFileName(entry.shardID))
                try writer.addRaw(name: name, dtype: entry.dtype, shape: entry.shape, payload: payload, maskedCRC: entry.crc32c)
            }
        case let d where d.elementSize != nil:
            // Large payloads: pread/write from the data file, never mapped.
            let fd = entry.size >= Self.kernelCopyThreshold ? try sourceDescriptor(reader.shard(entry.shardID)) : -1
            if let deferring, entry.size >= Int64(deferring.minimumSize) {
                // Shard, bounds and size checked now, bytes and CRC on a worker thread.
                let count = try reader.withPayload(entry, key: label, checkCRC: false, releasePages: false) { $0.count }
                let fd = try sourceDescriptor(reader.shard(entry.shardID))
                let place = try writer.reserve(name: name, dtype: d, shape: fullShape, slice: slice, count: count)
                let path = reader.dataFileName(entry.shardID)
                deferred.append(DeferredCopy(tensor: current, source: fd, sourceOffset: Int(entry.offset), place: place) { crc in
                    CRC32C.mask(crc) == entry.crc32c ? nil : reader.checksumError(path, label, entry)
                })
                return
            }
            try reader.withPayload(entry, key: label, checkCRC: false) { payload in
                // A local function, not a closure value: nothing allocated per tensor.
                func produce(_ stream: inout PayloadStream) throws {
                    if fd >= 0 {
                        try stream.copy(from: fd, offset: Int(entry.offset), count: payload.count)
                    } else {
                        try stream.write(payload)
                    }
                    guard CRC32C.mask(stream.crc) == entry.crc32c else {
                        throw reader.checksumError(reader.dataFileName(entry.shardID), label, entry)
                    }
                }
                if let slice {
                    try writer.addSliceStreaming(name: name, dtype: d, fullShape: fullShape, slice: slice) { try produce(&$0) }
                } else {
                    try writer.addStreaming(name: name, dtype: d, shape: entry.shape) { try produce(&$0) }
                }
            }
        default:
            throw MetaGraphKitError.unsupported(reader.indexName, "\(label) has dtype \(entry.dtype), which is not copied")
        }
    }

    // MARK: One tensor under a new name (remap)

    /// Copies tensor `key` of `reader` to the destination as `name`.
    ///
    /// - Throws: ``MetaGraphKitError`` `badChecksum`/`corrupt`/`truncated` for a
    ///   damaged source (the destination is then abandoned by the caller), `unsupported`.
    func copy(_ reader: CheckpointReader, key: String, as name: String) throws {
        if let foreign = reader.foreign {
            // Another framework's file (Keras 3, safetensors, npz, .npy): its checked
            // bytes, written from the mapped source with the CRC computed on the way.
            guard let e = reader.entry(key) else { throw MetaGraphKitError.noTensor(reader.prefix, key: key) }
            if e.dtype.elementSize != nil {
                try foreign.withTensorBytes(key) { try writer.add(name: name, dtype: e.dtype, shape: e.shape, bytes: $0) }
            } else {
                try writer.add(try foreign.tensor(key), name: name)
            }
            return
        }
        if let bundle = reader.bundle {
            guard let keyBytes = reader.keyBytes(key), let entry = bundle.entries[keyBytes] else {
                throw MetaGraphKitError.noTensor(reader.prefix, key: key)
            }
            defer { releaseSourcePages { (0..<bundle.header.numShards).compactMap { try? bundle.shard($0) } } }
            if entry.slices.isEmpty {
                if entry.dtype == .string {
                    // Strings too are copied as stored, after both checksums are checked.
                    try bundle.withPayload(entry, key: key) { payload in
                        _ = try bundle.strings(entry, key: key, payload: payload, path: bundle.dataFileName(entry.shardID), collect: false)
                        try writer.addRaw(name: name, dtype: .string, shape: entry.shape, payload: payload, maskedCRC: entry.crc32c)
                    }
                } else if entry.dtype.elementSize != nil, entry.size >= Self.kernelCopyThreshold {
                    try copyInKernel(bundle, entry, key: key, as: name)
                } else {
                    try copyV2Plain(bundle, entry, name: name, slice: nil, fullShape: entry.shape)
                }
                return
            }
            for slice in entry.slices {
                guard let sliceEntry = bundle.entries[OrderedCode.tensorNameSliceKey(name: key, slice: slice)] else {
                    throw MetaGraphKitError.sliceNotStored(bundle.indexName, key: key, slice: slice)
                }
                try copyV2Plain(bundle, sliceEntry, name: name, slice: slice, fullShape: entry.shape)
            }
            return
        }
        guard let v1 = reader.slices, let item = v1.items[key] else {
            throw MetaGraphKitError.noTensor(reader.prefix, key: key)
        }
        for (slice, file) in item.slices {
            switch try v1.sliceValues(item, slice, file: file) {
            case .bytes(let b):
                try b.withUnsafeBytes {
                    try writer.addSlice(name: name, dtype: item.dtype, fullShape: item.shape, slice: slice, bytes: $0)
                }
            case .strings(let s):
                try writer.addSlice(name: name, fullShape: item.shape, slice: slice, strings: s)
            }
        }
    }

    /// Copies a large fixed-size payload with `sendfile` while another core checks
    /// its CRC32C on the mapped source; a mismatch throws (and the caller abandons
    /// the destination).
    private func copyInKernel(_ bundle: BundleReader, _ entry: BundleEntry, key: String, as name: String) throws {
        // withPayload checks shard, bounds and size against the shape.
        try bundle.withPayload(entry, key: key, checkCRC: false) { payload in
            let fd = try sourceDescriptor(bundle.shard(entry.shardID))
            nonisolated(unsafe) var crc: UInt32 = 0
            nonisolated(unsafe) let bytes = payload
            let group = DispatchGroup()
            group.enter()
            DispatchQueue.global().async {
                crc = CRC32C.checksum(bytes)
                group.leave()
            }
            defer { group.wait() }   // the mapping must outlive the checksum, even on a throw
            try writer.addRaw(name: name, dtype: entry.dtype, shape: entry.shape, source: fd,
                              offset: Int(entry.offset), count: payload.count, maskedCRC: entry.crc32c)
            group.wait()
            guard CRC32C.mask(crc) == entry.crc32c else {
                throw bundle.checksumError(bundle.dataFileName(entry.shardID), key, entry)
            }
        }
    }
}
