// Whole-checkpoint verification: every block CRC, every tensor CRC and every
// structural rule, collecting all problems rather than stopping at the first.
import Dispatch

extension CheckpointReader {
    /// Checks everything that can be checked without TensorFlow: every table block
    /// (CRC, restart array, entries, key order), every data file's presence, every
    /// tensor's bounds, size and CRC (numeric, string and variant rules), every
    /// slice of every partitioned tensor, and the object graph if there is one.
    ///
    /// - Returns: Every problem found; empty when the checkpoint is sound.
    public func verify() -> [MetaGraphKitError] { verify(jobs: ShardScheduler.defaultJobs) }

    /// ``verify()`` on up to `jobs` threads: tensors (of every data file, V2) and
    /// the files of a sharded V1 checkpoint and their tensors are checked at once.
    /// The problems come back in the same order, whatever the number of threads.
    ///
    /// - Parameter jobs: Most threads at once (1: everything in turn).
    /// - Returns: Every problem found; empty when the checkpoint is sound.
    public func verify(jobs: Int) -> [MetaGraphKitError] {
        var problems: [MetaGraphKitError] = []
        func record(_ body: () throws -> Void) {
            do { try body() } catch let e as MetaGraphKitError { problems.append(e) } catch {
                problems.append(MetaGraphKitError(.io, "\(prefix): \(error)", file: prefix))
            }
        }
        if let bundle {
            problems += bundle.table.verify()
            // A lazily opened reader decodes its entries now (a damaged one is a problem).
            if !bundle.isIndexLoaded { record { try bundle.loadIndex() } }
            // Every block has been read twice and decoded: give the index's pages back
            // (the page cache keeps them; a later lookup faults one block in).
            bundle.table.file.releaseResidentPages()
            var files = [MappedFile?](repeating: nil, count: bundle.header.numShards)
            for id in 0..<bundle.header.numShards {
                record {
                    let file = try bundle.shard(id)
                    file.adviseSequential()
                    files[id] = file
                }
            }
            if let index = bundle.compact {
                // A slice's key is binary (OrderedCode): name it after its tensor instead.
                let sliceNames = Self.sliceNames(index)
                // Record indices of the payloads to check; a key is made into text
                // only for a problem.
                var payloads: [Int] = []
                payloads.reserveCapacity(index.count)
                for i in 0..<index.count {
                    let r = index.records[i]
                    if index.hasSlices, !index.slices(i).isEmpty {
                        record { try verifySlices(bundle, index.entry(i), Self.payloadName(index, i, sliceNames)) }
                        continue
                    }
                    let dtype = DType(rawValue: r.dtype)
                    if dtype == .resource { continue }
                    guard r.shard >= 0, Int(r.shard) < files.count else {
                        problems.append(MetaGraphKitError.corrupt(bundle.indexName, "\(Self.payloadName(index, i, sliceNames)) is in data file \(r.shard) but the bundle has \(files.count)"))
                        continue
                    }
                    guard files[Int(r.shard)] != nil else { continue }
                    if dtype.elementSize == nil, dtype != .string, dtype != .variant {
                        problems.append(MetaGraphKitError.unsupported(bundle.indexName, "\(Self.payloadName(index, i, sliceNames)) has unknown dtype \(dtype.rawValue)"))
                        continue
                    }
                    payloads.append(i)
                }
                problems += Self.checkPayloads(bundle, index, payloads, files: files, sliceNames: sliceNames, threads: jobs)
            }
        } else if let foreign {
            problems += foreign.verify()
        } else if let slices {
            // The files of a sharded V1 checkpoint, then its tensors, on `jobs` threads.
            let tables = slices.tables
            problems += ShardScheduler.map(count: tables.count, jobs: jobs) { tables[$0].verify() }.flatMap { $0 }
            let items = slices.items.values.sorted(by: { $0.name < $1.name })
            problems += ShardScheduler.map(count: items.count, jobs: jobs) { i -> MetaGraphKitError? in
                let item = items[i]
                do {
                    for (slice, index) in item.slices { _ = try slices.sliceValues(item, slice, file: index) }
                    try checkCoverage(item.slices.map(\.slice), shape: item.shape, key: item.name, file: slices.pattern)
                    return nil
                } catch let e as MetaGraphKitError {
                    return e
                } catch {
                    return MetaGraphKitError(.io, "\(prefix): \(error)", file: prefix)
                }
            }.compactMap { $0 }
        }
        if contains(ObjectGraph.checkpointKey) {
            record { _ = try objectGraph() }
        }
        return problems
    }

