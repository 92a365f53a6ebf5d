// A single .npy file, or a directory of them (one tensor per file, the key is the
// path below the directory without `.npy`), read as a checkpoint.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `.npy` files read as a checkpoint: each file mapped, its array lent without a copy.
final class NPYCheckpoint: MappedForeignCheckpoint {
    /// At most this many files are read from a directory, and this deep.
    static let maxFiles = 1_000_000
    static let maxDepth = 64

    /// Opens a `.npy` file (by name or magic), or a directory holding `.npy` files and
    /// no `checkpoint` state file or `.index` file.
    static let opener: ForeignCheckpointOpener = { path in
        if FileIO.isRegularFile(path) {
            let named = path.hasSuffix(".npy")
            if !named {
                guard let head = try? FileIO.readPrefix(path, count: 6),
                      head.withUnsafeBytes({ NPYHeader.hasMagic($0) }) else { return nil }
            }
            var base = PathRules.basename(path)
            if base.hasSuffix(".npy") { base = String(base.dropLast(4)) }
            return try NPYCheckpoint(path: path, files: [(base, path)])
        }
        guard FileIO.isDirectory(path) else { return nil }
        let names = (try? directoryNames(path)) ?? []
        guard !names.contains("checkpoint"), !names.contains(where: { $0.hasSuffix(".index") }) else { return nil }
        var files: [(String, String)] = []
        try collect(path, prefix: "", depth: 0, into: &files)
        guard !files.isEmpty else { return nil }
        return try NPYCheckpoint(path: path, files: files)
    }

    /// Maps and checks each file.
    init(path: String, files: [(key: String, path: String)]) throws {
        var regions: [ForeignRegion] = []
        for (key, file) in files {
            let mapped = try MappedFile(path: file)
            let header = try NPYHeader(mapped.bytes, what: file)
            let (dtype, layout) = try header.element(what: file)
            let count = mapped.count - header.dataOffset
            regions.append(try ForeignRegion(key: key, dtype: dtype, shape: header.shape, file: mapped,
                                             offset: header.dataOffset, count: count, layout: layout,
                                             fortran: header.fortranOrder, what: file))
        }
        try super.init(formatName: "npy", path: path, regions: regions)
    }

    /// The `.npy` files under `dir`, recursively (symbolic links to directories are
    /// not followed), keyed by relative path without `.npy`.
    private static func collect(_ dir: String, prefix: String, depth: Int, into files: inout [(String, String)]) throws {
        guard depth < maxDepth else { throw MetaGraphKitError.tooLarge(dir, "directories nested more than \(maxDepth) deep") }
        for name in try directoryNames(dir).sorted() {
            let full = dir + "/" + name
            var info = stat()
            guard lstat(full, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                try collect(full, prefix: prefix + name + "/", depth: depth + 1, into: &files)
            } else if name.hasSuffix(".npy"), FileIO.isRegularFile(full) {
                files.append((prefix + String(name.dropLast(4)), full))
                guard files.count <= maxFiles else { throw MetaGraphKitError.tooLarge(dir, "more than \(maxFiles) .npy files") }
            }
        }
    }

    private static func directoryNames(_ dir: String) throws -> [String] {
        guard let d = opendir(dir) else {
            throw MetaGraphKitError.system("cannot list", path: dir, errno: .current)
        }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
