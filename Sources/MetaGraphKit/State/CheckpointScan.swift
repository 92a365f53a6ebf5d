// Finding the checkpoints a directory holds from its file names and content, without
// a state file: what `state init` lists and what `state prune` weighs.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One checkpoint found on disk: its prefix, format, step, time and files.
public struct FoundCheckpoint: Sendable, Hashable {
    /// The prefix's name inside the directory (`model.ckpt-3`, `ckpt-2`,
    /// `model.ckpt-5-?????-of-00002` for a sharded V1 checkpoint).
    public var name: String
    /// The prefix joined onto the directory.
    public var resolved: String
    /// V2 (`.index` and `.data-*`) or V1 (a tensor-slice table, or its shards).
    public var format: CheckpointFormat
    /// The global step: the digits after the last `-` of the name (shard suffix
    /// removed), or nil when the name has none.
    public var step: Int?
    /// Seconds since the epoch of its last modification, as TensorFlow's
    /// `get_checkpoint_mtimes` takes it: the `.index` for V2, the newest matching
    /// file for V1.
    public var mtime: Double
    /// Every existing file `remove_checkpoint` would delete for it (`.meta`,
    /// `.index`, `.data-*`, V1 files and shards), in deletion order.
    public var files: [String]
    /// The total size of ``files`` in bytes.
    public var bytes: Int64
}

/// What a directory holds: its checkpoints, oldest first, and every other file.
public struct CheckpointScan: Sendable {
    /// The checkpoints, oldest first: by global step, then modification time, then name.
    public var checkpoints: [FoundCheckpoint]
    /// Names of files that belong to no checkpoint and are not the state file
    /// (event files, a `.data-*` without its `.index`, a `.meta` alone, notes…).
    /// Nothing ever deletes them.
    public var unknownFiles: [String]
}