    /// `"slice S of NAME"` for the slice keys of every partitioned container
    /// (empty when there is none, as nearly always).
    static func sliceNames(_ index: CompactBundleIndex) -> [TableKey: String] {
        guard index.hasSlices else { return [:] }
        var names: [TableKey: String] = [:]
        for i in index.slicedRecords {
            let name = index.displayKey(i)
            for s in index.slices(i) {
                names[TableKey(OrderedCode.tensorNameSliceKey(name: name, slice: s))] = "slice \(s) of \(name)"
            }
        }
        return names
    }

    /// The name of entry `i` in messages: its key, or for a slice key the slice
    /// and its tensor.
    static func payloadName(_ index: CompactBundleIndex, _ i: Int, _ sliceNames: [TableKey: String]) -> String {
        sliceNames.isEmpty ? index.displayKey(i) : sliceNames[TableKey(index.key(i))] ?? index.displayKey(i)
    }

    /// Checks the payloads of entries `jobs` of `index` (bounds, sizes, CRCs) on
    /// `threads` cores (all by default). Small payloads are checked in chunks of
    /// consecutive entries, a few MiB each, in one loop per chunk (no closure,
    /// String or dispatch per key); a payload that fails there, a string or
    /// variant one, or a large one (checked on every core) goes through
    /// ``BundleReader/withPayload(_:key:checkCRC:releasePages:_:)``, which gives
    /// the precise error. `files` holds the mapped data files by id (every one a
    /// job uses is mapped, so the reader's shard table is not modified during
    /// the loop). `releasePages: false` leaves the pages for a writer reading the
    /// same payloads at the same time (export). The problems come back in `jobs`
    /// order.
    static func checkPayloads(_ bundle: BundleReader, _ index: CompactBundleIndex, _ jobs: [Int], files: [MappedFile?],
                              sliceNames: [TableKey: String] = [:], threads: Int = ShardScheduler.defaultJobs,
                              releasePages: Bool = true) -> [MetaGraphKitError] {
        guard !jobs.isEmpty else { return [] }
        // Chunk boundaries: about `target` bytes of payload each, enough chunks to
        // keep every thread busy; a large payload is a chunk of its own.
        var total = 0
        for i in jobs { total &+= Int(clamping: max(0, min(index.records[i].size, Int64(MappedFile.releaseThreshold)))) }
        let target = min(4 << 20, max(64 << 10, total / max(1, threads * 4)))
        var bounds: [Int] = [0]
        var bytes = 0
        for (n, i) in jobs.enumerated() {
            let size = index.records[i].size
            if size >= Int64(MappedFile.releaseThreshold) {
                if bounds.last! != n { bounds.append(n) }
                bounds.append(n + 1)
                bytes = 0
                continue
            }
            bytes += Int(max(0, size))
            if bytes >= target {
                bounds.append(n + 1)
                bytes = 0
            }
        }
        if bounds.last! != jobs.count { bounds.append(jobs.count) }
        // Safe to share: read only during the loop.
        nonisolated(unsafe) let reader = bundle
        let index = index
        let files = files
        let threshold = Int64(MappedFile.releaseThreshold)
        return ShardScheduler.map(count: bounds.count - 1, jobs: threads) { chunk -> [MetaGraphKitError] in
            var found: [MetaGraphKitError] = []
            // The span of one data file the chunk's small payloads read so far: its
            // pages are given back when the chunk moves on (memory stays flat).
            var spanFile: MappedFile?
            var spanStart = 0, spanEnd = 0
            func releaseSpan() {
                if releasePages, let f = spanFile, spanEnd - spanStart >= MappedFile.releaseThreshold {
                    f.releaseResidentPages(UnsafeRawBufferPointer(rebasing: f.bytes[spanStart..<spanEnd]))
                }
                spanFile = nil
            }
            defer { releaseSpan() }
            for n in bounds[chunk]..<bounds[chunk + 1] {
                let i = jobs[n]
                let r = index.records[i]
                let dtype = DType(rawValue: r.dtype)
                // The common case, in place: a small fixed-size payload inside its file,
                // of the size its shape needs, with the right CRC.
                if let elementSize = dtype.elementSize, r.size < threshold, r.offset >= 0, r.size >= 0,
                   let file = files[Int(r.shard)], r.offset <= Int64(file.count), r.size <= Int64(file.count) - r.offset,
                   let count = index.elementCount(i) {
                    let (expected, overflow) = count.multipliedReportingOverflow(by: elementSize)
                    if !overflow, Int64(expected) == r.size {
                        let start = Int(r.offset), end = Int(r.offset + r.size)
                        if spanFile !== file {
                            releaseSpan()
                            spanFile = file
                            spanStart = start
                            spanEnd = end
                        } else {
                            spanStart = min(spanStart, start)
                            spanEnd = max(spanEnd, end)
                        }
                        let payload = UnsafeRawBufferPointer(rebasing: file.bytes[start..<end])
                        if CRC32C.mask(CRC32C.checksum(payload)) == r.crc32c { continue }
                    }
                }
                let entry = index.entry(i)
                let name = payloadName(index, i, sliceNames)
                do {
                    try reader.withPayload(entry, key: name, releasePages: releasePages) { payload in
                        if entry.dtype == .string {
                            let path = reader.dataFileName(entry.shardID)
                            _ = try reader.strings(entry, key: name, payload: payload, path: path, collect: false)
                        } else if entry.dtype == .variant {
                            let path = reader.dataFileName(entry.shardID)
                            try reader.checkVariant(entry, key: name, payload: payload, path: path)
                        }
                    }
                } catch let e as MetaGraphKitError {
                    found.append(e)
                } catch {
                    found.append(MetaGraphKitError(.io, "\(reader.prefix): \(error)", file: reader.prefix))
                }
            }
            return found
        }.flatMap { $0 }
    }

