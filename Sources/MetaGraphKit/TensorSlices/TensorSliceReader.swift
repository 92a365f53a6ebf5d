// A reader for V1 checkpoints: one or more tables of SavedTensorSlices
// (tensorflow/core/util/tensor_slice_reader.cc, saved_tensor_slice.proto).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A V1 checkpoint: a single file or a sharded set `PREFIX-NNNNN-of-MMMMM`.
final class TensorSliceReader {
    /// One tensor of the metadata: its full shape and where each slice is stored.
    struct Item {
        let name: String
        var dtype: DType
        var shape: [Int]
        var slices: [(slice: TensorSlice, file: Int)]
    }

    let pattern: String
    let tables: [TableReader]
    /// Tensors by name, merged across files.
    let items: [String: Item]
    /// Every name of ``items`` once, sorted bytewise (UTF-8).
    let names: [String]

    init(pattern: String) throws {
        self.pattern = pattern
        let files = try Self.expand(pattern)
        tables = try files.map { try TableReader(path: $0) }
        var items: [String: Item] = [:]
        var names: [String] = []
        for (i, table) in tables.enumerated() {
            let name = table.name
            guard let meta = try table.value(forKey: []) else {
                throw MetaGraphKitError.corrupt(name, "no V1 metadata (the \"\" key is missing)")
            }
            try meta.withUnsafeBytes { raw in
                let parsed = try Self.parseMeta(raw, file: name)
                items.reserveCapacity(items.count + parsed.count)
                for item in parsed {
                    if var existing = items[item.name] {
                        guard existing.dtype == item.dtype, existing.shape == item.shape else {
                            throw MetaGraphKitError.corrupt(name, "\(item.name) is \(item.dtype) \(item.shape) here but \(existing.dtype) \(existing.shape) in another file")
                        }
                        existing.slices += item.slices.map { ($0.slice, i) }
                        items[item.name] = existing
                    } else {
                        items[item.name] = Item(name: item.name, dtype: item.dtype, shape: item.shape,
                                                slices: item.slices.map { ($0.slice, i) })
                        names.append(item.name)
                    }
                }
            }
        }
        self.items = items
        // TensorFlow's writer keeps its metadata in a std::map, so one file's names
        // come sorted and only a sharded set needs the sort.
        if !names.indices.dropFirst().allSatisfy({ names[$0 - 1].utf8Precedes(names[$0]) }) {
            names.sort { $0.utf8Precedes($1) }
        }
        self.names = names
    }

    // MARK: - Files

