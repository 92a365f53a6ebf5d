// Writing a Keras 3 weights file shaped like a template: the template's groups and
// their `name` attributes, each dataset contiguous (as h5py writes them), created by
// libhdf5 with its space allocated; the element bytes are then written straight
// into that space from the source's mapped bytes, in chunks, so nothing holds a
// whole tensor. A `.keras` output is a stored zip of the template's
// metadata.json, config.json and the new model.weights.h5, as Keras writes it.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum KerasWriter {
    static let chunk = 8 << 20

    /// Writes the output under a temporary name and renames it into place.
    ///
    /// - Returns: Element bytes written.
    static func write(destination: String, archive: Bool, template: KerasFile, reader: CheckpointReader,
                      plan: [(String, KerasValue)]) throws -> Int {
        let values = Dictionary(plan.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        let entries = template.entries.filter { values[$0.key] != nil }
        let dtypes = Dictionary(template.entries.map { ($0.key, $0.dtype) }, uniquingKeysWith: { a, _ in a })
        // Checked before anything is written: every value's dtype and shape.
        for e in entries {
            switch values[e.key]! {
            case .source(let key):
                guard let s = reader.entry(key) else { throw MetaGraphKitError.noTensor(reader.prefix, key: key) }
                guard s.dtype == e.dtype, s.shape == e.shape else {
                    throw MetaGraphKitError(.invalidArgument,
                        "\(reader.prefix): \(key) is \(s.dtype.name)\(s.shape), the template's \(e.key) is \(e.dtype.name)\(e.shape)")
                }
            case .planned(let t):
                guard t.dtype == e.dtype, t.shape == e.shape else {
                    throw MetaGraphKitError(.invalidArgument,
                        "\(reader.prefix): \(t.name) after the rules is \(t.dtype.name)\(t.shape), the template's \(e.key) is \(e.dtype.name)\(e.shape)")
                }
            case .computed(let t):
                guard t.dtype == e.dtype, t.shape == e.shape else {
                    throw MetaGraphKitError(.invalidArgument, "\(e.key): converted value is \(t.dtype.name)\(t.shape), the template's \(e.dtype.name)\(e.shape)")
                }
            case .template: break
            }
        }
        let datasets = template.catalog.datasets.filter { values[$0.path] != nil }.map {
            HDF5.NewDataset(path: $0.path, dtype: dtypes[$0.path]!, shape: $0.shape, attributes: $0.attributes)
        }
        // Groups: every group of the template (empty ones too, as Keras writes them).
        let groups = template.catalog.groups

        let transaction = OutputTransaction()
        var committed = false
        defer { if !committed { transaction.rollback() } }
        let h5Path: String
        if archive {
            h5Path = FileIO.temporaryName(for: destination) + ".weights.h5"
        } else {
            h5Path = FileIO.temporaryName(for: destination)
        }
        let placeholder = try transaction.createFile(h5Path)
        try placeholder.close()
        let offsets = try HDF5.create(path: h5Path, groups: groups, datasets: datasets)
        let fd = open(h5Path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MetaGraphKitError.system("cannot open", path: h5Path, errno: .current) }
        var fdOpen = true
        defer { if fdOpen { close(fd) } }
        var total = 0
        for (d, offset) in zip(datasets, offsets) {
            let value = values[d.path]!
            let expected = (d.dtype.elementSize ?? 1) * d.shape.reduce(1, *)
            let write = { (bytes: UnsafeRawBufferPointer) throws in
                guard bytes.count == expected else {
                    throw MetaGraphKitError(.corrupt, "\(d.path): \(bytes.count) bytes for a tensor of \(expected)")
                }
                guard expected > 0 else { return }
                guard let offset else { throw MetaGraphKitError(.io, "\(h5Path): libhdf5 allocated no space for \(d.path)") }
                try pwriteAll(fd, bytes, at: offset, path: h5Path)
                total += expected
            }
            switch value {
            case .source(let key):
                try reader.withTensorBytes(key, write)
                if let bundle = reader.bundle {
                    for i in 0..<bundle.header.numShards { (try? bundle.shard(i))?.releaseResidentPages() }
                }
            case .computed(let t): try (t.bytes ?? []).withUnsafeBytes(write)
            case .planned(let t): try (t.value(from: reader).tensor.bytes ?? []).withUnsafeBytes(write)
            case .template: try template.withBytes(d.path, write)
            }
        }
        fdOpen = false
        guard close(fd) == 0 else { throw MetaGraphKitError.system("close failed", path: h5Path, errno: .current) }
        if archive {
            let zipPath = FileIO.temporaryName(for: destination)
            let zipFile = try transaction.createFile(zipPath)
            try zipFile.close()
            try Zip.write(path: zipPath, entries: [
                ("metadata.json", .bytes(template.metadataJSON ?? [])),
                ("config.json", .bytes(template.configJSON ?? [])),
                ("model.weights.h5", .file(h5Path)),
            ])
            try transaction.place(zipPath, at: destination)
            transaction.remove(h5Path)
        } else {
            try transaction.place(h5Path, at: destination)
        }
        transaction.commit()
        committed = true
        return total
    }

    /// Writes all of `bytes` at `offset`, in chunks.
    static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, min(chunk, bytes.count - done), off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw MetaGraphKitError.system("write failed", path: path, errno: .current)
            }
            done += n
        }
    }
}
