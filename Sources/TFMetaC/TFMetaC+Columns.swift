// The Python binding's fast path over many small tensors (issue 14) and its lazy
// open (issue 17), shaped for ctypes:
// - tfmeta_info: the facts of an open checkpoint without listing it;
// - tfmeta_tensor_get: one tensor and its entry (dtype, shape) in one call, by
//   binary search in a lazily opened index;
// - tfmeta_columns: the whole listing as packed arrays (keys, dtype and shape ids,
//   and where each V2 payload lies), decoded in bulk by numpy;
// - tfmeta_check_payloads: the checks of many payloads (bounds, size, CRC) in one
//   call, so the binding can then hand out views of tfmeta_data_file's mapping
//   with no call per tensor.
// Everything lent stays valid until tfmeta_close, as in TFMetaC.swift.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetaGraphKit

/// The listing as packed columns, made once per handle by ``tfmeta_columns``.
///
/// The columns' arrays are lent as they are (not copied: on 3,000 keys the
/// copies and the fresh pages they touched were a tenth of the call): they are
/// `let`s of this object, never changed, so their storage stays put until close.
/// An empty column is lent as a pointer to 8 zero bytes, never NULL.
final class TFMetaColumns {
    let payloads: CheckpointReader.PayloadTable
    let columns: CheckpointReader.ListingColumns
    let count: Int
    let dtypesJSON: UnsafeMutablePointer<CChar>
    let shapesJSON: UnsafeMutablePointer<CChar>
    /// Whether the keys are strictly increasing bytewise, hence distinct
    /// (``tfmeta_columns_distinct``); false for a damaged index that repeats or
    /// misorders keys.
    let distinct: Bool
    private let empty: UnsafeMutableRawPointer
    /// keys, key_offsets, dtype_ids, shape_ids, shards, offsets, sizes.
    private(set) var lent: [UnsafeRawPointer] = []

    init(_ columns: CheckpointReader.ListingColumns, payloads: CheckpointReader.PayloadTable) {
        self.payloads = payloads
        self.columns = columns
        count = columns.count
        empty = .allocate(byteCount: 8, alignment: 8)
        empty.initializeMemory(as: UInt64.self, repeating: 0, count: 1)
        dtypesJSON = strdup(JSONValue.array(columns.dtypeNames.map { .string($0) }).serialized())!
        shapesJSON = strdup("[" + columns.shapes.map { "[" + $0.map { String($0) }.joined(separator: ",") + "]" }
            .joined(separator: ",") + "]")!
        distinct = Self.strictlyIncreasing(columns)
        lent = [lend(self.columns.keys), lend(self.columns.keyOffsets), lend(self.columns.dtypeIDs),
                lend(self.columns.shapeIDs), lend(self.payloads.shards), lend(self.payloads.offsets),
                lend(self.payloads.sizes)]
    }

    /// Whether each key is bytewise greater than the one before it.
    static func strictlyIncreasing(_ columns: CheckpointReader.ListingColumns) -> Bool {
        let offsets = columns.keyOffsets
        guard offsets.count > 2 else { return true }
        return columns.keys.withUnsafeBytes { keys in
            guard let base = keys.baseAddress else { return true }
            for i in 1..<(offsets.count - 1) {
                // Key i - 1 is [a, b - 1), key i is [b, e - 1): each ends with a NUL.
                let a = Int(offsets[i - 1]), b = Int(offsets[i]), e = Int(offsets[i + 1])
                let left = b - 1 - a, right = e - 1 - b
                let common = min(left, right)
                let c = common > 0 ? memcmp(base + a, base + b, common) : 0
                if c > 0 || (c == 0 && left >= right) { return false }
            }
            return true
        }
    }

    /// The storage of one of this object's arrays (`empty` for an empty one).
    private func lend<T>(_ array: [T]) -> UnsafeRawPointer {
        array.withUnsafeBytes { $0.count > 0 ? $0.baseAddress : nil } ?? UnsafeRawPointer(empty)
    }

    deinit {
        empty.deallocate()
        free(dtypesJSON)
        free(shapesJSON)
    }
}

/// The value `fail` in TFMetaC.swift would store, for this file's functions.
private func report(_ error: any Error, file: String?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    tfmeta_error_json(error, file: file, out)
}

private func handle(_ h: UnsafeMutableRawPointer?) -> TFMetaHandle? {
    h.map { Unmanaged<TFMetaHandle>.fromOpaque($0).takeUnretainedValue() }
}

