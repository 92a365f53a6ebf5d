// A Keras 3 weights file (`.weights.h5`) or model archive (`.keras`: a zip of
// `metadata.json`, `config.json` and `model.weights.h5`), as keras/src/saving/
// saving_lib.py writes them: H5IOStore puts each object's variables in a `vars`
// group (`layers/dense/vars/0`, `optimizer/vars/3`), the group's `name` attribute
// holding the object's name. The HDF5 structure is walked by a contained reader
// (see HDF5.swift); element bytes come from this process's own map of the file.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Keras 3 `.weights.h5` or `.keras` file, read.
final class KerasFile {
    /// `keras-h5` or `keras`.
    let formatName: String
    /// The path opened.
    let path: String
    /// The HDF5 bytes (the file, or the archive's extracted `model.weights.h5`).
    let map: MappedFile
    let catalog: HDF5.Catalog
    /// `config.json` and `metadata.json` of an archive (nil for `.weights.h5`).
    let configJSON: [UInt8]?
    let metadataJSON: [UInt8]?
    /// Datasets by key, keys sorted bytewise.
    let datasets: [String: HDF5.Dataset]
    let entries: [TensorEntry]
    private let dtypes: [String: DType]
    /// The class of each layer name the config declares.
    let classByName: [String: String]

    /// Sizes allowed for an archive's JSON entries and its weights.
    static let maxJSONBytes = 64 << 20
    static let maxWeightsBytes = 1 << 40