    /// The files of a V1 checkpoint: the file itself, every shard of a
    /// `-?????-of-MMMMM` pattern, or (for a plain prefix or one concrete shard) the
    /// whole set of shards.
    static func expand(_ pattern: String) throws -> [String] {
        func exists(_ p: String) -> Bool { FileIO.exists(p) }
        func five(_ n: Int) -> String { let s = String(n); return String(repeating: "0", count: max(0, 5 - s.count)) + s }
        func shardSet(base: String, of total: Int) throws -> [String] {
            guard total >= 1, total <= 100_000 else {
                throw MetaGraphKitError.invalidArgument(pattern, "shard count \(total) is out of range")
            }
            let names = (0..<total).map { "\(base)-\(five($0))-of-\(five(total))" }
            if let missing = names.first(where: { !exists($0) }) {
                throw MetaGraphKitError.notFound(missing, "missing shard of V1 checkpoint \(pattern)")
            }
            return names
        }
        // PREFIX-?????-of-MMMMM or PREFIX-NNNNN-of-MMMMM
        if let (base, _, total) = parseShardName(pattern) { return try shardSet(base: base, of: total) }
        if exists(pattern) { return [pattern] }
        // A plain prefix of a sharded set: find PREFIX-00000-of-MMMMM.
        let dir = pattern.contains("/") ? String(pattern[..<pattern.lastIndex(of: "/")!]) : "."
        let base = pattern.contains("/") ? String(pattern[pattern.index(after: pattern.lastIndex(of: "/")!)...]) : pattern
        if let d = opendir(dir) {
            defer { closedir(d) }
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name.hasPrefix(base + "-00000-of-"), let (_, _, total) = parseShardName(name) {
                    return try shardSet(base: pattern, of: total)
                }
            }
        }
        throw MetaGraphKitError.notFound(pattern, "no checkpoint (neither \(pattern).index nor a V1 file)")
    }

    /// Splits `BASE-NNNNN-of-MMMMM` (NNNNN may be `?????`).
    static func parseShardName(_ name: String) -> (base: String, shard: Int?, total: Int)? {
        let chars = Array(name.utf8)
        guard chars.count > 16 else { return nil }
        let tail = String(decoding: chars[(chars.count - 15)...], as: UTF8.self)  // -NNNNN-of-MMMMM
        let t = Array(tail.utf8)
        guard t[0] == UInt8(ascii: "-"), String(decoding: t[6..<10], as: UTF8.self) == "-of-",
              t[10...].allSatisfy({ $0 >= 48 && $0 <= 57 }), let total = Int(String(decoding: t[10...], as: UTF8.self))
        else { return nil }
        let digits = String(decoding: t[1..<6], as: UTF8.self)
        let base = String(decoding: chars[..<(chars.count - 15)], as: UTF8.self)
        if digits == "?????" { return (base, nil, total) }
        guard t[1..<6].allSatisfy({ $0 >= 48 && $0 <= 57 }), let shard = Int(digits) else { return nil }
        return (base, shard, total)
    }

    // MARK: - Metadata

    /// Decodes `SavedTensorSlices.meta` (field 1): `tensor = 1 { name = 1, shape = 2,
    /// type = 3, slice = 4 }`, `versions = 2`.
    static func parseMeta(_ bytes: UnsafeRawBufferPointer, file: String) throws -> [(name: String, dtype: DType, shape: [Int], slices: [(slice: TensorSlice, Int)])] {
        var top = ProtoFieldReader(bytes, file: file, message: "tensorflow.SavedTensorSlices")
        var out: [(name: String, dtype: DType, shape: [Int], slices: [(slice: TensorSlice, Int)])] = []
        while let f = try top.next() {
            guard f.number == 1 else { continue }
            var meta = try f.subReader(top, message: "tensorflow.SavedTensorSliceMeta")
            while let g = try meta.next() {
                switch g.number {
                case 1:
                    var t = try g.subReader(meta, message: "tensorflow.SavedSliceMeta")
                    var name = ""
                    var dtype = DType.invalid
                    var shape: [Int] = []
                    var slices: [(slice: TensorSlice, Int)] = []
                    while let h = try t.next() {
                        switch h.number {
                        case 1: name = try h.string(t)
                        case 2: shape = try h.subReader(t, message: "tensorflow.TensorShapeProto").tensorShape(key: name)
                        case 3: dtype = DType(rawValue: try h.int32(t))
                        case 4: slices.append((try TensorSlice(proto: h.subReader(t, message: "tensorflow.TensorSliceProto")), 0))
                        default: break
                        }
                    }
                    out.append((name, dtype, shape, slices))
                case 2:
                    var v = try g.subReader(meta, message: "tensorflow.VersionDef")
                    var producer: Int32 = 0
                    var minConsumer: Int32 = 0
                    while let h = try v.next() {
                        if h.number == 1 { producer = try h.int32(v) }
                        if h.number == 2 { minConsumer = try h.int32(v) }
                    }
                    guard producer >= 0, minConsumer <= 1 else {
                        throw MetaGraphKitError.unsupported(file, "V1 checkpoint version (producer \(producer), min_consumer \(minConsumer)) is not readable by consumer 1")
                    }
                default: break
                }
            }
        }
        return out
    }

    // MARK: - Values

    /// Reads one stored slice's values.
    func sliceValues(_ item: Item, _ slice: TensorSlice, file index: Int) throws -> TensorProtoValues.Values {
        let table = tables[index]
        let key = OrderedCode.tensorNameSliceKey(name: item.name, slice: slice)
        let sliceShape = try slice.shape(in: item.shape, file: table.name, key: item.name)
        let count = try Tensor.elementCount(sliceShape, file: table.name, key: item.name)
        return try table.withValue(forKey: key) { value in
            guard let value else {
                throw MetaGraphKitError.sliceNotStored(table.name, key: item.name, slice: slice)
            }
            var reader = ProtoFieldReader(value, file: table.name, message: "tensorflow.SavedTensorSlices (\(item.name))")
            while let f = try reader.next() {
                guard f.number == 2 else { continue }
                var saved = try f.subReader(reader, message: "tensorflow.SavedSlice")
                while let g = try saved.next() {
                    guard g.number == 3 else { continue }
                    let (bytes, origin) = try g.bytes(saved)
                    return try TensorProtoValues(dtype: item.dtype, count: count, file: table.name, key: item.name)
                        .decode(bytes, origin: origin)
                }
            }
            // No data: all zeros / empty strings (the fill rule with no values).
            return try TensorProtoValues(dtype: item.dtype, count: count, file: table.name, key: item.name)
                .decode(UnsafeRawBufferPointer(start: nil, count: 0), origin: 0)
        }
    }

    /// A whole tensor, its slices assembled.
    func tensor(_ name: String) throws -> Tensor {
        guard let item = items[name] else {
            throw MetaGraphKitError.noTensor(pattern, key: name)
        }
        let file = tables.first?.name ?? pattern
        // Decode (and so bound) every slice before allocating the full tensor.
        _ = try SliceAssembler.checkCoverage(item.slices.map(\.slice), shape: item.shape, file: file, key: name)
        let values = try item.slices.map { try sliceValues(item, $0.slice, file: $0.file) }
        var assembler = try SliceAssembler(dtype: item.dtype, shape: item.shape, file: file, key: name)
        for ((slice, _), value) in zip(item.slices, values) {
            switch value {
            case .bytes(let b): try b.withUnsafeBytes { try assembler.add(slice: slice, bytes: $0) }
            case .strings(let s): try assembler.add(slice: slice, strings: s)
            }
        }
        return assembler.tensor()
    }
}