/// `{"format", "prefix", "metadata": {str: str}}` of an open checkpoint, without
/// listing it (lent until close); NULL for a NULL handle.
@_cdecl("tfmeta_info")
public func tfmeta_info(_ h: UnsafeMutableRawPointer?) -> UnsafePointer<CChar>? {
    guard let r = handle(h) else { return nil }
    if r.infoJSON == nil {
        let reader = r.reader
        let meta = JSONValue.object(reader.metadata.map { ($0.0, .string($0.1)) })
        r.infoJSON = strdup(JSONValue.object([("format", .string(reader.formatName)), ("prefix", .string(reader.prefix)),
                                              ("metadata", meta)]).serialized())
    }
    return UnsafePointer(r.infoJSON)
}

/// The TensorFlow name of DataType number `code` (`float32`, `bfloat16_ref`,
/// `unknown(N)`, …) copied into `buffer` (NUL-terminated when it fits).
/// Returns the name's length in bytes (without the NUL).
@_cdecl("tfmeta_dtype_name")
public func tfmeta_dtype_name(_ code: Int32, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int64) -> Int64 {
    let name = Array(DType(rawValue: code).name.utf8)
    if let buffer, capacity > 0 {
        let n = min(name.count, Int(capacity) - 1)
        name.withUnsafeBytes { if n > 0 { memcpy(buffer, $0.baseAddress!, n) } }
        buffer[n] = 0
    }
    return Int64(name.count)
}

/// Whether the checkpoint has a tensor named `key` (one index lookup for a lazily
/// opened V2 checkpoint). 1 or 0; 0 too when the index block cannot be read.
@_cdecl("tfmeta_contains")
public func tfmeta_contains(_ h: UnsafeMutableRawPointer?, _ key: UnsafePointer<CChar>?, _ keyLength: Int64) -> Int32 {
    guard let r = handle(h), let key, keyLength >= 0 else { return 0 }
    let name = String(decoding: UnsafeRawBufferPointer(start: key, count: Int(keyLength)), as: UTF8.self)
    return r.reader.contains(name) ? 1 : 0
}

/// One tensor and its entry (tfmeta.h's `tfmeta_tensor`): `data`, `length`,
/// `owner`, `error` as `tfmeta_tensor_view` sets them (`length` -1 and `data`
/// NULL for a string tensor: read it with `tfmeta_tensor_strings`); `dtype`
/// (the DataType number) and `rank`, and the first min(rank, `dims_capacity`)
/// dimensions written to the caller's `dims`. Returns 0, or 1/2 with `error` set.
@_cdecl("tfmeta_tensor_get")
public func tfmeta_tensor_get(_ h: UnsafeMutableRawPointer?, _ key: UnsafePointer<CChar>?, _ keyLength: Int64,
                              _ checkCRC: Int32, _ out: UnsafeMutableRawPointer?) -> Int32 {
    guard let out else { return 2 }
    let data = (out + 0).assumingMemoryBound(to: UnsafeRawPointer?.self)
    let length = (out + 8).assumingMemoryBound(to: Int64.self)
    let owner = (out + 16).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    let error = (out + 24).assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
    let dtype = (out + 32).assumingMemoryBound(to: Int32.self)
    let rank = (out + 36).assumingMemoryBound(to: Int32.self)
    let dims = (out + 40).assumingMemoryBound(to: UnsafeMutablePointer<Int64>?.self).pointee
    let capacity = (out + 48).assumingMemoryBound(to: Int64.self).pointee
    data.pointee = nil
    length.pointee = 0
    owner.pointee = nil
    error.pointee = nil
    guard let r = handle(h), let key, keyLength >= 0 else {
        return report(MetaGraphKitError(.invalidArgument, "tfmeta_tensor_get: NULL argument"), file: nil, error)
    }
    let name = String(decoding: UnsafeRawBufferPointer(start: key, count: Int(keyLength)), as: UTF8.self)
    do {
        let (entry, lent) = try r.reader.lendTensor(name, checkCRC: checkCRC != 0)
        dtype.pointee = entry.dtype.rawValue
        rank.pointee = Int32(clamping: entry.shape.count)
        if let dims {
            for (j, d) in entry.shape.prefix(Int(max(0, capacity))).enumerated() { dims[j] = Int64(d) }
        }
        switch lent {
        case nil:
            length.pointee = -1
        case .mapped(let b)?:
            data.pointee = b.baseAddress
            length.pointee = Int64(b.count)
        case .owned(let b)?:
            let p = malloc(max(1, b.count))!
            b.withUnsafeBytes { if let src = $0.baseAddress { memcpy(p, src, b.count) } }
            data.pointee = UnsafeRawPointer(p)
            length.pointee = Int64(b.count)
            owner.pointee = p
        }
        return 0
    } catch let e {
        return report(e, file: r.reader.prefix, error)
    }
}

