// Merging partial V2 checkpoints into one, as TensorFlow's `MergeV2Checkpoints` op
// does (`MergeBundles`/`MergeOneBundle` in tensorflow/core/util/tensor_bundle/
// tensor_bundle.cc): the last step of a save or a migration split over machines.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Merges partial V2 checkpoints (the units `ckpt migrate --source-shard` writes, or
/// the per-device bundles of a sharded save) into one checkpoint, touching no payload.
///
/// The merged index is what TensorFlow's `MergeV2Checkpoints` writes, byte for byte:
/// the parts' header version, every entry sorted by key bytes with its `shard_id`
/// renumbered in the order the merge first meets each data file (parts in the order
/// given, keys in index order), and the `slices` of a partitioned tensor held by
/// several parts appended in that order. Unlike TensorFlow's op, the parts are
/// never modified: the merged data files are hard links to theirs (no byte copied)
/// where the file system allows, copies otherwise, and the parts are deleted only
/// when ``Options/removeParts`` asks for it, after the merged checkpoint is in place.
///
/// TensorFlow's equivalent is `tf.raw_ops.MergeV2Checkpoints`.
public enum CheckpointMerge {
    /// How to merge.
    public struct Options: Sendable {
        /// Replace an existing checkpoint at the destination (otherwise `exists`).
        public var overwrite = false
        /// Delete each part's index and data files once the merged checkpoint is in place.
        public var removeParts = false

        /// No overwrite, parts kept.
        public init() {}
    }

    /// What a merge did.
    public struct Result: Sendable {
        /// The parts' prefixes, in the order merged.
        public let parts: [String]
        /// The merged prefix.
        public let destination: String
        /// Index entries written (tensors, partitioned containers and their slices).
        public let entries: Int
        /// Data files of the merged checkpoint.
        public let dataFiles: Int
        /// Data files that are hard links to a part's (the rest are copies).
        public let linkedDataFiles: Int
        /// Bytes in the data files.
        public let dataBytes: Int
        /// Size of the merged index.
        public let indexBytes: Int
        /// Whether the parts were deleted.
        public let removedParts: Bool
        /// Wall time.
        public let seconds: Double
    }

