// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON {key: {"dtype", "shape", "data_offsets": [begin,
// end]}, "__metadata__": {str: str}}, then the data; offsets count from the data's start.
import Foundation

/// A `.safetensors` file read as a checkpoint: memory-mapped, tensors lent without a copy.
final class SafetensorsCheckpoint: MappedForeignCheckpoint {
    /// The `__metadata__` object (string to string), empty when absent.
    let metadata: [String: String]

    /// The format's dtype names and TensorFlow's.
    static let dtypes: [String: DType] = [
        "F64": .float64, "F32": .float32, "F16": .float16, "BF16": .bfloat16, "I64": .int64, "I32": .int32,
        "I16": .int16, "I8": .int8, "U64": .uint64, "U32": .uint32, "U16": .uint16, "U8": .uint8, "BOOL": .bool,
        "F8_E5M2": .float8E5M2, "F8_E4M3": .float8E4M3FN,
    ]

    /// The largest header the reference implementation accepts (100 MB).
    static let maxHeader = 100_000_000

    /// Opens `path` when it is a safetensors file: named `.safetensors`, or a
    /// regular file whose first 8 bytes are a length that fits and whose header
    /// starts with `{`.
    static let opener: ForeignCheckpointOpener = { path in
        guard FileIO.isRegularFile(path) else { return nil }
        if path.hasSuffix(".safetensors") { return try SafetensorsCheckpoint(path: path) }
        guard let head = try? FileIO.readPrefix(path, count: 9), head.count == 9, head[8] == UInt8(ascii: "{") else { return nil }
        let n = head[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard n >= 2, n <= UInt64(maxHeader), !FileIO.exists(path + ".index") else { return nil }
        return try SafetensorsCheckpoint(path: path)
    }

    /// Maps and checks a safetensors file.
    ///
    /// - Throws: ``MetaGraphKitError`` `truncated` when the header or a tensor runs
    ///   past the end, `corrupt` for a header that is not the format's JSON or a size
    ///   that does not match a shape, `unsupported` for a dtype TensorFlow lacks.
    init(path: String) throws {
        let file = try MappedFile(path: path)
        let bytes = file.bytes
        guard bytes.count >= 8 else {
            throw MetaGraphKitError.truncated(path, "\(bytes.count) bytes; a safetensors file starts with an 8-byte header length")
        }
        let n = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard n <= UInt64(bytes.count - 8) else {
            throw MetaGraphKitError.truncated(path, "the safetensors header is \(n) bytes but only \(bytes.count - 8) follow the length")
        }
        guard n <= UInt64(Self.maxHeader) else {
            throw MetaGraphKitError.tooLarge(path, "a safetensors header of \(n) bytes (the format allows 100 MB)")
        }
        let dataStart = 8 + Int(n)
        let dataCount = bytes.count - dataStart
        // The common form, read in one pass; anything else (and any problem) the
        // general way below, which reports it.
        if let header = SafetensorsHeader(UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart])),
           let regions = Self.regions(header, file: file, dataStart: dataStart, dataCount: dataCount, path: path) {
            metadata = header.metadata
            try super.init(formatName: "safetensors", path: path, regions: regions)
            return
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        } catch {
            throw MetaGraphKitError.corrupt(path, "the safetensors header is not JSON (\(Self.detail(error)))")
        }
        guard let header = json as? [String: Any] else {
            throw MetaGraphKitError.corrupt(path, "the safetensors header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var regions: [ForeignRegion] = []
        for (key, value) in header {
            if key == "__metadata__" {
                guard let m = value as? [String: Any] else {
                    throw MetaGraphKitError.corrupt(path, "__metadata__ is not an object")
                }
                for (k, v) in m { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
                  let shapeList = info["shape"] as? [Any], let offsetList = info["data_offsets"] as? [Any],
                  offsetList.count == 2 else {
                throw MetaGraphKitError.corrupt(path, "\(key) needs dtype, shape and data_offsets [begin, end]", key: key)
            }
            guard let dtype = Self.dtypes[dtypeName] else {
                throw MetaGraphKitError.unsupported(path, "\(key) has safetensors dtype \(dtypeName), which TensorFlow has no dtype for", key: key)
            }
            let shape = try shapeList.map { try Self.integer($0, path: path, key: key, what: "a dimension") }
            let begin = try Self.integer(offsetList[0], path: path, key: key, what: "an offset")
            let end = try Self.integer(offsetList[1], path: path, key: key, what: "an offset")
            guard begin <= end, end <= dataCount else {
                throw MetaGraphKitError.truncated(path, "\(key) has data_offsets [\(begin), \(end)] but the data are \(dataCount) bytes", key: key)
            }
            regions.append(try ForeignRegion(key: key, dtype: dtype, shape: shape, file: file, offset: dataStart + begin,
                                             count: end - begin, layout: .raw, what: path))
        }
        self.metadata = metadata
        try super.init(formatName: "safetensors", path: path, regions: regions)
    }

    /// The regions of a header read in one pass, or nil when one would fail (the
    /// general path then reports it).
    private static func regions(_ header: SafetensorsHeader, file: MappedFile, dataStart: Int, dataCount: Int,
                                path: String) -> [ForeignRegion]? {
        var out: [ForeignRegion] = []
        out.reserveCapacity(header.tensors.count)
        for t in header.tensors {
            guard let dtype = dtypes[t.dtype], t.begin <= t.end, t.end <= dataCount,
                  let region = try? ForeignRegion(key: t.key, dtype: dtype, shape: t.shape, file: file, offset: dataStart + t.begin,
                                                  count: t.end - t.begin, layout: .raw, what: path) else { return nil }
            out.append(region)
        }
        return out
    }

    /// A JSON number that is a non-negative integer, as an Int.
    private static func integer(_ value: Any, path: String, key: String, what: String) throws -> Int {
        if let n = value as? Int, n >= 0 { return n }
        throw MetaGraphKitError.corrupt(path, "\(key) has \(what) that is not a non-negative integer: \(value)", key: key)
    }

    static func detail(_ error: any Error) -> String {
        (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
    }
}