    private func verifySlices(_ bundle: BundleReader, _ container: BundleEntry, _ name: String) throws {
        for slice in container.slices {
            let expected = try slice.shape(in: container.shape, file: bundle.indexName, key: name)
            let key = OrderedCode.tensorNameSliceKey(name: name, slice: slice)
            guard let entry = bundle.entries[key] else {
                throw MetaGraphKitError.sliceNotStored(bundle.indexName, key: name, slice: slice)
            }
            guard entry.shape == expected, entry.dtype == container.dtype else {
                throw MetaGraphKitError.corrupt(bundle.indexName, "slice \(slice) of \(name) is stored as \(entry.dtype) \(entry.shape), expected \(container.dtype) \(expected)")
            }
        }
        try checkCoverage(container.slices, shape: container.shape, key: name, file: bundle.indexName)
    }

    private func checkCoverage(_ slices: [TensorSlice], shape: [Int], key: String, file: String) throws {
        _ = try SliceAssembler.checkCoverage(slices, shape: shape, file: file, key: key)
    }
}

/// What ``CheckpointReader/verificationReport(jobs:)`` found: the `ckpt verify` report.
public struct VerificationReport: Sendable, JSONReportable {
    /// The checkpoint's format name (``CheckpointReader/formatName``).
    public let format: String
    /// Its resolved prefix or pattern.
    public let prefix: String
    /// Tensors listed.
    public let tensors: Int
    /// Every problem found, in the order ``CheckpointReader/verify(jobs:)`` gives them.
    public let problems: [MetaGraphKitError]

    /// Whether nothing is wrong.
    public var ok: Bool { problems.isEmpty }

    /// `{"ok", "format", "prefix", "tensors", "problems": [{"code", "message"}]}`.
    public var jsonValue: JSONValue {
        .object([
            ("ok", .bool(ok)),
            ("format", .string(format)),
            ("prefix", .string(prefix)),
            ("tensors", .int(Int64(tensors))),
            ("problems", .array(problems.map {
                .object([("code", .string($0.code.rawValue)), ("message", .string($0.message))])
            })),
        ])
    }

    /// The one-line summary of a sound checkpoint.
    public var summary: String { "OK: \(format) checkpoint \(prefix), \(tensors) tensors verified" }

    /// The error a failed verification exits with (nil when ``ok``).
    public var failure: MetaGraphKitError? {
        ok ? nil : MetaGraphKitError.badChecksum(prefix, "\(problems.count) problem\(problems.count == 1 ? "" : "s") found")
    }
}

extension CheckpointReader {
    /// ``verify(jobs:)`` as a report, with the checkpoint's format, prefix and tensor count.
    ///
    /// - Parameter jobs: Most threads at once.
    public func verificationReport(jobs: Int = ShardScheduler.defaultJobs) -> VerificationReport {
        let problems = verify(jobs: jobs)
        return VerificationReport(format: formatName, prefix: prefix, tensors: tensorCount, problems: problems)
    }
}