extension CheckpointFiles {
    /// The global step in a checkpoint name: the digits after its last `-`, once a
    /// V1 shard suffix (`-00000-of-00002`, `-?????-of-00002`) is removed.
    ///
    /// - Parameter name: A checkpoint prefix or its base name.
    /// - Returns: The step, or nil when the name does not end in `-<digits>`.
    public static func step(of name: String) -> Int? {
        let base = strippingShardSuffix(PathRules.basename(name))
        guard let dash = base.lastIndex(of: "-") else { return nil }
        let digits = base[base.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// The series a checkpoint belongs to: its base name without the shard suffix
    /// and the `-<step>` (`model.ckpt-3` → `model.ckpt`); the Saver's `save_path`
    /// and the CheckpointManager's `checkpoint_name`.
    ///
    /// - Parameter name: A checkpoint prefix.
    /// - Returns: The series name.
    public static func series(of name: String) -> String {
        let base = strippingShardSuffix(PathRules.basename(name))
        guard step(of: base) != nil, let dash = base.lastIndex(of: "-") else { return base }
        return String(base[..<dash])
    }
}

extension CheckpointDirectory {
    /// Lists the checkpoints in ``path`` (not its subdirectories) and the files
    /// that belong to none.
    ///
    /// A V2 checkpoint is a `P.index`; a V1 checkpoint is a file whose last 8 bytes
    /// are the table magic and whose name has no V2 suffix and does not hold
    /// `.index` or `tempstate` (`P`, or the shards
    /// `P-00000-of-N`, named by the pattern `P-?????-of-N`). The state file and its
    /// temporary files are neither checkpoints nor unknown.
    ///
    /// - Returns: The scan.
    /// - Throws: ``MetaGraphKitError`` `io` when the directory cannot be listed.
    public func scan() throws -> CheckpointScan {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path.isEmpty ? "." : path).sorted()
        } catch {
            throw MetaGraphKitError(.io, "\(path): cannot list the directory: \(error.localizedDescription)")
        }
        var prefixes: [(String, CheckpointFormat)] = []
        var v1Patterns = Set<String>()
        for name in names where name != stateFileName {
            let full = PathRules.join(path, name)
            guard Self.isRegularFile(full) else { continue }
            if name.hasSuffix(".index") {
                prefixes.append((String(name.dropLast(6)), .v2))
            } else if !name.hasSuffix(".meta"), !Self.isDataFileName(name), !name.hasPrefix(stateFileName + ".tmp"),
                      // A copied index (`x.index.bak`) or a save in progress (`*.tempstate*`)
                      // is a table too, but no V1 checkpoint.
                      !name.contains(".index"), !name.contains("tempstate"),
                      Self.endsWithTableMagic(full) {
                let stripped = CheckpointFiles.strippingShardSuffix(name)
                if stripped != name, let of = name.range(of: "-of-", options: .backwards) {
                    let pattern = stripped + "-?????" + name[of.lowerBound...]
                    if v1Patterns.insert(pattern).inserted { prefixes.append((pattern, .v1)) }
                } else {
                    prefixes.append((name, .v1))
                }
            }
        }
        var claimed = Set<String>()
        var found: [FoundCheckpoint] = []
        let present = Set(names)
        for (name, format) in prefixes {
            let resolved = PathRules.join(path, name)
            // remove_checkpoint's patterns, matched against the one listing (no glob per checkpoint).
            let meta = CheckpointFiles.metaGraphFilename(for: name)
            var own: [String] = present.contains(meta) ? [meta] : []
            let matched: [String]
            switch format {
            case .v2:
                own.append(name + ".index")
                matched = names.filter { $0.hasPrefix(name + ".data-") && FileGlob.matches($0, pattern: name + ".data-?????-of-?????") }
            case .v1, .foreign:
                matched = FileGlob.hasWildcards(name) ? names.filter { FileGlob.matches($0, pattern: name) } : [name]
            }
            own += matched
            let files = own.map { PathRules.join(path, $0) }
            claimed.formUnion(own)
            let timeFiles = format == .v2 ? [resolved + ".index"] : matched.map { PathRules.join(path, $0) }
            let mtime = timeFiles.compactMap(Self.modificationTime).max() ?? 0
            let bytes = files.reduce(Int64(0)) { $0 + (Self.fileSize($1) ?? 0) }
            found.append(FoundCheckpoint(name: name, resolved: resolved, format: format,
                                         step: CheckpointFiles.step(of: name), mtime: mtime, files: files, bytes: bytes))
        }
        found.sort { a, b in
            if (a.step ?? -1) != (b.step ?? -1) { return (a.step ?? -1) < (b.step ?? -1) }
            if a.mtime != b.mtime { return a.mtime < b.mtime }
            return a.name < b.name
        }
        let unknown = names.filter { name in
            name != stateFileName && !claimed.contains(name)
        }
        return CheckpointScan(checkpoints: found, unknownFiles: unknown)
    }

    /// `X.data-NNNNN-of-NNNNN`.
    static func isDataFileName(_ name: String) -> Bool {
        guard let r = name.range(of: ".data-", options: .backwards) else { return false }
        let tail = name[r.upperBound...]
        return tail.count == 14 && FileGlob.matches(String(tail), pattern: "?????-of-?????")
    }

    static func isRegularFile(_ file: String) -> Bool {
        var info = stat()
        return stat(file, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    static func modificationTime(_ file: String) -> Double? {
        var info = stat()
        guard stat(file, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    static func fileSize(_ file: String) -> Int64? {
        var info = stat()
        guard stat(file, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// Whether the file's last 8 bytes are the table magic (a V1 checkpoint file).
    static func endsWithTableMagic(_ file: String) -> Bool {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= 48 else { return false }
        var word: UInt64 = 0
        let n = withUnsafeMutableBytes(of: &word) { pread(fd, $0.baseAddress!, 8, off_t(info.st_size - 8)) }
        return n == 8 && UInt64(littleEndian: word) == TableFooter.magic
    }
}
