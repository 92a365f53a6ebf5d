// Copying tensors from any checkpoint into a BundleWriter under new names: V2
// payloads copied verbatim (large ones by the kernel while their checksum is
// re-checked on another core; others through Migration's Copier), slices kept with
// re-encoded slice keys, V1 slices decoded.
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A destination bundle plus the copying that fills it.
final class RemapOutput {
    let writer: BundleWriter
    private let copier: Copier
    private(set) var tensors = 0
    private let expected: Int
    private let progress: Migration.Progress?

    /// Checks the destination and opens the writer.
    ///
    /// - Throws: ``MetaGraphKitError`` `exists` (without `overwrite`), `notFound`
    ///   for a missing directory, `invalidArgument` when the destination is a source.
    init(destination: String, overwrite: Bool, sources: [CheckpointReader], shards: Int = 1,
         expected: Int = 0, progress: Migration.Progress? = nil) throws {
        self.expected = expected
        self.progress = progress
        let existing = BundleWriter.existingFiles(of: destination)
        if !existing.isEmpty, !overwrite {
            throw MetaGraphKitError(.exists,
                "\(destination): the destination exists (\(existing[0])); use --overwrite to replace it")
        }
        let parent = PathRules.dirname(destination)
        guard FileIO.isDirectory(parent.isEmpty ? "." : parent) else {
            throw MetaGraphKitError(.notFound, "\(destination): the directory \(parent) does not exist")
        }
        for s in sources where s.format == .v2 && PathRules.absolute(s.prefix) == PathRules.absolute(destination) {
            throw MetaGraphKitError(.invalidArgument, "\(destination): the destination is a source (\(s.prefix))")
        }
        var options = BundleWriter.Options()
        options.shards = shards
        writer = try BundleWriter(prefix: destination, options: options)
        copier = Copier(writer: writer, options: Migration.Options())
    }

    /// Writes the index and puts the checkpoint in place; an older checkpoint at the
    /// destination (data files of another shard count included) is replaced only
    /// once the new one is complete.
    func finish() throws -> BundleWriter.Result { try writer.finish() }

    /// Copies tensor `key` of `reader` to the destination as `name`.
    ///
    /// - Throws: ``MetaGraphKitError`` `badChecksum`/`corrupt`/`truncated` for a
    ///   damaged source (the destination is then abandoned by the caller), `unsupported`.
    func copy(_ reader: CheckpointReader, key: String, as name: String) throws {
        defer {
            tensors += 1
            progress?(tensors, max(expected, tensors), writer.bytesWritten)
        }
        if let bundle = reader.bundle {
            guard let keyBytes = reader.keyBytes(key), let entry = bundle.entries[keyBytes] else {
                throw MetaGraphKitError.noTensor(reader.prefix, key: key)
            }
            defer { for i in 0..<bundle.header.numShards { (try? bundle.shard(i))?.releaseResidentPages() } }
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
                    try copier.copyV2Plain(bundle, entry, name: name, slice: nil, fullShape: entry.shape)
                }
                return
            }
            for slice in entry.slices {
                guard let sliceEntry = bundle.entries[OrderedCode.tensorNameSliceKey(name: key, slice: slice)] else {
                    throw MetaGraphKitError.sliceNotStored(bundle.indexName, key: key, slice: slice)
                }
                try copier.copyV2Plain(bundle, sliceEntry, name: name, slice: slice, fullShape: entry.shape)
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

    /// Payloads at least this large are copied by the kernel.
    static let kernelCopyThreshold: Int64 = 1 << 20

    /// Copies a large fixed-size payload with `sendfile` while another core checks
    /// its CRC32C on the mapped source; a mismatch throws (and the caller abandons
    /// the destination).
    private func copyInKernel(_ bundle: BundleReader, _ entry: BundleEntry, key: String, as name: String) throws {
        // withPayload checks shard, bounds and size against the shape.
        try bundle.withPayload(entry, key: key, checkCRC: false) { payload in
            let fd = try copier.sourceDescriptor(bundle.shard(entry.shardID))
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
