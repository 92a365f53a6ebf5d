// The C ABI of MetaGraphKit's checkpoint reader and writer, for bindings that
// load a shared library (Python's ctypes: Python/tfmeta). It only converts
// arguments and results; every check, CRC and rule is MetaGraphKit's.
//
// Conventions (tfmeta.h spells them out):
// - Functions that can fail return 0 on success, 1 when the input or operation
//   failed and 2 for a usage error, and then store a JSON object
//   {"code", "message", "file", ...} in *error, to be freed with tfmeta_free.
//   Nothing ever traps on bad input.
// - A handle (tfmeta_open) owns everything it lends: entry strings, the entries
//   JSON, and tensor bytes mapped from V2 data files. They stay valid until
//   tfmeta_close. Bytes returned with an owner are the caller's: free the owner
//   with tfmeta_free.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetaGraphKit
import TFMetaCommands

/// An open checkpoint and the C strings lent from it.
final class TFMetaHandle {
    let reader: CheckpointReader
    let path: String
    private var lent: [UnsafeMutableRawPointer] = []
    // Sized on first use: a handle opened to read a few tensors never lists.
    private var entryKeys: [UnsafeMutablePointer<CChar>?] = []
    private var entryDTypes: [UnsafeMutablePointer<CChar>?] = []
    private var entryShapes: [UnsafeMutablePointer<Int64>?] = []
    private var entriesJSON: UnsafeMutablePointer<CChar>?
    /// The document of `tfmeta_entries_columns` (TFMetaC+Python.swift), once made.
    var columnsJSON: UnsafeMutablePointer<CChar>?
    /// What `tfmeta_info` and `tfmeta_columns` lend (TFMetaC+Columns.swift), once made.
    var infoJSON: UnsafeMutablePointer<CChar>?
    var packedColumns: TFMetaColumns?

    init(reader: CheckpointReader, path: String) {
        self.reader = reader
        self.path = path
    }

    /// The entries, decoding a lazily opened index on first use (nil when it is
    /// damaged: `tfmeta_load_entries` reports why).
    var entries: [TensorEntry]? { try? reader.loadEntries() }

    deinit {
        for p in entryKeys { free(p) }
        for p in entryDTypes { free(p) }
        for p in entryShapes { free(p) }
        free(entriesJSON)
        free(columnsJSON)
        free(infoJSON)
    }

    /// Key, dtype name and shape of entry `i`, lent until the handle closes.
    func entry(_ i: Int) -> (UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int64>?) {
        if entryKeys.isEmpty {
            let n = reader.entries.count
            entryKeys = Array(repeating: nil, count: n)
            entryDTypes = Array(repeating: nil, count: n)
            entryShapes = Array(repeating: nil, count: n)
        }
        if entryKeys[i] == nil {
            let e = reader.entries[i]
            entryKeys[i] = strdup(e.key)
            entryDTypes[i] = strdup(e.dtype.name)
            let shape = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, e.shape.count))
            for (j, d) in e.shape.enumerated() { shape[j] = Int64(d) }
            entryShapes[i] = shape
        }
        return (entryKeys[i], entryDTypes[i], entryShapes[i])
    }

    /// `{"format", "prefix", "metadata": {…}, "entries": [{"key", "dtype", "shape", "slices"}]}`.
    func json() -> UnsafeMutablePointer<CChar>? {
        if entriesJSON == nil, entries != nil {
            // Written directly (not as a JSONValue tree): this is on the path of
            // every open, and checkpoints have thousands of entries.
            let meta = JSONValue.object(reader.metadata.map { ($0.0, .string($0.1)) })
            var out = "{\"format\":" + JSONValue.string(reader.formatName).serialized()
                + ",\"prefix\":" + JSONValue.string(reader.prefix).serialized()
                + ",\"metadata\":" + meta.serialized() + ",\"entries\":["
            out.reserveCapacity(out.utf8.count + reader.entries.count * 64)
            for (i, e) in reader.entries.enumerated() {
                if i > 0 { out += "," }
                out += "{\"key\":"
                out += JSONValue.string(e.key).serialized()
                out += ",\"dtype\":\""
                out += e.dtype.name
                out += "\",\"shape\":["
                out += e.shape.map { String($0) }.joined(separator: ",")
                out += "],\"slices\":"
                out += String(e.slices.count)
                out += "}"
            }
            out += "]}"
            entriesJSON = strdup(out)
        }
        return entriesJSON
    }
}

