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
            var shardOK = [Bool](repeating: false, count: bundle.header.numShards)
            for id in 0..<bundle.header.numShards {
                record {
                    let file = try bundle.shard(id)
                    file.adviseSequential()
                    shardOK[id] = true
                }
            }
            // A slice's key is binary (OrderedCode): name it after its tensor instead.
            var sliceNames: [TableKey: String] = [:]
            let values = bundle.values
            for (i, key) in bundle.keys.enumerated() {
                let e = values[i]
                guard !e.slices.isEmpty else { continue }
                let name = BundleReader.display(key)
                for s in e.slices {
                    sliceNames[TableKey(OrderedCode.tensorNameSliceKey(name: name, slice: s))] = "slice \(s) of \(name)"
                }
            }
            var payloads: [(BundleEntry, String)] = []
            payloads.reserveCapacity(values.count)
            for (i, key) in bundle.keys.enumerated() {
                let entry = values[i]
                let name = sliceNames.isEmpty ? BundleReader.display(key) : sliceNames[TableKey(key)] ?? BundleReader.display(key)
                if !entry.slices.isEmpty {
                    record { try verifySlices(bundle, entry, name) }
                    continue
                }
                if entry.dtype == .resource { continue }
                guard entry.shardID >= 0, entry.shardID < shardOK.count else {
                    problems.append(MetaGraphKitError.corrupt(bundle.indexName, "\(name) is in data file \(entry.shardID) but the bundle has \(shardOK.count)"))
                    continue
                }
                guard shardOK[entry.shardID] else { continue }
                if entry.dtype.elementSize == nil, entry.dtype != .string, entry.dtype != .variant {
                    problems.append(MetaGraphKitError.unsupported(bundle.indexName, "\(name) has unknown dtype \(entry.dtype.rawValue)"))
                    continue
                }
                payloads.append((entry, name))
            }
            problems += Self.checkPayloads(bundle, payloads, threads: jobs)
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

    /// Checks payloads (bounds, sizes, CRCs) on `threads` cores (all by default):
    /// tensors are independent, whichever data file holds them, the data files are
    /// already mapped, and each result goes to its own slot. `releasePages: false`
    /// leaves the pages for a writer reading the same payloads at the same time
    /// (export).
    static func checkPayloads(_ bundle: BundleReader, _ jobs: [(BundleEntry, String)], threads: Int = ShardScheduler.defaultJobs,
                              releasePages: Bool = true) -> [MetaGraphKitError] {
        // Safe to share: the reader's shard table is not modified during the loop
        // (every data file was mapped before).
        nonisolated(unsafe) let reader = bundle
        return ShardScheduler.map(count: jobs.count, jobs: threads) { i -> MetaGraphKitError? in
            let (entry, name) = jobs[i]
            do {
                try reader.withPayload(entry, key: name, releasePages: releasePages) { payload in
                    let path = reader.dataFileName(entry.shardID)
                    if entry.dtype == .string {
                        _ = try reader.strings(entry, key: name, payload: payload, path: path, collect: false)
                    } else if entry.dtype == .variant {
                        try reader.checkVariant(entry, key: name, payload: payload, path: path)
                    }
                }
                return nil
            } catch let e as MetaGraphKitError {
                return e
            } catch {
                return MetaGraphKitError(.io, "\(reader.prefix): \(error)", file: reader.prefix)
            }
        }.compactMap { $0 }
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
        return VerificationReport(format: formatName, prefix: prefix, tensors: entries.count, problems: problems)
    }
}
