// The calls the Python binding makes once per open and once per tensor, shaped for
// ctypes: the listing as columns (three JSON arrays parse in half the time of one
// object per entry, and the binding builds its dicts with zip), and the tensor's
// results in one out-struct instead of four out-pointers (each a Python object
// made per call).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetaGraphKit

/// The listing and the checkpoint's facts as one JSON document, lent until close:
/// `{"format", "prefix", "metadata": {str: str}, "keys": [str], "dtypes": [str],
/// "shapes": [[int]]}`, entry i being `keys[i]`, `dtypes[i]`, `shapes[i]`
/// (sorted by key; full shapes of sliced tensors). NULL for a NULL handle.
@_cdecl("tfmeta_entries_columns")
public func tfmeta_entries_columns(_ h: UnsafeMutableRawPointer?) -> UnsafePointer<CChar>? {
    guard let h else { return nil }
    return UnsafePointer(Unmanaged<TFMetaHandle>.fromOpaque(h).takeUnretainedValue().columns())
}

extension TFMetaHandle {
    /// The document of ``tfmeta_entries_columns``, made once and lent.
    func columns() -> UnsafeMutablePointer<CChar>? {
        if let columnsJSON { return columnsJSON }
        let entries = reader.entries
        let meta = JSONValue.object(reader.metadata.map { ($0.0, .string($0.1)) })
        var out = "{\"format\":" + JSONValue.string(reader.formatName).serialized()
            + ",\"prefix\":" + JSONValue.string(reader.prefix).serialized()
            + ",\"metadata\":" + meta.serialized() + ",\"keys\":["
        out.reserveCapacity(out.utf8.count + entries.count * 48)
        for (i, e) in entries.enumerated() {
            if i > 0 { out += "," }
            out += JSONValue.string(e.key).serialized()
        }
        out += "],\"dtypes\":["
        for (i, e) in entries.enumerated() {
            out += i > 0 ? ",\"" : "\""
            out += e.dtype.name
            out += "\""
        }
        out += "],\"shapes\":["
        for (i, e) in entries.enumerated() {
            out += i > 0 ? ",[" : "["
            for (j, d) in e.shape.enumerated() {
                if j > 0 { out += "," }
                out += String(d)
            }
            out += "]"
        }
        out += "]}"
        columnsJSON = strdup(out)
        return columnsJSON
    }
}

/// `tfmeta_tensor_bytes` with its results in one struct (tfmeta.h's `tfmeta_view`:
/// `data`, `length`, `owner`, `error`, each 8 bytes, in that order). Returns 0, or
/// 1/2 with `out->error` set as `tfmeta_tensor_bytes` sets `*error`.
@_cdecl("tfmeta_tensor_view")
public func tfmeta_tensor_view(_ h: UnsafeMutableRawPointer?, _ key: UnsafePointer<CChar>?, _ keyLength: Int64,
                               _ checkCRC: Int32, _ out: UnsafeMutableRawPointer?) -> Int32 {
    guard let out else { return 2 }
    let data = (out + 0).assumingMemoryBound(to: UnsafeRawPointer?.self)
    let length = (out + 8).assumingMemoryBound(to: Int64.self)
    let owner = (out + 16).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    let error = (out + 24).assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
    return tfmeta_tensor_bytes(h, key, keyLength, checkCRC, data, length, owner, error)
}