// MARK: - Errors

/// A JSON scalar for one stored property of an error (strings and integers;
/// optionals unwrapped), so fields added to MetaGraphKitError later come through.
private func jsonScalar(_ value: Any) -> JSONValue? {
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .optional {
        guard let inner = mirror.children.first else { return nil }
        return jsonScalar(inner.value)
    }
    switch value {
    case let s as String: return .string(s)
    case let i as Int: return .int(Int64(i))
    case let i as Int64: return .int(i)
    case let i as Int32: return .int(Int64(i))
    case let u as UInt64: return .uint(u)
    case let c as any CustomStringConvertible where mirror.displayStyle == .struct && mirror.children.isEmpty: return .string(c.description)
    default: return nil
    }
}

/// Stores the JSON of `error` in `out` and returns the status (1, or 2 for usage).
private func fail(_ error: any Error, file: String?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var fields: [(String, JSONValue)]
    var status: Int32 = 1
    if let e = error as? MetaGraphKitError {
        fields = [("code", .string(e.code.rawValue)), ("message", .string(e.message))]
        for child in Mirror(reflecting: e).children {
            guard let label = child.label, !["code", "message", "cause"].contains(label),
                  let v = jsonScalar(child.value) else { continue }
            fields.append((label, v))
        }
        if e.code == .invalidArgument { status = 2 }
    } else {
        fields = [("code", .string("io")), ("message", .string("\(file ?? "tfmeta"): \(error)"))]
    }
    if !fields.contains(where: { $0.0 == "file" }), let file { fields.append(("file", .string(file))) }
    out?.pointee = strdup(JSONValue.object(fields).serialized())
    return status
}

/// `fail` for the ABI's other files.
func tfmeta_error_json(_ error: any Error, file: String?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    fail(error, file: file, out)
}

private func usage(_ message: String, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    fail(MetaGraphKitError(.invalidArgument, message), file: nil, out)
}

private func handle(_ h: UnsafeMutableRawPointer?) -> TFMetaHandle? {
    h.map { Unmanaged<TFMetaHandle>.fromOpaque($0).takeUnretainedValue() }
}

/// A key given as pointer and length (keys are bytes; V2 keys need not be UTF-8).
private func keyString(_ key: UnsafePointer<CChar>?, _ length: Int64) -> String? {
    guard let key, length >= 0 else { return nil }
    return String(decoding: UnsafeRawBufferPointer(start: key, count: Int(length)), as: UTF8.self)
}

// MARK: - The ABI

/// The version of this ABI (incremented when a function changes).
@_cdecl("tfmeta_abi_version")
public func tfmeta_abi_version() -> Int32 { 3 }

/// Frees a string or buffer this library returned (NULL is ignored).
@_cdecl("tfmeta_free")
public func tfmeta_free(_ p: UnsafeMutableRawPointer?) { free(p) }

/// Opens a checkpoint: any path `CheckpointReader(path:)` takes.
@_cdecl("tfmeta_open")
public func tfmeta_open(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                        _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let path, let out else { return usage("tfmeta_open: NULL argument", errorOut) }
    let p = String(cString: path)
    do {
        // Lazy: reading one tensor costs a binary search of the index, whatever
        // the number of keys; the listing is decoded on first use.
        let reader = try CheckpointReader(path: p, lazy: true)
        out.pointee = Unmanaged.passRetained(TFMetaHandle(reader: reader, path: p)).toOpaque()
        return 0
    } catch {
        return fail(error, file: p, errorOut)
    }
}

/// Closes a handle; everything it lent becomes invalid.
@_cdecl("tfmeta_close")
public func tfmeta_close(_ h: UnsafeMutableRawPointer?) {
    if let h { Unmanaged<TFMetaHandle>.fromOpaque(h).release() }
}