/// The listing as packed columns (tfmeta.h's `tfmeta_columns`), decoding a lazily
/// opened index first; lent until close. Returns 0, or 1 with the error of a
/// damaged index in `*error` (explained as an eager open would explain it).
@_cdecl("tfmeta_columns")
public func tfmeta_columns(_ h: UnsafeMutableRawPointer?, _ out: UnsafeMutableRawPointer?,
                           _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let r = handle(h), let out else {
        return report(MetaGraphKitError(.invalidArgument, "tfmeta_columns: NULL argument"), file: nil, errorOut)
    }
    if r.packedColumns == nil {
        do {
            let (columns, payloads) = try CheckpointReader.explaining(r.path, as: .checkpoint) {
                try r.reader.listingColumns()
            }
            r.packedColumns = TFMetaColumns(columns, payloads: payloads)
        } catch {
            return report(error, file: r.reader.prefix, errorOut)
        }
    }
    let c = r.packedColumns!
    let l = c.lent
    let fields: [UnsafeRawPointer?] = [
        l[0], l[1], l[2], UnsafeRawPointer(c.dtypesJSON), l[3], UnsafeRawPointer(c.shapesJSON), l[4], l[5], l[6],
    ]
    out.assumingMemoryBound(to: Int64.self).pointee = Int64(c.count)
    for (i, p) in fields.enumerated() {
        (out + 8 * (i + 1)).assumingMemoryBound(to: UnsafeRawPointer?.self).pointee = p
    }
    return 0
}

/// 1 when the keys ``tfmeta_columns`` lists are strictly increasing bytewise,
/// hence distinct (a binding may then know an entry by its place in the
/// listing); 0 when they are not (a damaged index) or before ``tfmeta_columns``.
/// Since ABI version 3.
@_cdecl("tfmeta_columns_distinct")
public func tfmeta_columns_distinct(_ h: UnsafeMutableRawPointer?) -> Int32 {
    guard let r = handle(h), let c = r.packedColumns else { return 0 }
    return c.distinct ? 1 : 0
}

/// Checks the payloads of entries `start ..< start + count` of `tfmeta_columns`
/// (shard, bounds, size against shape, CRC: what reading each would check) and
/// maps their data files; `ok[i]` becomes 1 when entry `start + i`'s bytes at
/// its shard/offset/size are the checked tensor, 0 otherwise (read it with
/// `tfmeta_tensor_get` to get its error). Returns 0, or 2 when `tfmeta_columns`
/// has not run or the range is outside it.
@_cdecl("tfmeta_check_payloads")
public func tfmeta_check_payloads(_ h: UnsafeMutableRawPointer?, _ start: Int64, _ count: Int64,
                                  _ ok: UnsafeMutablePointer<UInt8>?,
                                  _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let r = handle(h), let ok, let c = r.packedColumns, start >= 0, count >= 0, start <= Int64(c.count),
          count <= Int64(c.count) - start else {
        return report(MetaGraphKitError(.invalidArgument, "tfmeta_check_payloads: no such entries (call tfmeta_columns first)"),
                      file: nil, errorOut)
    }
    r.reader.checkPayloads(c.payloads, Int(start)..<Int(start + count), into: ok)
    return 0
}

/// The bytes of V2 data file `shard`, mapped read-only until close. Returns 0, or
/// 1/2 with the error in `*error`.
@_cdecl("tfmeta_data_file")
public func tfmeta_data_file(_ h: UnsafeMutableRawPointer?, _ shard: Int32, _ data: UnsafeMutablePointer<UnsafeRawPointer?>?,
                             _ length: UnsafeMutablePointer<Int64>?,
                             _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let r = handle(h), let data, let length else {
        return report(MetaGraphKitError(.invalidArgument, "tfmeta_data_file: NULL argument"), file: nil, errorOut)
    }
    do {
        let b = try r.reader.lendDataFile(Int(shard))
        data.pointee = b.baseAddress
        length.pointee = Int64(b.count)
        return 0
    } catch {
        return report(error, file: r.reader.prefix, errorOut)
    }
}
