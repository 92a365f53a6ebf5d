// Named constructors, one per kind of failure (swift-asn1's Errors.swift): each
// composes the message a user sees from the data it also stores, so the wording
// of a kind is written once and its file, key and offset can be read as fields.
// Every constructor is `@inline(never)` so the throwing paths stay small.

extension MetaGraphKitError {
    // MARK: - System calls

    /// A system call failed: `"<path>: <failure>: <strerror>"`, with the errno as
    /// ``cause``. The code is `io` unless the caller names another (`exists` for
    /// `EEXIST` on an exclusive create, `notFound` for `ENOENT`).
    ///
    /// - Parameters:
    ///   - failure: What could not be done, in the user's words (`cannot open`).
    ///   - path: The file the call was about.
    ///   - errno: The errno the call left.
    ///   - code: The kind; `io` by default.
    @inline(never)
    package static func system(_ failure: String, path: String, errno: Errno, code: Code = .io,
                               fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(code, "\(path): \(failure): \(errno)", file: path, cause: errno, fileID: fileID, line: line)
    }

    // MARK: - Kinds, each with the file first

    /// Bytes that break a layout rule: `"<file>: <what>"` (code `corrupt`).
    @inline(never)
    package static func corrupt(_ file: String, _ what: String, key: String? = nil, offset: Int? = nil,
                                fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.corrupt, "\(file): \(what)", file: file, key: key, offset: offset, fileID: fileID, line: line)
    }

    /// A file that ends before what it holds: `"<file>: <what>"` (code `truncated`).
    @inline(never)
    package static func truncated(_ file: String, _ what: String, key: String? = nil, offset: Int? = nil,
                                  fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.truncated, "\(file): \(what)", file: file, key: key, offset: offset, fileID: fileID, line: line)
    }

    /// A size or count beyond the file or a limit: `"<file>: <what>"` (code `tooLarge`).
    @inline(never)
    package static func tooLarge(_ file: String, _ what: String, key: String? = nil, offset: Int? = nil,
                                 fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.tooLarge, "\(file): \(what)", file: file, key: key, offset: offset, fileID: fileID, line: line)
    }

    /// A checksum that does not match: `"<file>: <what>"` (code `badChecksum`).
    @inline(never)
    package static func badChecksum(_ file: String, _ what: String, key: String? = nil, offset: Int? = nil,
                                    fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.badChecksum, "\(file): \(what)", file: file, key: key, offset: offset, fileID: fileID, line: line)
    }

    /// Something valid this library does not handle: `"<file>: <what>"` (code `unsupported`).
    @inline(never)
    package static func unsupported(_ file: String, _ what: String, key: String? = nil, offset: Int? = nil,
                                    fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.unsupported, "\(file): \(what)", file: file, key: key, offset: offset, fileID: fileID, line: line)
    }

    /// Something asked for that is not there: `"<file>: <what>"` (code `notFound`).
    @inline(never)
    package static func notFound(_ file: String, _ what: String, key: String? = nil,
                                 fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.notFound, "\(file): \(what)", file: file, key: key, fileID: fileID, line: line)
    }

    /// An argument or option that cannot be used: `"<file>: <what>"` (code `invalidArgument`).
    @inline(never)
    package static func invalidArgument(_ file: String, _ what: String, key: String? = nil,
                                        fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.invalidArgument, "\(file): \(what)", file: file, key: key, fileID: fileID, line: line)
    }

    /// A read past what a cursor holds, or a bad value in it:
    /// `"<file>: <what>, at byte 0x…"`, with `offset` as data.
    @inline(never)
    package static func atByte(_ code: Code, _ file: String, _ what: String, offset: Int,
                               fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(code, "\(file): \(what), at byte \(hex(offset))", file: file, offset: offset, fileID: fileID, line: line)
    }

    // MARK: - Conditions several readers share

    /// No tensor of that name: `"<file>: no tensor named <key>"` (code `notFound`).
    @inline(never)
    package static func noTensor(_ file: String, key: String, fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.notFound, "\(file): no tensor named \(key)", file: file, key: key, fileID: fileID, line: line)
    }

    /// A partitioned tensor lists a slice its checkpoint does not store. The same
    /// code (`corrupt`, damage) in V1 and V2 sources, so `--skip-damaged` treats
    /// both alike.
    @inline(never)
    package static func sliceNotStored(_ file: String, key: String, slice: some CustomStringConvertible,
                                       fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.corrupt, "\(file): slice \(slice) of \(key) is listed but not stored", file: file, key: key,
             fileID: fileID, line: line)
    }

    /// A payload whose CRC32C does not match:
    /// `"<file>: checksum mismatch for <key> (bytes 0x…..+<size>)"`.
    @inline(never)
    package static func payloadChecksum(_ file: String, key: String, offset: Int, size: Int64,
                                        fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.badChecksum, "\(file): checksum mismatch for \(key) (bytes \(hex(offset))..+\(size))",
             file: file, key: key, offset: offset, fileID: fileID, line: line)
    }

    /// An entry whose bytes lie outside its data file:
    /// `"<file>: <what> is at bytes <offset>..+<size> but the file has <n> bytes"`.
    @inline(never)
    package static func outsideFile(_ file: String, _ what: String, key: String, offset: Int64, size: Int64,
                                    fileSize: Int, fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.truncated, "\(file): \(what) is at bytes \(offset)..+\(size) but the file has \(fileSize) bytes",
             file: file, key: key, offset: Int(exactly: offset), fileID: fileID, line: line)
    }

    /// An entry in a data file the bundle does not have:
    /// `"<index>: <what> is in data file <id> but the bundle has <n>"`.
    @inline(never)
    package static func shardOutOfRange(_ file: String, _ what: String, key: String, shard: Int, shards: Int,
                                        fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.corrupt, "\(file): \(what) is in data file \(shard) but the bundle has \(shards)",
             file: file, key: key, fileID: fileID, line: line)
    }

    // MARK: - Conditions of graphs and outputs

    /// A message of another type than the API takes:
    /// `"expected a <expected>, got <got>"` (code `invalidArgument`).
    @inline(never)
    package static func wrongMessageType(expected: String, got: String, file: String? = nil,
                                         fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.invalidArgument, "expected a \(expected), got \(got)", file: file, fileID: fileID, line: line)
    }

    /// No meta graph of a SavedModel has the tags asked for:
    /// `"<file>: no meta graph has exactly the tags {a,b}; available tag sets: {…} {…}"`
    /// (code `notFound`).
    @inline(never)
    package static func noMetaGraphWithTags(_ file: String, wanted: [String], available: [[String]],
                                            fileID: String = #fileID, line: UInt = #line) -> Self {
        let sets = available.map { "{" + $0.joined(separator: ",") + "}" }.joined(separator: " ")
        return Self(.notFound, "\(file): no meta graph has exactly the tags {\(wanted.joined(separator: ","))}; "
                    + "available tag sets: \(sets.isEmpty ? "none" : sets)", file: file, fileID: fileID, line: line)
    }

    /// An output that exists, written only with `--overwrite`:
    /// `"<path>: <what>; use --overwrite to replace it"` (code `exists`), where
    /// `what` is `exists` or `the destination exists` (with what is there).
    @inline(never)
    package static func outputExists(_ path: String, _ what: String = "exists",
                                     fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.exists, "\(path): \(what); use --overwrite to replace it", file: path, fileID: fileID, line: line)
    }

    /// An output whose directory is missing:
    /// `"<destination>: the directory <parent> does not exist"` (code `notFound`).
    @inline(never)
    package static func noOutputDirectory(_ destination: String, parent: String,
                                          fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.notFound, "\(destination): the directory \(parent) does not exist", file: destination, fileID: fileID, line: line)
    }

    /// A destination directory that is a file: `"<path>: exists and is not a directory"`
    /// (code `exists`).
    @inline(never)
    package static func notADirectory(_ path: String, fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.exists, "\(path): exists and is not a directory", file: path, fileID: fileID, line: line)
    }

    /// A path that must be a regular file but is not: `"<path>: not a regular file"`
    /// (code `io`).
    @inline(never)
    package static func notARegularFile(_ path: String, fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.io, "\(path): not a regular file", file: path, fileID: fileID, line: line)
    }

    /// A directory where a file is read: `"<path>: is a directory, not a file"` (code `io`).
    @inline(never)
    package static func isADirectory(_ path: String, fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.io, "\(path): is a directory, not a file", file: path, fileID: fileID, line: line)
    }

    /// A write to an output already closed: `"<path>: write after close"` (code `io`).
    @inline(never)
    package static func writeAfterClose(_ path: String, fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.io, "\(path): write after close", file: path, fileID: fileID, line: line)
    }

    /// A tensor whose bytes do not fill its shape:
    /// `"<key>: the data do not match the shape"` (code `corrupt`).
    @inline(never)
    package static func dataDoNotMatchShape(key: String, fileID: String = #fileID, line: UInt = #line) -> Self {
        Self(.corrupt, "\(key): the data do not match the shape", key: key, fileID: fileID, line: line)
    }
}