    /// Merges `parts` into the checkpoint `destination`.
    ///
    /// - Parameters:
    ///   - parts: V2 prefixes (a path ending in `.index` is accepted), merged in this order.
    ///   - destination: The V2 prefix to write; its directory must exist.
    ///   - options: Overwrite and part removal.
    /// - Returns: What was written.
    /// - Throws: ``MetaGraphKitError``: `invalidArgument` for no parts, a part given
    ///   twice or named as the destination, a tensor held whole by two parts, a
    ///   partitioned tensor whose parts disagree on dtype or shape, or parts of
    ///   different format versions; `exists` when the destination exists and
    ///   `overwrite` is false; `notFound` for a missing index or data file; `corrupt`
    ///   for a damaged index or an entry outside its data file; `io`. Nothing is left
    ///   behind on a throw, and an old checkpoint at the destination is kept.
    public static func merge(parts: [String], into destination: String, options: Options = Options()) throws -> Result {
        let start = ContinuousClock.now
        guard !parts.isEmpty else { throw MetaGraphKitError.invalidArgument(destination, "no checkpoints to merge") }
        let prefixes = parts.map { $0.hasSuffix(".index") ? String($0.dropLast(6)) : $0 }
        var seen = Set<String>()
        for p in prefixes where !seen.insert(OutputDestination.canonical(p)).inserted {
            throw MetaGraphKitError.invalidArgument(p, "is given twice; each part is merged once")
        }
        // Only a destination that is a part's prefix overlaps a part: the merged data
        // files are new names (links) for the parts' files, and nothing is written
        // into an existing file, so a re-merge over an earlier merge of the same parts
        // (the same files under other names) replaces only the names.
        let target = OutputDestination.canonical(destination)
        if let part = prefixes.first(where: { OutputDestination.canonical($0) == target }) {
            throw MetaGraphKitError.invalidArgument(destination, "is the part \(part); inputs are never modified: write to another path")
        }
        if !options.overwrite, let what = OutputDestination.existing(destination, kind: .checkpoint) {
            throw MetaGraphKitError.outputExists(destination, holding: what)
        }
        let parent = PathRules.dirname(destination)
        guard FileIO.isDirectory(parent.isEmpty ? "." : parent) else {
            throw MetaGraphKitError.noOutputDirectory(destination, parent: parent)
        }

        let plan = try Plan(prefixes)
        let transaction = OutputTransaction()
        var dataBytes = 0
        var linked = 0
        let count = max(plan.dataFiles.count, 1)
        func finalName(_ id: Int) -> String { BundleFileNames.data(destination, shard: id, of: count) }
        do {
            var temporaries: [String] = []
            for (id, source) in plan.dataFiles.enumerated() {
                let temp = FileIO.temporaryName(for: finalName(id))
                if try transaction.createLink(to: source.path, at: temp) {
                    linked += 1
                } else {
                    let out = try transaction.createFile(temp)
                    let fd = try SystemCalls.open(source.path, O_RDONLY)
                    defer { SystemCalls.closeQuietly(fd) }
                    try out.copyInKernel(from: fd, offset: 0, count: source.size)
                    try out.close()
                }
                dataBytes += source.size
                temporaries.append(temp)
            }
            if plan.dataFiles.isEmpty {
                // Parts holding no tensor: one empty data file, as a writer of no tensors leaves.
                let temp = FileIO.temporaryName(for: finalName(0))
                try transaction.createFile(temp).close()
                temporaries.append(temp)
            }
            let indexName = destination + ".index"
            let indexTemp = FileIO.temporaryName(for: indexName)
            let index = try transaction.createFile(indexTemp)
            let table = TableBuilder(sink: index, name: indexName)
            try table.add(key: [], value: BundleProtoEncoding.header(numShards: count, version: plan.version))
            var encoder = BundleEntryEncoder()
            for n in 0..<plan.count {
                encoder.encode(plan.entry(n))
                try encoder.bytes.withUnsafeBytes { try table.add(key: plan.key(n), value: $0) }
            }
            try table.finish()
            let indexBytes = index.offset
            try index.close()
            PausePoint.reached("merge-finish")
            for old in BundleWriter.existingFiles(of: destination) { try transaction.moveAside(old) }
            for (id, temp) in temporaries.enumerated() { try transaction.place(temp, at: finalName(id)) }
            try transaction.place(indexTemp, at: indexName)
            transaction.commit()
            if options.removeParts {
                for p in prefixes { for f in BundleWriter.existingFiles(of: p) { unlink(f) } }
            }
            return Result(parts: prefixes, destination: destination, entries: plan.count, dataFiles: temporaries.count,
                          linkedDataFiles: linked, dataBytes: dataBytes, indexBytes: indexBytes,
                          removedParts: options.removeParts, seconds: seconds(ContinuousClock.now - start))
        } catch {
            transaction.rollback()
            throw error
        }
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// The merged index, worked out before anything is written, held as the parts'
    /// compact indexes and a few integers per entry: no key array, entry or
    /// dictionary slot per key (100,000 keys merge in well under 64 MB).
    private struct Plan {
        struct DataFile { let path: String; let size: Int }
        /// One entry of a part: the part and the entry's record in its compact index.
        struct Ref { var part: Int32; var record: Int32 }

        /// A key for a message: a slice key (binary, first byte 0) as `slice S of NAME`
        /// when a container of the same index lists it.
        static func describe(_ key: [UInt8], keys: [[UInt8]], values: [BundleEntry]) -> String {
            guard key.first == 0 else { return BundleReader.display(key) }
            for (i, k) in keys.enumerated() where !values[i].slices.isEmpty {
                let name = BundleReader.display(k)
                if let s = values[i].slices.first(where: { OrderedCode.tensorNameSliceKey(name: name, slice: $0) == key }) {
                    return "slice \(s) of \(name)"
                }
            }
            return "a slice key of \(key.count) bytes"
        }
        private var indexes: [CompactBundleIndex] = []
        /// Per part: its data file ids → the merged checkpoint's, numbered on first use.
        private var renumbered: [[Int: Int]] = []
        /// Every entry of every part, parts in order, each in index order.
        private var refs: [Ref] = []
        /// Positions in ``refs`` of the first entry of each key (its first part's),
        /// sorted by key bytes: the merged index's entries.
        private var order: [Int32] = []
        /// The slices later parts add to a partitioned tensor, by the position of
        /// its first entry.
        private var addedSlices: [Int32: [TensorSlice]] = [:]
        var dataFiles: [DataFile] = []
        var version = BundleProtoEncoding.Version()

        /// Entries of the merged index.
        var count: Int { order.count }

        /// The key of merged entry `n`.
        func key(_ n: Int) -> [UInt8] {
            let r = refs[Int(order[n])]
            return indexes[Int(r.part)].key(Int(r.record))
        }

        /// Merged entry `n`: its first part's entry with its data file renumbered
        /// and the slices of later parts appended.
        func entry(_ n: Int) -> BundleEntry {
            let at = order[n]
            let r = refs[Int(at)]
            var e = indexes[Int(r.part)].entry(Int(r.record))
            e.shardID = renumbered[Int(r.part)][e.shardID]!
            if let more = addedSlices[at] { e.slices += more }
            return e
        }

        init(_ prefixes: [String]) throws {
            var first: (prefix: String, version: BundleProtoEncoding.Version)?
            var bundles: [BundleReader] = []
            for prefix in prefixes {
                let bundle = try BundleReader(prefix: prefix, lazy: true)
                let name = bundle.indexName
                let v = BundleProtoEncoding.Version(producer: bundle.header.producer, minConsumer: bundle.header.minConsumer,
                                                    badConsumers: bundle.header.badConsumers)
                if let first {
                    guard first.version == v else {
                        throw MetaGraphKitError.invalidArgument(name,
                            "format version \(v) differs from \(first.prefix).index's \(first.version); TensorFlow refuses to merge them too")
                    }
                } else {
                    first = (prefix, v)
                    version = v
                }
                try bundle.loadIndex()
                // Decoded: the index's pages go back (the page cache keeps them).
                bundle.table.file.releaseResidentPages()
                let index = bundle.compact!
                let part = Int32(indexes.count)
                refs.reserveCapacity(refs.count + index.count)
                for i in 0..<index.count { refs.append(Ref(part: part, record: Int32(i))) }
                indexes.append(index)
                bundles.append(bundle)
            }
            guard refs.count < Int(Int32.max) else {
                throw MetaGraphKitError.tooLarge(prefixes[0], "the parts hold more than 2^31 entries")
            }
            let indexes = self.indexes, refs = self.refs
            func compare(_ x: Int32, _ y: Int32) -> Int {
                let a = refs[Int(x)], b = refs[Int(y)]
                return indexes[Int(a.part)].withKey(Int(a.record)) { p in
                    indexes[Int(b.part)].withKey(Int(b.record)) { q in Block.compare(p, q) }
                }
            }
            // Every entry by key bytes, equal keys in the order met: the first of
            // each run is the key's first entry, the others are later parts' (or,
            // in a damaged index, the same part's) entries of that key.
            var sorted = (0..<Int32(refs.count)).map { $0 }
            sorted.sort { x, y in
                let c = compare(x, y)
                return c != 0 ? c < 0 : x < y
            }
            var firstOf = [Int32](repeating: 0, count: refs.count)
            for (n, at) in sorted.enumerated() {
                firstOf[Int(at)] = n > 0 && compare(sorted[n - 1], at) == 0 ? firstOf[Int(sorted[n - 1])] : at
            }
            order = sorted.filter { firstOf[Int($0)] == $0 }
            sorted = []
            // The checks in the order the entries are met, so the first problem is
            // reported as a merge over the parts in order meets it.
            renumbered = Array(repeating: [:], count: indexes.count)
            for (n, r) in refs.enumerated() {
                let part = Int(r.part), bundle = bundles[part], index = indexes[part], name = bundle.indexName
                let entry = index.entry(Int(r.record))
                // The key, for messages only.
                var key: [UInt8] { index.key(Int(r.record)) }
                let at = firstOf[n]
                if at != Int32(n) {
                    let f = refs[Int(at)]
                    let earlier = indexes[Int(f.part)].entry(Int(f.record))
                    guard !earlier.slices.isEmpty, !entry.slices.isEmpty else {
                        let what = Self.describe(key, keys: bundle.keys, values: bundle.values)
                        throw MetaGraphKitError.invalidArgument(name,
                            "\(what) is also in an earlier part; only the slice lists of a partitioned tensor may be in several parts",
                            key: what)
                    }
                    guard earlier.dtype == entry.dtype, earlier.shape == entry.shape else {
                        throw MetaGraphKitError.corrupt(name,
                            "the slices of \(BundleReader.display(key)) are \(entry.dtype) \(entry.shape) here and \(earlier.dtype) \(earlier.shape) in an earlier part",
                            key: BundleReader.display(key))
                    }
                    addedSlices[at, default: []] += entry.slices
                    continue
                }
                // Every entry's data file is renumbered, a partitioned tensor's
                // container too (it names data file 0 of its part and stores no
                // bytes), as TensorFlow does; what is stored must lie inside its
                // data file (checked here, since no byte is read).
                guard entry.shardID >= 0, entry.shardID < bundle.header.numShards else {
                    throw MetaGraphKitError.shardOutOfRange(name, BundleReader.display(key), key: BundleReader.display(key), shard: entry.shardID,
                                                            shards: bundle.header.numShards)
                }
                let id: Int
                if let known = renumbered[part][entry.shardID] {
                    id = known
                } else {
                    let path = bundle.dataFileName(entry.shardID)
                    guard let status = try SystemCalls.status(path), status.kind == .regular else {
                        throw MetaGraphKitError.notFound(path, "data file \(entry.shardID) of \(prefixes[part]) is missing")
                    }
                    id = dataFiles.count
                    renumbered[part][entry.shardID] = id
                    dataFiles.append(DataFile(path: path, size: status.size))
                }
                let size = dataFiles[id].size
                guard entry.offset >= 0, entry.size >= 0, entry.offset <= Int64(size), entry.size <= Int64(size) - entry.offset else {
                    throw MetaGraphKitError.outsideFile(dataFiles[id].path, BundleReader.display(key), key: BundleReader.display(key), offset: entry.offset,
                                                        size: entry.size, fileSize: size)
                }
            }
        }
    }
}

extension CheckpointMerge.Result: JSONReportable {
    /// `{"parts": [...], "destination", "entries", "data_files", "linked_data_files",
    /// "data_bytes", "index_bytes", "removed_parts", "seconds"}`.
    public var jsonValue: JSONValue {
        .object([
            ("parts", .array(parts.map { .string($0) })),
            ("destination", .string(destination)),
            ("entries", .int(Int64(entries))),
            ("data_files", .int(Int64(dataFiles))),
            ("linked_data_files", .int(Int64(linkedDataFiles))),
            ("data_bytes", .int(Int64(dataBytes))),
            ("index_bytes", .int(Int64(indexBytes))),
            ("removed_parts", .bool(removedParts)),
            ("seconds", .double(seconds)),
        ])
    }

    /// One line: `P1, P2 -> DST: N entries, M data files (L linked), B bytes, 0.01 s`.
    public var text: String {
        let files = "\(dataFiles) data file\(dataFiles == 1 ? "" : "s")"
        let how = linkedDataFiles == dataFiles ? "linked" : "\(linkedDataFiles) linked, \(dataFiles - linkedDataFiles) copied"
        let removed = removedParts ? "; parts removed" : ""
        return "\(parts.joined(separator: ", ")) -> \(destination): \(entries) entries, \(files) (\(how)), \(dataBytes) bytes, "
            + String(Double(Int(seconds * 1000)) / 1000) + " s" + removed
    }
}
