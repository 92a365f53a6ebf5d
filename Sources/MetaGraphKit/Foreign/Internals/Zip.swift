// The one place that calls libzip. Archives are untrusted: entry names are checked
// (no absolute or parent-escaping paths), sizes are capped before anything is read,
// an entry's inflated bytes are counted as they come (a zip bomb stops at its cap),
// and libzip checks each entry's CRC at its end.
internal import CZip
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum Zip {
    /// One entry of an archive's central directory.
    struct Entry {
        var name: String
        var index: UInt64
        var size: Int
        var compressedSize: Int
        var stored: Bool
    }

    /// Compressed entries may inflate to at most this many times their size (deflate
    /// itself cannot exceed about 1,032; real weights compress to about 1.1).
    static let maxRatio = 200

    /// An archive open for reading.
    final class Archive {
        let name: String
        private let handle: OpaquePointer
        private(set) var entries: [Entry] = []

        /// Opens `path` and checks every entry's name.
        init(path: String) throws {
            name = path
            var error: Int32 = 0
            guard let h = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &error) else {
                var e = zip_error_t()
                zip_error_init_with_code(&e, error)
                defer { zip_error_fini(&e) }
                throw MetaGraphKitError.corrupt(path, "not a readable zip archive: \(String(cString: zip_error_strerror(&e)))")
            }
            handle = h   // from here on deinit discards it, also when init throws
            let count = zip_get_num_entries(h, 0)
            guard count >= 0, count <= 100_000 else {
                throw MetaGraphKitError.tooLarge(path, "the archive lists \(count) entries")
            }
            for i in 0..<UInt64(count) {
                var st = zip_stat_t()
                guard zip_stat_index(h, i, 0, &st) == 0, let cName = st.name else {
                    throw MetaGraphKitError.corrupt(path, "damaged zip entry \(i)")
                }
                let entryName = String(cString: cName)
                guard Zip.isSafe(entryName) else {
                    throw MetaGraphKitError.corrupt(path, "entry \"\(entryName)\" names a path outside the archive (absolute, or with ..); refusing it")
                }
                guard st.size <= UInt64(Int.max), st.comp_size <= UInt64(Int.max) else {
                    throw MetaGraphKitError.tooLarge(path, "entry \(entryName) declares an impossible size")
                }
                entries.append(Entry(name: entryName, index: i, size: Int(st.size), compressedSize: Int(st.comp_size),
                                     stored: st.comp_method == UInt16(ZIP_CM_STORE)))
            }
        }

        deinit { zip_discard(handle) }

        func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

        /// Checks an entry's declared size against `limit` and, for a compressed
        /// one, against ``Zip/maxRatio`` times its compressed size: what a caller
        /// checks before allocating the entry's size.
        ///
        /// - Throws: ``MetaGraphKitError`` `tooLarge`.
        func admit(_ entry: Entry, limit: Int) throws {
            guard entry.size <= limit else {
                throw MetaGraphKitError.tooLarge(name, "entry \(entry.name) is \(entry.size) bytes, more than the \(limit)-byte limit")
            }
            if !entry.stored, entry.size > 1 << 20, entry.size / max(entry.compressedSize, 1) > Zip.maxRatio {
                throw MetaGraphKitError(.tooLarge,
                    "\(name): entry \(entry.name) would inflate \(entry.compressedSize) bytes to \(entry.size) (a zip bomb?); refusing it")
            }
        }

        /// The first `count` bytes of an entry (fewer when it is shorter); the CRC is
        /// not checked (it covers the whole entry).
        ///
        /// - Throws: ``MetaGraphKitError`` `corrupt` for damaged compressed data.
        func prefix(_ entry: Entry, count: Int) throws -> [UInt8] {
            guard let file = zip_fopen_index(handle, entry.index, 0) else {
                throw MetaGraphKitError.corrupt(name, "cannot open entry \(entry.name): \(String(cString: zip_strerror(handle)))")
            }
            defer { zip_fclose(file) }
            let wanted = min(count, entry.size)
            var out = [UInt8](repeating: 0, count: wanted)
            var done = 0
            while done < wanted {
                let n = out.withUnsafeMutableBytes { zip_fread(file, $0.baseAddress! + done, UInt64(wanted - done)) }
                if n < 0 {
                    throw MetaGraphKitError.corrupt(name, "entry \(entry.name) is damaged: \(String(cString: zip_file_strerror(file)))")
                }
                if n == 0 { break }
                done += Int(n)
            }
            return Array(out[..<done])
        }

        /// Streams one entry's bytes to `sink`, at most `limit` bytes; checks the
        /// declared size, the inflation ratio and (libzip) the CRC.
        func read(_ entry: Entry, limit: Int, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
            try admit(entry, limit: limit)
            guard let file = zip_fopen_index(handle, entry.index, 0) else {
                throw MetaGraphKitError.corrupt(name, "cannot open entry \(entry.name): \(String(cString: zip_strerror(handle)))")
            }
            defer { zip_fclose(file) }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            var total = 0
            while true {
                let n = zip_fread(file, buffer.baseAddress!, UInt64(buffer.count))
                if n < 0 {
                    throw MetaGraphKitError.corrupt(name, "entry \(entry.name) is damaged: \(String(cString: zip_file_strerror(file)))")
                }
                if n == 0 { break }
                total += Int(n)
                guard total <= entry.size else {
                    throw MetaGraphKitError.corrupt(name, "entry \(entry.name) holds more than its declared \(entry.size) bytes")
                }
                try sink(UnsafeRawBufferPointer(rebasing: buffer[..<Int(n)]))
            }
            guard total == entry.size else {
                throw MetaGraphKitError.truncated(name, "entry \(entry.name) ends after \(total) of \(entry.size) bytes")
            }
        }

        /// One small entry's bytes.
        func bytes(_ entry: Entry, limit: Int) throws -> [UInt8] {
            var out: [UInt8] = []
            try read(entry, limit: limit) { out.append(contentsOf: $0) }
            return out
        }
    }

    /// Whether an entry name stays inside the archive's directory.
    static func isSafe(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.contains("\\"), !name.utf8.contains(0) else { return false }
        return !name.split(separator: "/", omittingEmptySubsequences: false).contains("..")
    }

    /// What an archive entry holds when writing.
    enum Content {
        case bytes([UInt8])
        case file(String)
    }

    /// Writes an archive of stored (uncompressed) entries at `path` (replaced if it
    /// exists: the caller's temporary).
    static func write(path: String, entries: [(String, Content)]) throws {
        var error: Int32 = 0
        guard let h = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &error) else {
            throw MetaGraphKitError(.io, "\(path): libzip cannot create the archive (error \(error))")
        }
        var closed = false
        defer { if !closed { zip_discard(h) } }
        for (name, content) in entries {
            let source: OpaquePointer?
            switch content {
            case .bytes(let b):
                let copy = malloc(max(b.count, 1))!
                b.withUnsafeBytes { if $0.count > 0 { copy.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
                source = zip_source_buffer(h, copy, UInt64(b.count), 1)
                if source == nil { free(copy) }
            case .file(let f):
                source = zip_source_file(h, f, 0, -1)
            }
            guard let source else { throw MetaGraphKitError(.io, "\(path): libzip cannot add \(name)") }
            let index = zip_file_add(h, name, source, zip_flags_t(ZIP_FL_ENC_UTF_8))
            guard index >= 0 else {
                zip_source_free(source)
                throw MetaGraphKitError(.io, "\(path): libzip cannot add \(name): \(String(cString: zip_strerror(h)))")
            }
            zip_set_file_compression(h, UInt64(index), ZIP_CM_STORE, 0)
        }
        closed = true
        guard zip_close(h) == 0 else {
            let message = String(cString: zip_strerror(h))
            zip_discard(h)
            throw MetaGraphKitError(.io, "\(path): libzip cannot write the archive: \(message)")
        }
    }
}