/// Decodes the whole index of an open checkpoint (once; `tfmeta_open` reads
/// only what single lookups need). Returns 0, or 1 with the error of a damaged
/// index in `*error`.
@_cdecl("tfmeta_load_entries")
public func tfmeta_load_entries(_ h: UnsafeMutableRawPointer?, _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let r = handle(h) else { return usage("tfmeta_load_entries: NULL handle", errorOut) }
    do {
        try r.reader.loadEntries()
        return 0
    } catch {
        return fail(error, file: r.reader.prefix, errorOut)
    }
}

/// The number of tensors (entries), or -1 for a NULL handle or an index that
/// cannot be decoded (`tfmeta_load_entries` says why).
@_cdecl("tfmeta_count")
public func tfmeta_count(_ h: UnsafeMutableRawPointer?) -> Int64 {
    guard let r = handle(h), let entries = r.entries else { return -1 }
    return Int64(entries.count)
}

/// Entry `i` (sorted by key): NUL-terminated UTF-8 key, dtype name (`float32`, …),
/// rank and dimensions, all lent until close. Returns 0, or 2 for a bad index.
@_cdecl("tfmeta_entry")
public func tfmeta_entry(_ h: UnsafeMutableRawPointer?, _ i: Int64,
                         _ key: UnsafeMutablePointer<UnsafePointer<CChar>?>?, _ dtype: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                         _ rank: UnsafeMutablePointer<Int32>?, _ shape: UnsafeMutablePointer<UnsafePointer<Int64>?>?) -> Int32 {
    guard let r = handle(h), let entries = r.entries, i >= 0, i < Int64(entries.count) else { return 2 }
    let (k, d, s) = r.entry(Int(i))
    key?.pointee = UnsafePointer(k)
    dtype?.pointee = UnsafePointer(d)
    rank?.pointee = Int32(entries[Int(i)].shape.count)
    shape?.pointee = UnsafePointer(s)
    return 0
}

/// Every entry and the checkpoint's facts as one JSON document (lent until close):
/// `{"format", "prefix", "metadata": {str: str}, "entries": [{"key", "dtype", "shape", "slices"}]}`;
/// NULL for a NULL handle or an index that cannot be decoded (`tfmeta_load_entries` says why).
@_cdecl("tfmeta_entries_json")
public func tfmeta_entries_json(_ h: UnsafeMutableRawPointer?) -> UnsafePointer<CChar>? {
    handle(h).flatMap { UnsafePointer($0.json()) }
}

/// The raw little-endian bytes of a fixed-size tensor, slices assembled.
///
/// On success `*data`/`*length` hold the bytes. `*owner` is NULL when they are
/// the mapped data file's (a V2 tensor stored whole: no copy, valid until close);
/// otherwise it is a copy to release with `tfmeta_free(*owner)`. `check_crc` 0
/// skips the CRC of a mapped payload (for reading part of it; bounds and size are
/// still checked).
@_cdecl("tfmeta_tensor_bytes")
public func tfmeta_tensor_bytes(_ h: UnsafeMutableRawPointer?, _ key: UnsafePointer<CChar>?, _ keyLength: Int64, _ checkCRC: Int32,
                                _ data: UnsafeMutablePointer<UnsafeRawPointer?>?, _ length: UnsafeMutablePointer<Int64>?,
                                _ owner: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let r = handle(h), let name = keyString(key, keyLength), let data, let length, let owner else {
        return usage("tfmeta_tensor_bytes: NULL argument", errorOut)
    }
    do {
        switch try r.reader.lendTensorBytes(name, checkCRC: checkCRC != 0) {
        case .mapped(let b):
            data.pointee = b.baseAddress
            length.pointee = Int64(b.count)
            owner.pointee = nil
        case .owned(let b):
            let p = malloc(max(1, b.count))!
            b.withUnsafeBytes { if let src = $0.baseAddress { memcpy(p, src, b.count) } }
            data.pointee = UnsafeRawPointer(p)
            length.pointee = Int64(b.count)
            owner.pointee = p
        }
        return 0
    } catch {
        return fail(error, file: r.reader.prefix, errorOut)
    }
}

