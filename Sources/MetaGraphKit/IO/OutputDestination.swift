// The one check every writer makes before it writes: an existing output is never
// replaced without `overwrite`, and an output that is (or overlaps) one of its
// inputs is refused whatever the flags say. One function, one message shape.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a writer is about to put its output, checked before anything is written.
///
/// Every command that writes calls ``check(_:kind:overwrite:sources:)`` first:
///
/// - a destination that is a source, or overlaps one (the same prefix, a file of
///   the source, the source directory, the same file under another name or link),
///   is refused with `invalidArgument`, even with `overwrite`;
/// - an existing destination is refused with `exists` unless `overwrite`, with the
///   message ``MetaGraphKitError/outputExists(_:holding:)`` builds:
///   `DEST: the destination exists (WHAT IS THERE); use --overwrite to replace it`.
public enum OutputDestination {
    /// What a destination path names.
    public enum Kind: Sendable {
        /// One file (`.meta`, `.safetensors`, a state file).
        case file
        /// A V2 checkpoint prefix: `P.index` and `P.data-?????-of-?????`.
        case checkpoint
        /// A directory the output is written into (an existing empty one is fine).
        case directory
    }

    /// Refuses a destination that overlaps a source, or that exists without `overwrite`.
    ///
    /// - Parameters:
    ///   - path: The destination as given.
    ///   - kind: What the destination names.
    ///   - overwrite: Whether an existing output may be replaced.
    ///   - sources: The inputs as given (checkpoint prefixes, V1 files or patterns,
    ///     directories, `.meta` files); every file of each is compared.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when the destination is or
    ///   overlaps a source (or names a directory where a file is written), `exists`
    ///   when it exists and `overwrite` is false.
    public static func check(_ path: String, kind: Kind = .file, overwrite: Bool, sources: [String] = []) throws {
        try checkOverlap(path, kind: kind, sources: sources)
        if kind == .file, FileIO.isDirectory(path) {
            throw MetaGraphKitError.invalidArgument(path, "is a directory; name the file to write")
        }
        guard !overwrite, let what = existing(path, kind: kind) else { return }
        throw MetaGraphKitError.outputExists(path, holding: what)
    }

    /// What is at the destination now, described for the message; nil when nothing is.
    ///
    /// - Parameters:
    ///   - path: The destination.
    ///   - kind: What it names.
    /// - Returns: `a file of N bytes`, the checkpoint's first file, or the directory's entries.
    public static func existing(_ path: String, kind: Kind) -> String? {
        switch kind {
        case .file:
            var info = stat()
            guard lstat(path, &info) == 0 else { return nil }
            if (info.st_mode & S_IFMT) == S_IFLNK { return "a symbolic link" }
            return "a file of \(info.st_size) byte\(info.st_size == 1 ? "" : "s")"
        case .checkpoint:
            let files = checkpointFiles(of: path)
            guard let first = files.first else { return nil }
            return files.count == 1 ? first : "\(first) and \(files.count - 1) more file\(files.count == 2 ? "" : "s")"
        case .directory:
            guard FileIO.isDirectory(path) else {
                return FileIO.exists(path) ? "a file, not a directory" : nil
            }
            let names = directoryEntries(path)
            guard !names.isEmpty else { return nil }
            let shown = names.prefix(3).joined(separator: ", ") + (names.count > 3 ? ", …" : "")
            return "a directory holding \(names.count) entr\(names.count == 1 ? "y" : "ies"): \(shown)"
        }
    }

    // MARK: - Overlap

    /// Refuses a destination whose files would be, or would replace, a source's files.
    static func checkOverlap(_ path: String, kind: Kind, sources: [String]) throws {
        let dest = canonical(path)
        // The names the output may take: the path, and a checkpoint's index and data files.
        func isDestinationName(_ file: String) -> Bool {
            let f = canonical(file)
            switch kind {
            case .file, .directory: return f == dest
            case .checkpoint: return f == dest || f == dest + ".index" || f.hasPrefix(dest + ".data-")
            }
        }
        var destinationFiles = [path]
        if kind == .checkpoint { destinationFiles += checkpointFiles(of: path) }
        let destinationIDs = Set(destinationFiles.compactMap(fileID))
        for source in sources where !source.isEmpty {
            if canonical(source) == dest || (fileID(source).map { destinationIDs.contains($0) } ?? false) {
                throw MetaGraphKitError.outputOverlapsSource(path, source: source, file: nil)
            }
            for file in sourceFiles(source) {
                if isDestinationName(file) || (fileID(file).map { destinationIDs.contains($0) } ?? false) {
                    throw MetaGraphKitError.outputOverlapsSource(path, source: source, file: file)
                }
            }
        }
    }

