// `ckpt export … OUT.npz` straight from a V2 index, as the safetensors export does
// (CheckpointExport+Index.swift): with no rules, no slices, ASCII keys and no string
// or bfloat16 tensors (the general path's special cases), every member is written
// from the decoded index and the mapped data file without a per-key plan,
// dictionary or String. The bytes are those of the general path (writeNPZ).

extension CheckpointReader {
    /// The npz export of a plain V2 checkpoint from its index, or nil when the
    /// general path must do it (rules, slices, non-ASCII keys, strings, bfloat16).
    func exportNPZFromIndex(to path: String, options: CheckpointExportOptions) throws -> CheckpointExportReport? {
        guard let bundle, options.rules.isEmpty, options.ruleSet.isEmpty else { return nil }
        try bundle.loadIndex()
        guard let index = bundle.compact, !index.hasSlices, !index.keyBytes.contains(where: { $0 >= 0x80 }) else { return nil }
        let format = CheckpointExportFormat.npz
        // numpy descr by dtype raw value, looked up once (dtypes past 255 ask the format).
        let typeNames: [String?] = (0..<256).map { format.typeName(DType(rawValue: Int32($0))) }
        func typeName(_ raw: Int32) -> String? { raw >= 0 && raw < 256 ? typeNames[Int(raw)] : format.typeName(DType(rawValue: raw)) }
        var report = CheckpointExportReport(source: prefix, sourceFormatName: formatName, output: path)
        var chosen: [Int] = []
        chosen.reserveCapacity(index.count)
        for i in 0..<index.count {
            let dtype = DType(rawValue: index.records[i].dtype)
            guard dtype.base != .string, dtype.base != .bfloat16 else { return nil }
            if typeName(index.records[i].dtype) != nil { chosen.append(i) } else {
                report.skipped.append((index.displayKey(i), "\(format.rawValue) cannot hold \(dtype)"))
            }
        }
        // Decoded: the index's pages go back (the page cache keeps them).
        bundle.table.file.releaseResidentPages()
        var files = [MappedFile?](repeating: nil, count: bundle.header.numShards)
        for id in files.indices { files[id] = try? bundle.shard(id) }
        let out = try AtomicOutputFile(path: path)
        try Self.writeChecked(out, checks: startChecks(records: chosen, verbatim: [:])) {
            let nameBytes = chosen.reduce(Self.npzNoteName.utf8.count) { $0 + index.withKey($1) { $0.count } + 4 }
            var zip = ZipStoreWriter(zip64Threshold: options.zip64Threshold, members: chosen.count + 1, nameBytes: nameBytes)
            var last: (dtype: Int32, dims: Range<Int>, header: [UInt8])?
            // Written payloads' pages go back (the checking thread faults them in
            // again from the page cache if it is behind).
            var pages = ResidentPageRelease()
            for (n, i) in chosen.enumerated() {
                let r = index.records[i]
                let dims = index.dimRange(i)
                if last == nil || last!.dtype != r.dtype || !index.dims[dims].elementsEqual(index.dims[last!.dims]) {
                    last = (r.dtype, dims, Self.npyHeader(typeName(r.dtype)!, Array(index.dims[dims])))
                }
                let header = last!.header
                func member(_ data: UnsafeRawBufferPointer) throws {
                    try index.withKey(i) { key in
                        try zip.add(nameBytes: key, suffix: ".npy", prefix: header, data: data, to: out, what: index.displayKey(i))
                    }
                }
                let elementSize = DType(rawValue: r.dtype).elementSize!
                let shard = Int(r.shard)
                if r.shard >= 0, shard < files.count, let file = files[shard], r.offset >= 0, r.size >= 0,
                   r.offset <= Int64(file.count), r.size <= Int64(file.count) - r.offset,
                   let count = index.elementCount(i), case let (size, false) = count.multipliedReportingOverflow(by: elementSize),
                   Int64(size) == r.size {
                    try member(UnsafeRawBufferPointer(rebasing: file.bytes[Int(r.offset)..<(Int(r.offset) + size)]))
                    pages.read(file, Int(r.offset)..<(Int(r.offset) + size))
                } else {
                    // Damage: the general check throws its precise error.
                    try bundle.withPayload(index.entry(i), key: index.displayKey(i), checkCRC: false, releasePages: false) { try member($0) }
                }
                options.progress?(n + 1, chosen.count, out.offset)
                PausePoint.reached("export-tensor")
            }
            pages.flush()
            let note = Self.npzNote(source: prefix, sourceFormat: formatName, bfloat16AsUInt16: [])
            try Array(note.utf8).withUnsafeBytes { try zip.add(name: Self.npzNoteName, prefix: [], data: $0, to: out, what: Self.npzNoteName) }
            try zip.finish(to: out)
        }
        report.written = chosen.map { index.displayKey($0) }
        return report
    }

    static var npzNoteName: String { NPZCheckpoint.noteName }

    /// The `__tfmeta__.json` member: the source, and which uint16 arrays are bfloat16 bits.
    static func npzNote(source: String, sourceFormat: String, bfloat16AsUInt16: [String]) -> String {
        JSONValue.object([
            ("source", .string(source)), ("source_format", .string(sourceFormat)), ("writer", .string("tfmeta ckpt export")),
            ("bfloat16_as_uint16", .array(bfloat16AsUInt16.map { .string($0) })),
        ]).serialized(pretty: true) + "\n"
    }

    /// A .npy v1.0 header (numpy/lib/format.py): magic, version, length, the dict
    /// padded with spaces and a newline to a multiple of 64 bytes.
    static func npyHeader(_ descr: String, _ shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }".utf8)
        while (10 + dict.count + 1) % 64 != 0 { dict.append(0x20) }
        dict.append(0x0a)
        var npy: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        ZipStoreWriter.le(&npy, UInt64(dict.count), 2)
        return npy + dict
    }
}
