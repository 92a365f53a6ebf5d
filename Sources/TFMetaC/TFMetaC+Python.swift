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
    /// The document of ``tfmeta_entries_columns``, made once and lent. Written as
    /// bytes (about ten times faster than String concatenation with a JSONValue
    /// per key: this is on the path of every open).
    func columns() -> UnsafeMutablePointer<CChar>? {
        if let columnsJSON { return columnsJSON }
        let entries = reader.entries
        let meta = JSONValue.object(reader.metadata.map { ($0.0, .string($0.1)) })
        var out: [UInt8] = []
        out.reserveCapacity(256 + entries.count * 64)
        func add(_ s: String) { out.append(contentsOf: s.utf8) }
        add("{\"format\":" + JSONValue.string(reader.formatName).serialized()
            + ",\"prefix\":" + JSONValue.string(reader.prefix).serialized()
            + ",\"metadata\":" + meta.serialized() + ",\"keys\":[")
        for (i, e) in entries.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(e.key, to: &out)
        }
        add("],\"dtypes\":[")
        for (i, e) in entries.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            add(e.dtype.name)
            out.append(UInt8(ascii: "\""))
        }
        add("],\"shapes\":[")
        for (i, e) in entries.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            for (j, d) in e.shape.enumerated() {
                if j > 0 { out.append(UInt8(ascii: ",")) }
                add(String(d))
            }
            out.append(UInt8(ascii: "]"))
        }
        add("]}")
        out.append(0)
        let made = malloc(out.count)!.assumingMemoryBound(to: CChar.self)
        _ = out.withUnsafeBytes { memcpy(made, $0.baseAddress!, $0.count) }
        columnsJSON = made
        return made
    }
}

/// Appends `s` as a JSON string: `"` and `\\` escaped, control characters as
/// `\\u00XX`, everything else as its UTF-8 bytes.
private func appendJSONString(_ s: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            out.append(UInt8(ascii: "\\"))
            out.append(b)
        case 0..<0x20:
            out.append(contentsOf: Array("\\u00".utf8))
            out.append(UInt8(ascii: "0") + (b >> 4))
            out.append(b & 15 < 10 ? UInt8(ascii: "0") + (b & 15) : UInt8(ascii: "a") + (b & 15) - 10)
        default:
            out.append(b)
        }
    }
    out.append(UInt8(ascii: "\""))
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
