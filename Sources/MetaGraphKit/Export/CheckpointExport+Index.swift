// safetensors export of a V2 bundle straight from its compact index: the header
// streamed, payloads copied in file order with adjacent small ones coalesced
// into one write, no per-key String or entry except the keys the report names.

extension CheckpointReader {
    /// Writes `path` as ``export(to:format:options:)`` does for a V2 checkpoint
    /// exported to safetensors, byte for byte, with the report it makes; nil
    /// (nothing done) when another path applies: steps that change values (only
    /// rename, map, drop, keep and slots are planned here, as
    /// ``RuleSet/compactPlan(_:excluding:file:strict:)`` plans them), a V1 or
    /// foreign checkpoint, partitioned tensors, or a key or new name that is not
    /// ASCII (whose listed name is not its bytes).
    func exportSafetensorsFromIndex(to path: String, options: CheckpointExportOptions) throws -> CheckpointExportReport? {
        guard let bundle, options.fromIndex else { return nil }
        var steps = RuleSet(options.rules)
        steps.append(contentsOf: options.ruleSet)
        guard steps.isEmpty || steps.onlyNames else { return nil }
        try bundle.loadIndex()
        guard let index = bundle.compact, !index.hasSlices, !index.keyBytes.contains(where: { $0 >= 0x80 }) else { return nil }
        // The new names, when there are steps (nil: the flat plan does not apply).
        var plan: CompactRulePlan?
        if !steps.isEmpty {
            guard let made = try steps.compactPlan(index, excluding: "", file: prefix, strict: options.strict) else { return nil }
            plan = made
        }
        // Decoded: the index's pages go back (the page cache keeps them).
        bundle.table.file.releaseResidentPages()
        var report = CheckpointExportReport(source: prefix, sourceFormatName: formatName, output: path)
        if let plan {
            report.dropped = plan.droppedKeys
            report.rules.unmatched = plan.unmatched
            for (from, to) in plan.renamed where from != to { report.renamed.append((from, to)) }
        }
        let format = CheckpointExportFormat.safetensors
        // Type names by dtype raw value, looked up once (dtypes past 255 ask the format).
        let typeNames: [[UInt8]?] = (0..<256).map { format.typeName(DType(rawValue: Int32($0))).map { Array($0.utf8) } }
        func typeName(_ raw: Int32) -> [UInt8]? {
            raw >= 0 && raw < 256 ? typeNames[Int(raw)] : format.typeName(DType(rawValue: raw)).map { Array($0.utf8) }
        }
        // The entries written (index order, which is bytewise key order) and their
        // sizes; with a plan, each one's slot in it (its new name).
        var chosen: [Int] = [], slots: [Int32] = []
        chosen.reserveCapacity(plan?.count ?? index.count)
        for n in 0..<(plan?.count ?? index.count) {
            let i = plan.map { Int($0.positions[n]) } ?? n
            if typeName(index.records[i].dtype) != nil {
                chosen.append(i)
                if plan != nil { slots.append(Int32(n)) }
            } else {
                let dtype = DType(rawValue: index.records[i].dtype)
                report.skipped.append((index.displayKey(i), "\(format.rawValue) cannot hold \(dtype)"))
            }
        }
        var sizes: [Int] = []
        sizes.reserveCapacity(chosen.count)
        for i in chosen {
            let elementSize = DType(rawValue: index.records[i].dtype).elementSize!
            if let n = index.elementCount(i), case let (size, false) = n.multipliedReportingOverflow(by: elementSize) {
                sizes.append(size)
            } else {
                // The exact error of the general path.
                let key = index.displayKey(i)
                let n = try Tensor.elementCount(index.shape(i), file: prefix, key: key)
                sizes.append(try Tensor.byteCount(n, elementSize, file: prefix, key: key))
            }
        }
        let metadata = Array(("{\"__metadata__\":" + JSONValue.object([
            ("source", .string(prefix)), ("source_format", .string(formatName)), ("writer", .string("tfmeta ckpt export")),
        ]).serialized()).utf8)
        /// The header after the metadata, made in pieces of about 64 KiB handed to `sink`.
        func header(_ sink: ([UInt8]) throws -> Void) rethrows -> Int {
            var text: [UInt8] = []
            text.reserveCapacity(1 << 16)
            var offset = 0
            for (n, i) in chosen.enumerated() {
                text.append(UInt8(ascii: ","))
                if let plan { plan.withName(Int(slots[n])) { Self.appendQuotedASCII($0, to: &text) } } else {
                    index.withKey(i) { Self.appendQuotedASCII($0, to: &text) }
                }
                text.append(contentsOf: ":{\"dtype\":\"".utf8)
                text.append(contentsOf: typeName(index.records[i].dtype)!)
                text.append(contentsOf: "\",\"shape\":[".utf8)
                var first = true
                for d in index.dims[index.dimRange(i)] {
                    if !first { text.append(UInt8(ascii: ",")) }
                    first = false
                    text.append(contentsOf: String(d).utf8)
                }
                text.append(contentsOf: "],\"data_offsets\":[".utf8)
                text.append(contentsOf: String(offset).utf8)
                text.append(UInt8(ascii: ","))
                text.append(contentsOf: String(offset + sizes[n]).utf8)
                text.append(contentsOf: "]}".utf8)
                offset += sizes[n]
                if text.count >= (1 << 16) - 512 {
                    try sink(text)
                    text.removeAll(keepingCapacity: true)
                }
            }
            text.append(UInt8(ascii: "}"))
            try sink(text)
            return offset
        }
        // First pass: the header's length; the second writes it.
        var length = metadata.count
        let dataSize = header { length += $0.count }
        // Spaces pad the header so the data start on an 8-byte boundary, or a 64 KiB
        // one for large exports (as the general path does, see writeSafetensors).
        let alignment = dataSize >= 1 << 20 ? 64 << 10 : 8
        var padding = 0
        while (8 + length + padding) % alignment != 0 { padding += 1 }

        let out = try AtomicOutputFile(path: path)
        try Self.writeChecked(out, checks: startChecks(records: chosen, verbatim: [:])) {
            var total = UInt64(length + padding).littleEndian
            try withUnsafeBytes(of: &total) { try out.write($0) }
            try out.write(metadata)
            _ = try header { try out.write($0) }
            try out.write([UInt8](repeating: 0x20, count: padding))
            try writePayloads(bundle, index, chosen, sizes: sizes, to: out, progress: options.progress)
        }
        report.written = chosen.map { index.displayKey($0) }
        return report
    }