    /// The files a source names: a directory and its state file, a V2 prefix's index
    /// and data files, a V1 file or the files of a pattern, the file itself. (A
    /// directory's latest checkpoint is not followed here: readers pass their
    /// resolved prefix.)
    static func sourceFiles(_ source: String) -> [String] {
        var files = [source]
        if FileIO.isDirectory(source) {
            files.append(PathRules.join(source, "checkpoint"))
            return files
        }
        var prefix = source
        if prefix.hasSuffix(".index") { prefix = String(prefix.dropLast(6)) }
        if let p = dataFilePrefix(prefix) { prefix = p }
        files += checkpointFiles(of: prefix)
        if prefix.contains("?") || prefix.contains("*") || prefix.contains("[") { files += FileGlob.matchingPaths(prefix) }
        return files
    }

    /// The files of a V2 checkpoint at `prefix` that exist now: the index, then data
    /// files of any shard count.
    static func checkpointFiles(of prefix: String) -> [String] {
        (FileIO.exists(prefix + ".index") ? [prefix + ".index"] : []) + FileGlob.matchingPaths(prefix + ".data-?????-of-?????")
    }

    /// `P` for a data file name `P.data-NNNNN-of-MMMMM`.
    static func dataFilePrefix(_ path: String) -> String? {
        let u = Array(path.utf8)
        guard u.count > 20 else { return nil }
        let tail = Array(u[(u.count - 20)...])
        let digits = Array(tail[6..<11]) + Array(tail[15...])
        guard tail[0..<6].elementsEqual(".data-".utf8), tail[11..<15].elementsEqual("-of-".utf8),
              digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return String(decoding: u[..<(u.count - 20)], as: UTF8.self)
    }

    /// An absolute path with its directory's symbolic links resolved (the last
    /// component is kept: the destination may not exist yet).
    static func canonical(_ path: String) -> String {
        let absolute = PathRules.absolute(path)
        let dir = PathRules.dirname(absolute), name = PathRules.basename(absolute)
        guard let resolved = realpath(dir.isEmpty ? "/" : dir, nil) else { return absolute }
        defer { free(resolved) }
        let base = String(cString: resolved)
        return name.isEmpty ? base : (base == "/" ? "/" + name : base + "/" + name)
    }

    /// Device and inode of an existing file (links followed); nil when missing.
    static func fileID(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// The names in a directory, sorted, without `.` and `..`.
    static func directoryEntries(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

extension MetaGraphKitError {
    /// The one message for an output that exists: `DEST: the destination exists
    /// (WHAT); use --overwrite to replace it`, code `exists`.
    ///
    /// - Parameters:
    ///   - destination: The output as given.
    ///   - what: What is there now (``OutputDestination/existing(_:kind:)``).
    /// - Returns: The error.
    public static func outputExists(_ destination: String, holding what: String) -> MetaGraphKitError {
        MetaGraphKitError.outputExists(destination, "the destination exists (\(what))")
    }

    /// The one message for an output that is or overlaps an input, code `invalidArgument`.
    ///
    /// - Parameters:
    ///   - destination: The output as given.
    ///   - source: The input it collides with.
    ///   - file: The input's file it would replace, when not the source path itself.
    /// - Returns: The error.
    public static func outputOverlapsSource(_ destination: String, source: String, file: String?) -> MetaGraphKitError {
        let detail = file.map { $0 == source ? "" : " (writing it would replace \($0))" } ?? ""
        return MetaGraphKitError(.invalidArgument,
            "\(destination): the destination is the source \(source)\(detail); inputs are never modified: write to another path")
    }
}