/// The elements of a string tensor, slices assembled: `*count` strings whose bytes
/// are `data[offsets[i] ..< offsets[i+1]]`. One buffer holds the `count + 1`
/// offsets then the bytes; `*offsets` points at it: release it with
/// `tfmeta_free((void *)*offsets)`.
@_cdecl("tfmeta_tensor_strings")
public func tfmeta_tensor_strings(_ h: UnsafeMutableRawPointer?, _ key: UnsafePointer<CChar>?, _ keyLength: Int64,
                                  _ count: UnsafeMutablePointer<Int64>?, _ offsets: UnsafeMutablePointer<UnsafePointer<Int64>?>?,
                                  _ data: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
                                  _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let r = handle(h), let name = keyString(key, keyLength), let count, let offsets, let data else {
        return usage("tfmeta_tensor_strings: NULL argument", errorOut)
    }
    do {
        let t = try r.reader.tensor(name)
        guard let strings = t.strings else {
            throw MetaGraphKitError(.invalidArgument, "\(r.reader.prefix): \(name) is a \(t.dtype.name) tensor, not strings")
        }
        let total = strings.reduce(0) { $0 + $1.count }
        let head = (strings.count + 1) * 8
        let buffer = malloc(max(1, head + total))!
        let offs = buffer.bindMemory(to: Int64.self, capacity: strings.count + 1)
        let bytes = (buffer + head).assumingMemoryBound(to: UInt8.self)
        var at = 0
        for (i, s) in strings.enumerated() {
            offs[i] = Int64(at)
            s.withUnsafeBytes { if let src = $0.baseAddress { memcpy(bytes + at, src, s.count) } }
            at += s.count
        }
        offs[strings.count] = Int64(at)
        count.pointee = Int64(strings.count)
        offsets.pointee = UnsafePointer(offs)
        data.pointee = UnsafePointer(bytes)
        return 0
    } catch {
        return fail(error, file: r.reader.prefix, errorOut)
    }
}

/// Checks the whole checkpoint (`tfmeta ckpt verify`). Returns 0 when sound;
/// otherwise 1 and `*problems` holds a JSON array of error objects (free it).
@_cdecl("tfmeta_verify")
public func tfmeta_verify(_ h: UnsafeMutableRawPointer?, _ problems: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let r = handle(h) else { return usage("tfmeta_verify: NULL handle", problems) }
    let found = r.reader.verify()
    if found.isEmpty { return 0 }
    var items: [String] = []
    for e in found {
        var p: UnsafeMutablePointer<CChar>?
        _ = fail(e, file: r.reader.prefix, &p)
        if let p { items.append(String(cString: p)); free(p) }
    }
    problems?.pointee = strdup("[" + items.joined(separator: ",") + "]")
    return 1
}

/// `tf.train.list_variables`: opens `path`, returns the entries JSON of
/// ``tfmeta_entries_json`` in `*out` (free it), closes.
@_cdecl("tfmeta_list_variables")
public func tfmeta_list_variables(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                  _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let path, let out else { return usage("tfmeta_list_variables: NULL argument", errorOut) }
    let p = String(cString: path)
    do {
        let h = TFMetaHandle(reader: try CheckpointReader(path: p), path: p)
        out.pointee = h.json().map { strdup($0) } ?? nil
        return 0
    } catch {
        return fail(error, file: p, errorOut)
    }
}