    /// ``appendQuoted(bytes:to:)`` for ASCII bytes, appending them at once when
    /// nothing needs escaping (nearly every key).
    static func appendQuotedASCII(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        for b in bytes where b < 0x20 || b == 0x7f || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
            appendQuoted(bytes: bytes, to: &out)
            return
        }
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: bytes)
        out.append(UInt8(ascii: "\""))
    }

    /// Appends the payloads of `chosen` (checked as ``BundleReader/withPayload(_:key:checkCRC:releasePages:_:)``
    /// checks them, CRCs aside): runs of small payloads adjacent in one data file
    /// are written at once (up to 2 MiB), large ones copied by the kernel.
    private func writePayloads(_ bundle: BundleReader, _ index: CompactBundleIndex, _ chosen: [Int], sizes: [Int],
                               to out: AtomicOutputFile, progress: ((Int, Int, Int) -> Void)?) throws {
        var files = [MappedFile?](repeating: nil, count: bundle.header.numShards)
        for id in files.indices { files[id] = try? bundle.shard(id) }
        var sources = SourceDescriptors()
        let threshold = MappedFile.releaseThreshold
        var run = PayloadRun()
        func write(_ bytes: UnsafeRawBufferPointer) throws { try out.write(bytes) }
        for (n, i) in chosen.enumerated() {
            let r = index.records[i]
            let shard = Int(r.shard)
            guard r.shard >= 0, shard < files.count, let file = files[shard], r.offset >= 0, r.size >= 0,
                  r.offset <= Int64(file.count), r.size <= Int64(file.count) - r.offset, Int64(sizes[n]) == r.size else {
                // Damage: the general check throws its precise error.
                try run.flush(write)
                try bundle.withPayload(index.entry(i), key: index.displayKey(i), checkCRC: false, releasePages: false) { try out.write($0) }
                continue
            }
            let start = Int(r.offset), size = Int(r.size)
            if size >= threshold {
                try run.flush(write)
                try out.copyInKernel(from: sources.descriptor(file), offset: start, count: size)
            } else {
                try run.add(file, offset: start, size: size, write: write)
            }
            progress?(n + 1, chosen.count, out.offset + run.pending)
            PausePoint.reached("export-tensor")
        }
        try run.flush(write)
    }
}