    /// Whether `path` looks like a Keras file: an HDF5 superblock at byte 0, or a zip
    /// named `.keras`. Reads at most 8 bytes.
    static func sniff(_ path: String) -> String? {
        var s = stat()
        guard stat(path, &s) == 0, (s.st_mode & S_IFMT) == S_IFREG else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 8)
        let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 8) }
        if n == 8, head == HDF5.signature { return "keras-h5" }
        if n >= 4, head[0] == 0x50, head[1] == 0x4b, path.hasSuffix(".keras") { return "keras" }
        if path.hasSuffix(".weights.h5") || path.hasSuffix(".keras") { return path.hasSuffix(".keras") ? "keras" : "keras-h5" }
        return nil
    }

    /// Opens a Keras file.
    ///
    /// - Parameter path: A `.weights.h5` (any HDF5 file) or `.keras` archive.
    init(path: String) throws {
        self.path = path
        guard let kind = Self.sniff(path) else {
            throw MetaGraphKitError.notFound(path, "not a Keras 3 file")
        }
        formatName = kind
        if kind == "keras" {
            let archive = try Zip.Archive(path: path)
            guard let weights = archive.entry("model.weights.h5") else {
                throw MetaGraphKitError.corrupt(path, "the archive has no model.weights.h5 (entries: \(archive.entries.map(\.name).prefix(8).joined(separator: ", ")))")
            }
            configJSON = try archive.entry("config.json").map { try archive.bytes($0, limit: Self.maxJSONBytes) }
            metadataJSON = try archive.entry("metadata.json").map { try archive.bytes($0, limit: Self.maxJSONBytes) }
            // The weights go to a temporary file (removed once mapped), so that both
            // the contained reader and the map see a plain file.
            let transaction = OutputTransaction()
            defer { transaction.rollback() }
            let temporary = FileIO.temporaryName(for: Self.temporaryDirectory() + "/mgk-keras-weights.h5")
            let file = try transaction.createFile(temporary)
            do {
                try archive.read(weights, limit: Self.maxWeightsBytes) { try file.write($0) }
                try file.close()
            } catch {
                file.discard()
                throw error
            }
            map = try MappedFile(path: temporary)
            catalog = try HDF5.catalog(path: temporary, name: path + " (model.weights.h5)")
        } else {
            configJSON = nil
            metadataJSON = nil
            map = try MappedFile(path: path)
            guard map.bytes.count >= 8, Array(map.bytes.prefix(8)) == HDF5.signature else {
                throw MetaGraphKitError.corrupt(path, "not an HDF5 file (no superblock signature at byte 0)")
            }
            catalog = try HDF5.catalog(path: path, name: path)
        }
        var byKey: [String: HDF5.Dataset] = [:]
        var list: [TensorEntry] = []
        for d in catalog.datasets {
            let dtype = try Self.dtype(d, file: path)
            let count = try Tensor.elementCount(d.shape, file: path, key: d.path)
            let bytes = try Tensor.byteCount(count, dtype.elementSize ?? 1, file: path, key: d.path)
            // Checked before anything is read: a shape's bytes must be in the file.
            if d.inlineBytes == nil, bytes > 0 {
                guard bytes <= map.bytes.count else {
                    throw MetaGraphKitError(.tooLarge,
                        "\(path): dataset \(d.path) has shape \(d.shape) (\(bytes) bytes), more than the whole file (\(map.bytes.count) bytes)")
                }
                guard d.offset != nil else {
                    throw MetaGraphKitError.corrupt(path, "dataset \(d.path) has no stored data (shape \(d.shape))")
                }
            }
            byKey[d.path] = d
            list.append(TensorEntry(key: d.path, dtype: dtype, shape: d.shape, slices: []))
        }
        list.sort { $0.key.utf8Precedes($1.key) }
        datasets = byKey
        entries = list
        dtypes = Dictionary(list.map { ($0.key, $0.dtype) }, uniquingKeysWith: { a, _ in a })
        classByName = configJSON.map { Self.layerClasses($0) } ?? [:]
    }

    static func temporaryDirectory() -> String {
        if let t = getenv("TMPDIR"), t.pointee != 0 { return String(cString: t) }
        return "/tmp"
    }

    /// The TensorFlow dtype of a dataset (as h5py maps numpy types).
    static func dtype(_ d: HDF5.Dataset, file: String) throws -> DType {
        let t = d.type
        if let reason = d.unreadable {
            throw MetaGraphKitError.unsupported(file, "dataset \(d.path) \(reason)")
        }
        guard !t.bigEndian || t.size == 1 else {
            throw MetaGraphKitError.unsupported(file, "dataset \(d.path) is big-endian; Keras writes little-endian")
        }
        let bfloat = d.attributes.contains { $0.0 == "dtype" && $0.1 == "bfloat16" }
        switch (t.typeClass, t.size) {
        case (1, 2): return bfloat ? .bfloat16 : .float16
        case (1, 4): return .float32
        case (1, 8): return .float64
        case (0, 1): return t.signed ? .int8 : .uint8
        case (0, 2): return bfloat ? .bfloat16 : (t.signed ? .int16 : .uint16)
        case (0, 4): return t.signed ? .int32 : .uint32
        case (0, 8): return t.signed ? .int64 : .uint64
        case (8, 1): return .bool
        case (5, 2) where bfloat: return .bfloat16   // opaque 2-byte, as ml_dtypes may store it
        default:
            throw MetaGraphKitError.unsupported(file, "dataset \(d.path) has an HDF5 type this reader does not convert (class \(t.typeClass), \(t.size) bytes)")
        }
    }

    /// Lends one dataset's element bytes, checked against the file.
    func withBytes<R>(_ key: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let d = datasets[key], let dtype = dtypes[key] else {
            throw MetaGraphKitError.notFound(path, "no dataset named \(key)")
        }
        let size = dtype.elementSize ?? 1
        let expected = try Tensor.byteCount(try Tensor.elementCount(d.shape, file: path, key: key), size, file: path, key: key)
        if let inline = d.inlineBytes {
            guard inline.count == expected else {
                throw MetaGraphKitError.corrupt(path, "dataset \(key) holds \(inline.count) bytes, its shape \(d.shape) needs \(expected)")
            }
            return try inline.withUnsafeBytes(body)
        }
        if expected == 0 { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let offset = d.offset else {
            throw MetaGraphKitError.corrupt(path, "dataset \(key) has no stored data (shape \(d.shape))")
        }
        guard d.storageSize >= expected else {
            throw MetaGraphKitError.corrupt(path, "dataset \(key) stores \(d.storageSize) bytes, its shape \(d.shape) needs \(expected)")
        }
        guard offset >= 0, offset <= map.bytes.count, expected <= map.bytes.count - offset else {
            throw MetaGraphKitError(.truncated,
                "\(path): dataset \(key) needs bytes \(MetaGraphKitError.hex(offset))…+\(expected), past the end of the file (\(map.bytes.count) bytes)")
        }
        return try body(UnsafeRawBufferPointer(rebasing: map.bytes[offset..<(offset + expected)]))
    }

    /// Reads one dataset.
    func tensor(_ key: String) throws -> Tensor {
        guard let d = datasets[key], let dtype = dtypes[key] else {
            throw MetaGraphKitError.notFound(path, "no dataset named \(key)")
        }
        return try withBytes(key) { Tensor(dtype: dtype, shape: d.shape, storage: .bytes(Array($0))) }
    }

    /// The `name` attribute of a group.
    func groupName(_ groupPath: String) -> String? {
        catalog.groups.first { $0.path == groupPath }?.attributes.first { $0.0 == "name" }?.1
    }

    /// `layer name → class_name` for every object of the config with a `name`.
    static func layerClasses(_ json: [UInt8]) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) else { return [:] }
        var out: [String: String] = [:]
        func visit(_ v: Any, depth: Int) {
            guard depth < 64 else { return }
            if let d = v as? [String: Any] {
                if let cls = d["class_name"] as? String, let config = d["config"] as? [String: Any],
                   let name = config["name"] as? String, out[name] == nil {
                    out[name] = cls
                }
                for (_, x) in d { visit(x, depth: depth + 1) }
            } else if let a = v as? [Any] {
                for x in a { visit(x, depth: depth + 1) }
            }
        }
        visit(object, depth: 0)
        return out
    }
}