/// Writes a V2 checkpoint at `prefix` from `count` arrays (BundleWriter, files
/// renamed into place when complete; an existing checkpoint is replaced only when
/// `overwrite` is nonzero). Array i: NUL-terminated UTF-8 `keys[i]`, dtype name
/// `dtypes[i]`, `ranks[i]` dimensions taken in order from `dims`, and
/// `lengths[i]` bytes at `data[i]` (little-endian, row-major). A `string` array's
/// bytes are its elements concatenated, and `string_offsets[i]` holds the
/// element count + 1 offsets into them (NULL for other dtypes).
@_cdecl("tfmeta_save")
public func tfmeta_save(_ prefix: UnsafePointer<CChar>?, _ shards: Int32, _ overwrite: Int32, _ count: Int64,
                        _ keys: UnsafePointer<UnsafePointer<CChar>?>?, _ dtypes: UnsafePointer<UnsafePointer<CChar>?>?,
                        _ ranks: UnsafePointer<Int32>?, _ dims: UnsafePointer<Int64>?,
                        _ data: UnsafePointer<UnsafeRawPointer?>?, _ lengths: UnsafePointer<Int64>?,
                        _ stringOffsets: UnsafePointer<UnsafePointer<Int64>?>?,
                        _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let prefix, count >= 0 else { return usage("tfmeta_save: NULL prefix", errorOut) }
    let p = String(cString: prefix)
    guard count == 0 || (keys != nil && dtypes != nil && ranks != nil && data != nil && lengths != nil) else {
        return usage("tfmeta_save: NULL array", errorOut)
    }
    var options = BundleWriter.Options()
    options.shards = Int(shards)
    do {
        try BundleWriter.save(prefix: p, overwrite: overwrite != 0, options: options) { writer in
            var at = 0
            for i in 0..<Int(count) {
                guard let k = keys![i], let d = dtypes![i] else {
                    throw MetaGraphKitError(.invalidArgument, "\(p): array \(i) has no key or dtype")
                }
                let key = String(cString: k)
                let name = String(cString: d)
                let rank = Int(ranks![i])
                guard rank >= 0, rank <= 64 else {
                    throw MetaGraphKitError(.invalidArgument, "\(p): \(key) has rank \(rank)")
                }
                if rank > 0, dims == nil { throw MetaGraphKitError(.invalidArgument, "\(p): no dimensions") }
                let shape = (0..<rank).map { Int(dims![at + $0]) }
                at += rank
                let length = lengths![i]
                guard length >= 0, length == 0 || data![i] != nil else {
                    throw MetaGraphKitError(.invalidArgument, "\(p): \(key) has no bytes")
                }
                let bytes = UnsafeRawBufferPointer(start: data![i], count: Int(length))
                guard let dtype = DType(name: name), !dtype.isReference else {
                    throw MetaGraphKitError(.invalidArgument, "\(p): \(key) has unknown dtype \(name)")
                }
                if dtype == .string {
                    guard let offs = stringOffsets?[i] else {
                        throw MetaGraphKitError(.invalidArgument, "\(p): string tensor \(key) has no offsets")
                    }
                    let n = shape.reduce(1) { $0.multipliedReportingOverflow(by: max(0, $1)).overflow ? Int.max : $0 * max(0, $1) }
                    guard shape.allSatisfy({ $0 >= 0 }), n < Int(length) + 1 + (1 << 20) else {
                        throw MetaGraphKitError(.invalidArgument, "\(p): \(key) has shape \(shape), not its strings' count")
                    }
                    var strings: [[UInt8]] = []
                    strings.reserveCapacity(n)
                    for j in 0..<n {
                        let a = Int(offs[j]), b = Int(offs[j + 1])
                        guard a >= 0, a <= b, b <= Int(length) else {
                            throw MetaGraphKitError(.invalidArgument, "\(p): \(key) string \(j) is out of bounds")
                        }
                        strings.append(Array(UnsafeRawBufferPointer(rebasing: bytes[a..<b])))
                    }
                    try writer.add(name: key, shape: shape, strings: strings)
                } else {
                    try writer.add(name: key, dtype: dtype, shape: shape, bytes: bytes)
                }
            }
        }
        return 0
    } catch {
        return fail(error, file: p, errorOut)
    }
}

// MARK: - The command

/// Runs the `tfmeta` command with `argv[1...]` and exits the process with its
/// status (the wheel's `bin/tfmeta` launcher calls this; never returns).
@_cdecl("tfmeta_main")
public func tfmeta_main(_ argc: Int32, _ argv: UnsafePointer<UnsafePointer<CChar>?>?) -> Int32 {
    var arguments: [String] = []
    if let argv, argc > 1 {
        for i in 1..<Int(argc) { if let a = argv[i] { arguments.append(String(cString: a)) } }
    }
    TFMetaEntry.run(arguments)
}
