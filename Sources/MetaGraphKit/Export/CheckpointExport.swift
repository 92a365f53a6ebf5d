// Export of a checkpoint's tensors to formats other tools read: safetensors
// (https://github.com/huggingface/safetensors, header JSON + raw little-endian data)
// and NumPy .npz (an uncompressed zip of .npy v1.0 files, numpy/lib/format.py).
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A file format ``CheckpointReader/export(to:format:)`` writes.
public enum CheckpointExportFormat: String, Sendable {
    /// safetensors: 8-byte little-endian header length, JSON header, data.
    case safetensors
    /// NumPy `.npz`: a stored (uncompressed) zip of `KEY.npy` files.
    case npz

    /// The format a file name's extension names.
    ///
    /// - Parameter path: A path ending in `.safetensors` or `.npz`.
    /// - Returns: The format, or nil for another extension.
    public init?(path: String) {
        if path.hasSuffix(".safetensors") { self = .safetensors } else if path.hasSuffix(".npz") { self = .npz } else { return nil }
    }

    /// The format's type name for a dtype, or nil when it cannot hold it.
    func typeName(_ dtype: DType) -> String? {
        switch self {
        case .safetensors: return Self.safetensorsNames[dtype.base]
        case .npz: return Self.npzNames[dtype.base]
        }
    }

    // Made once: a dictionary literal in typeName was rebuilt for every key.
    private static let safetensorsNames: [DType: String] = [
        .float32: "F32", .float64: "F64", .float16: "F16", .bfloat16: "BF16", .int8: "I8", .int16: "I16",
        .int32: "I32", .int64: "I64", .uint8: "U8", .uint16: "U16", .uint32: "U32", .uint64: "U64",
        .bool: "BOOL", .float8E5M2: "F8_E5M2", .float8E4M3FN: "F8_E4M3",
    ]
    private static let npzNames: [DType: String] = [
        .float32: "<f4", .float64: "<f8", .float16: "<f2", .int8: "|i1", .int16: "<i2", .int32: "<i4",
        .int64: "<i8", .uint8: "|u1", .uint16: "<u2", .uint32: "<u4", .uint64: "<u8", .bool: "|b1",
        .complex64: "<c8", .complex128: "<c16",
    ]
}

/// What an export wrote and what it had to leave out.
public struct CheckpointExportReport: Sendable {
    /// The checkpoint exported (its resolved prefix or pattern).
    public var source = ""
    /// Its format's name as reports print it (``CheckpointReader/formatName``).
    public var sourceFormatName = ""
    /// The file written.
    public var output = ""
    /// Tensors written, in order: the source key, or the written name of a tensor
    /// merged from several keys.
    public var written: [String] = []
    /// Keys the format cannot hold, with the reason (for example `string`).
    public var skipped: [(key: String, reason: String)] = []
    /// Keys the rules renamed, and their names in the output.
    public var renamed: [(from: String, to: String)] = []
    /// Keys a `drop`/`keep` step (or a promoted EMA shadow) left out.
    public var dropped: [String] = []
    /// Output names of bfloat16 tensors stored in an npz as raw `uint16` bit patterns
    /// (listed in the `__tfmeta__.json` member).
    public var bfloat16AsUInt16: [String] = []
    /// What the rules did beyond renaming: unmatched steps, changed values, promoted
    /// shadows, the largest cast error (`meta` is always nil for an export).
    public var rules = RulesOutcome()
}

/// How ``CheckpointReader/export(to:format:options:)`` selects and converts.
public struct CheckpointExportOptions: Sendable {
    /// Selection and renames (`--drop`, `--map`, `--rule`), as `ckpt rename` applies
    /// them; applied before ``ruleSet``.
    public var rules = KeyRules()
    /// The steps of `--rules` files and `--preset`s (rename, drop, keep, transpose,
    /// reshape, merge_partitions, promote_ema, cast, slots), applied after ``rules``
    /// as `ckpt rename` applies them. A `split` step does not apply: an export holds
    /// each tensor whole.
    public var ruleSet = RuleSet()
    /// Fail when a step or `map` entry matches nothing (otherwise it is reported in
    /// ``CheckpointExportReport/rules``).
    public var strict = false
    /// npz only: write bfloat16 tensors as float32 (exact) instead of raw uint16 bits.
    public var bfloat16AsFloat32 = false
    /// Replace an existing file at the output path (otherwise `exists`).
    public var overwrite = false
    /// Called after each tensor with (tensors done, tensors in all, bytes written).
    public var progress: (@Sendable (_ done: Int, _ total: Int, _ bytes: Int) -> Void)?
    /// npz only: sizes and offsets at or above this get ZIP64 fields (tests lower it
    /// to force ZIP64 on a small archive, in-process or through the debug-build hook
    /// `MGK_TEST_ZIP64_THRESHOLD`; see ``ZipStoreWriter``).
    var zip64Threshold = ZipStoreWriter.exportThreshold
    /// Whether a V2 checkpoint may be exported from its compact index (tests turn
    /// it off to compare with the general path, which must write the same bytes).
    var fromIndex = true

    /// Every key, unchanged; bfloat16 as raw uint16 in npz.
    public init() {}
}

extension CheckpointReader {
    /// Writes every tensor the format can hold to one file, sorted by key. The file
    /// is written under a temporary name in the destination directory and renamed
    /// when complete (removed on failure). V2 tensors stored whole are written
    /// straight from the mapped data file after their CRC check.
    ///
    /// - Parameters:
    ///   - path: The output file.
    ///   - format: The format; nil chooses by the extension of `path`.
    ///   - overwrite: Replace an existing file at `path` (otherwise `exists`).
    ///   - progress: Called after each tensor with (tensors done, tensors in all,
    ///     bytes written).
    /// - Returns: The keys written and the keys skipped (strings, complex for
    ///   safetensors, bfloat16 for npz, variant, resource …).
    /// - Throws: ``MetaGraphKitError``: `invalidArgument` for an unknown extension,
    ///   `exists` for an existing output without `overwrite`, `invalidArgument` for an
    ///   output that is the checkpoint's own file, `io` for write failures, or any
    ///   read error of a tensor.
    public func export(to path: String, format: CheckpointExportFormat? = nil, overwrite: Bool = false,
                       progress: (@Sendable (_ done: Int, _ total: Int, _ bytes: Int) -> Void)? = nil) throws -> CheckpointExportReport {
        var options = CheckpointExportOptions()
        options.overwrite = overwrite
        options.progress = progress
        return try export(to: path, format: format, options: options)
    }

    /// ``export(to:format:overwrite:progress:)`` with keys selected, renamed and
    /// values changed by `options.rules` and `options.ruleSet` (a `transpose` or
    /// `cast` step changes the values written; `merge_partitions` writes one tensor
    /// per partitioned variable; changed tensors are made one at a time). safetensors files get a `__metadata__` naming the source
    /// (`source`, `source_format`, `writer`). npz files hold bfloat16 as raw `uint16`
    /// bit patterns (named in a `__tfmeta__.json` member; `tfmeta` reads them back as
    /// bfloat16) or, with `bfloat16AsFloat32`, as float32; string tensors as
    /// fixed-width `S` arrays when no element ends in a NUL byte.
    ///
    /// - Throws: as ``export(to:format:overwrite:progress:)``, and `invalidArgument`
    ///   as ``RuleSet/plan(_:file:strict:)`` (two keys onto one, a permutation that
    ///   does not fit, an unmatched step under `strict`).
    public func export(to path: String, format: CheckpointExportFormat? = nil,
                       options: CheckpointExportOptions) throws -> CheckpointExportReport {
        guard let format = format ?? CheckpointExportFormat(path: path) else {
            throw MetaGraphKitError.invalidArgument(path, "the output must end in .safetensors or .npz")
        }
        try OutputDestination.check(path, overwrite: options.overwrite, sources: [prefix])
        if format == .safetensors, let report = try exportSafetensorsFromIndex(to: path, options: options) { return report }
        if format == .npz, let report = try exportNPZFromIndex(to: path, options: options) { return report }
        var report = CheckpointExportReport(source: prefix, sourceFormatName: formatName, output: path)
        var chosen: [TensorEntry] = []
        var steps = RuleSet(options.rules)
        steps.append(contentsOf: options.ruleSet)
        var plan = try steps.plan(loadEntries(), file: prefix, strict: options.strict)
        for i in plan.tensors.indices { plan.tensors[i].split = nil }   // an export holds tensors whole
        report.dropped = plan.dropped
        report.rules.unmatched = plan.unmatched
        report.rules.promoted = plan.promoted
        report.rules.transformed = plan.tensors.filter { $0.sources.count > 1 || !$0.transforms.isEmpty }.map(\.name)
        var names: [String: String] = [:]
        // Tensors whose value the steps change, by their first source key (the entry's key below).
        var changed: [String: PlannedTensor] = [:]
        for (from, to) in plan.renamed where from != to { report.renamed.append((from, to)) }
        for t in plan.tensors {
            let key = t.sources[0]
            if t.name != key { names[key] = t.name }   // only renamed keys: 100,000 unchanged ones cost 8 MB
            let e = TensorEntry(key: key, dtype: t.dtype, shape: t.shape, slices: [])
            if t.sources.count > 1 || !t.transforms.isEmpty { changed[key] = t }
            let npzString = format == .npz && e.dtype.base == .string
            let npzBF16 = format == .npz && e.dtype.base == .bfloat16
            if format.typeName(e.dtype) != nil || npzString || npzBF16 { chosen.append(e) } else {
                report.skipped.append((key, "\(format.rawValue) cannot hold \(e.dtype)"))
            }
        }
        let outputName = { (e: TensorEntry) in names[e.key] ?? e.key }
        let changes = ChangedValues(reader: self, planned: changed)
        let out = try AtomicOutputFile(path: path)
        // Large V1 tensors stored verbatim in one whole slice are copied by the
        // kernel like V2 payloads (safetensors only: npz needs their zip CRC).
        let verbatim = format == .safetensors ? verbatimV1Payloads(chosen.filter { changed[$0.key] == nil }) : [:]
        // CRCs of tensors written straight from the data files are checked on
        // another core while the bytes are written; the file is committed only if
        // every check passed.
        try Self.writeChecked(out, checks: startChecks(chosen.map(\.key), verbatim: verbatim)) {
            switch format {
            case .safetensors: try writeSafetensors(chosen, names: outputName, verbatim: verbatim, changes: changes, to: out,
                                                    progress: options.progress)
            case .npz: try writeNPZ(chosen, names: outputName, changes: changes, options: options, report: &report, to: out)
            }
        }
        report.written = chosen.map(\.key).filter { k in !report.skipped.contains { $0.key == k } }
            .map { changed[$0].map { $0.sources.count > 1 ? $0.name : $0.sources[0] } ?? $0 }
        report.rules.castError = changes.castError
        return report
    }

    /// The verbatim payloads of the V1 tensors among `chosen` that are stored as
    /// one whole slice of at least 1 MiB (see ``VerbatimPayload``).
    private func verbatimV1Payloads(_ chosen: [TensorEntry]) -> [String: VerbatimPayload] {
        guard let slices else { return [:] }
        var found: [String: VerbatimPayload] = [:]
        for e in chosen {
            guard let item = slices.items[e.key], item.slices.count == 1, item.slices[0].slice.isFull,
                  let payload = slices.verbatimPayload(item, item.slices[0].slice, file: item.slices[0].file)
            else { continue }
            found[e.key] = payload
        }
        return found
    }

    /// Starts checking, in the background, the payload CRCs of `keys` (V2 tensors
    /// stored whole) and the block CRCs of the `verbatim` V1 payloads; the
    /// returned function waits and returns the problems.
    private func startChecks(_ keys: [String], verbatim: [String: VerbatimPayload]) -> () -> [MetaGraphKitError] {
        var records: [Int] = []
        if let bundle, let index = bundle.compact {
            records = keys.compactMap { key in
                guard let bytes = keyBytes(key), let i = index.find(bytes), index.slices(i).isEmpty else { return nil }
                return i
            }
        }
        return startChecks(records: records, verbatim: verbatim)
    }

    /// Runs `body` (the writing) while `checks` (started by ``startChecks(records:verbatim:)``)
    /// run on another core, then commits `out` only when both succeeded; throws
    /// the write's error first, else the first failed check.
    static func writeChecked(_ out: AtomicOutputFile, checks: () -> [MetaGraphKitError], _ body: () throws -> Void) throws {
        let result = Result { try body() }
        let problems = checks()
        try result.get()
        if let first = problems.first { throw first }
        try out.commit()
    }

    /// As ``startChecks(_:verbatim:)`` for the entries `records` of the bundle's
    /// compact index (V2 tensors stored whole).
    func startChecks(records: [Int], verbatim: [String: VerbatimPayload]) -> () -> [MetaGraphKitError] {
        var files: [MappedFile?] = []
        if let bundle {
            // Map every data file now, so neither thread changes the reader's shard table.
            // (Slices of partitioned tensors are read on this thread, from any shard.)
            files = (0..<bundle.header.numShards).map { try? bundle.shard($0) }
        }
        let index: CompactBundleIndex? = bundle?.compact
        // Entries whose data file is missing or out of range are left to the writer,
        // which reports them.
        var jobs: [Int] = []
        if let index {
            jobs = records.filter { i in
                let shard = Int(index.records[i].shard)
                return shard >= 0 && shard < files.count && files[shard] != nil
            }
        }
        guard !jobs.isEmpty || !verbatim.isEmpty else { return { [] } }
        // Large fixed-size payloads are read with pread into one buffer and
        // checksummed there: the writer copies them with sendfile, and touching
        // them through the mapping would cost a page fault per 4 KiB.
        let isLarge = { (r: CompactBundleIndex.Record) in
            DType(rawValue: r.dtype).elementSize != nil && r.size >= Int64(MappedFile.releaseThreshold)
        }
        var large: [Int] = [], small: [Int] = []
        if let index {
            for i in jobs { if isLarge(index.records[i]) { large.append(i) } else { small.append(i) } }
        }
        let group = DispatchGroup()
        nonisolated(unsafe) var problems: [MetaGraphKitError] = []
        nonisolated(unsafe) let reader = bundle
        let (largeJobs, smallJobs, mapped, compact) = (large, small, files, index)
        let blocks = verbatim.sorted { $0.key < $1.key }
        group.enter()
        DispatchQueue.global().async {
            if let reader, let index = compact {
                // Pages of small payloads are given back chunk by chunk, as the writer
                // gives back what it wrote; whichever comes second faults them in again
                // from the page cache.
                problems = CheckpointReader.checkPayloads(reader, index, smallJobs, files: mapped, releasePages: true)
                problems += largeJobs.compactMap { i -> MetaGraphKitError? in
                    let entry = index.entry(i)
                    let key = index.displayKey(i)
                    let path = reader.dataFileName(entry.shardID)
                    do throws(MetaGraphKitError) {
                        let crc = try Self.crc32cByReading(path, offset: Int(entry.offset), count: Int(entry.size), what: key)
                        return CRC32C.mask(crc) == entry.crc32c ? nil : reader.checksumError(path, key, entry)
                    } catch { return error }
                }
            }
            problems += blocks.compactMap { (key, payload) -> MetaGraphKitError? in
                do throws(MetaGraphKitError) {
                    // The block's contents and its type byte (0: uncompressed).
                    let crc = try Self.crc32cByReading(payload.table.name, offset: payload.block.offset,
                                                       count: payload.block.size + 1, what: key)
                    return crc == payload.storedCRC ? nil : payload.checksumError(key)
                } catch { return error }
            }
            group.leave()
        }
        return {
            group.wait()
            return problems
        }
    }

    /// The CRC32C of `count` bytes of a file from `offset`, read in 4 MiB pieces.
    private static func crc32cByReading(_ path: String, offset: Int, count: Int,
                                        what: String) throws(MetaGraphKitError) -> UInt32 {
        let fd = try SystemCalls.open(path, O_RDONLY | O_CLOEXEC)
        defer { SystemCalls.closeQuietly(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var crc: UInt32 = 0
        var at = offset
        var left = count
        while left > 0 {
            let n = try SystemCalls.pread(fd, into: buffer.baseAddress!, count: min(left, buffer.count), offset: at,
                                          path: path, failure: "cannot read")
            guard n > 0 else {
                throw MetaGraphKitError.truncated(path, "\(what) ends before its \(count) bytes")
            }
            crc = CRC32C.extend(crc, UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            at += n
            left -= n
        }
        return crc
    }

    // MARK: - safetensors

    private func writeSafetensors(_ chosen: [TensorEntry], names: (TensorEntry) -> String,
                                  verbatim: [String: VerbatimPayload], changes: ChangedValues, to out: AtomicOutputFile,
                                  progress: ((Int, Int, Int) -> Void)?) throws {
        // The format's metadata holds strings only. The header is written as bytes
        // (what JSONValue would print), not built as a tree of values per key.
        var text = Array(("{\"__metadata__\":" + JSONValue.object([
            ("source", .string(prefix)), ("source_format", .string(formatName)), ("writer", .string("tfmeta ckpt export")),
        ]).serialized()).utf8)
        text.reserveCapacity(text.count + chosen.count * 80)
        var offset = 0
        for e in chosen {
            let n = try Tensor.elementCount(e.shape, file: prefix, key: e.key)
            let size = try Tensor.byteCount(n, e.dtype.elementSize!, file: prefix, key: e.key)
            text.append(UInt8(ascii: ","))
            Self.appendQuoted(names(e), to: &text)
            text.append(contentsOf: ":{\"dtype\":\"".utf8)
            text.append(contentsOf: CheckpointExportFormat.safetensors.typeName(e.dtype)!.utf8)
            text.append(contentsOf: "\",\"shape\":[".utf8)
            for (j, d) in e.shape.enumerated() {
                if j > 0 { text.append(UInt8(ascii: ",")) }
                text.append(contentsOf: String(d).utf8)
            }
            text.append(contentsOf: "],\"data_offsets\":[".utf8)
            text.append(contentsOf: String(offset).utf8)
            text.append(UInt8(ascii: ","))
            text.append(contentsOf: String(offset + size).utf8)
            text.append(contentsOf: "]}".utf8)
            offset += size
        }
        text.append(UInt8(ascii: "}"))
        // Spaces pad the header (the format allows it) so the data start on an
        // 8-byte boundary, and for large exports on a 64 KiB one: the kernel's
        // page-cache copy is fastest when source and destination offsets agree
        // modulo its large folios (1 GiB from a V2 bundle: 0.46 s unaligned,
        // 0.31 s aligned, as fast as cp, on the benchmark machine).
        let alignment = offset >= 1 << 20 ? 64 << 10 : 8
        while (8 + text.count) % alignment != 0 { text.append(0x20) }
        var length = UInt64(text.count).littleEndian
        try withUnsafeBytes(of: &length) { try out.write($0) }
        try out.write(text)
        var sources = SourceDescriptors()
        for (i, e) in chosen.enumerated() {
            defer { progress?(i + 1, chosen.count, out.offset) }
            if let payload = verbatim[e.key] {
                try out.copyInKernel(from: sources.descriptor(payload.table.file), offset: payload.offset, count: payload.count)
            } else if changes.has(e.key) {
                try changes.withBytes(e.key) { try out.write($0) }
            } else {
                try writeTensorBytes(e, to: out, sources: &sources)
            }
            PausePoint.reached("export-tensor")
        }
    }

    /// Appends a tensor's bytes. A large stored V2 payload is copied by the kernel
    /// (`sendfile`, page cache to page cache) while the checking thread reads the
    /// mapping; everything else (slices, V1 values) goes through memory.
    private func writeTensorBytes(_ e: TensorEntry, to out: AtomicOutputFile, sources: inout SourceDescriptors) throws {
        if let bundle, let key = keyBytes(e.key), let entry = bundle.entries[key], entry.slices.isEmpty,
           entry.size >= Int64(MappedFile.releaseThreshold) {
            // withPayload checks shard, bounds and size against the shape; it reads nothing.
            try bundle.withPayload(entry, key: e.key, checkCRC: false, releasePages: false) { payload in
                let fd = try sources.descriptor(bundle.shard(entry.shardID))
                try out.copyInKernel(from: fd, offset: Int(entry.offset), count: payload.count)
            }
            return
        }
        try withTensorBytes(e.key, checkCRC: false) { try out.write($0) }
    }

    // MARK: - npz

    private func writeNPZ(_ chosen: [TensorEntry], names: (TensorEntry) -> String, changes: ChangedValues,
                          options: CheckpointExportOptions,
                          report: inout CheckpointExportReport, to out: AtomicOutputFile) throws {
        // Names are KEY.npy (the output's names; renames rarely change their length much) and the note.
        var zip = ZipStoreWriter(zip64Threshold: options.zip64Threshold, members: chosen.count + 1,
                                 nameBytes: chosen.reduce(NPZCheckpoint.noteName.utf8.count) { $0 + $1.key.utf8.count + 4 })
        /// One stored member: local header, name, the .npy header, the data.
        func member(_ memberName: String, _ prefix: [UInt8], _ data: UnsafeRawBufferPointer, what: String) throws {
            try zip.add(name: memberName, prefix: prefix, data: data, to: out, what: what)
        }
        // Checkpoints of many keys repeat a few dtype/shape pairs: the last header is reused.
        var lastHeader: (descr: String, shape: [Int], bytes: [UInt8])?
        func npyHeader(_ descr: String, _ shape: [Int]) -> [UInt8] {
            if let last = lastHeader, last.shape == shape, last.descr == descr { return last.bytes }
            let bytes = makeNPYHeader(descr, shape)
            lastHeader = (descr, shape, bytes)
            return bytes
        }
        func makeNPYHeader(_ descr: String, _ shape: [Int]) -> [UInt8] { Self.npyHeader(descr, shape) }
        for (i, e) in chosen.enumerated() {
            defer { options.progress?(i + 1, chosen.count, out.offset) }
            let name = names(e)
            if e.dtype.base == .string {
                // Fixed-width bytes (numpy `S`): numpy drops trailing NULs, so a string
                // ending in one cannot come back; such tensors are skipped.
                let strings = try changes.tensor(e.key).strings ?? []
                if strings.contains(where: { $0.last == 0 }) {
                    report.skipped.append((e.key, "npz S arrays cannot hold strings ending in a NUL byte"))
                    continue
                }
                let width = max(1, strings.map(\.count).max() ?? 1)
                let total = strings.count.multipliedReportingOverflow(by: width)
                guard !total.overflow, total.partialValue <= 4 * strings.reduce(0, { $0 + $1.count }) + (1 << 20) else {
                    report.skipped.append((e.key, "npz S arrays would pad its strings to \(width) bytes each"))
                    continue
                }
                var data = [UInt8](repeating: 0, count: total.partialValue)
                for (i, s) in strings.enumerated() { data.replaceSubrange((i * width)..<(i * width + s.count), with: s) }
                try data.withUnsafeBytes { try member(name + ".npy", npyHeader("|S\(width)", e.shape), $0, what: e.key) }
            } else if e.dtype.base == .bfloat16 {
                if options.bfloat16AsFloat32 {
                    try changes.withBytes(e.key) { raw in
                        var floats = [UInt32](repeating: 0, count: raw.count / 2)
                        for i in floats.indices { floats[i] = UInt32(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16 }
                        try floats.withUnsafeBytes { try member(name + ".npy", npyHeader("<f4", e.shape), $0, what: e.key) }
                    }
                } else {
                    try changes.withBytes(e.key) { try member(name + ".npy", npyHeader("<u2", e.shape), $0, what: e.key) }
                    report.bfloat16AsUInt16.append(name)
                }
            } else {
                try changes.withBytes(e.key) { data in
                    try member(name + ".npy", npyHeader(CheckpointExportFormat.npz.typeName(e.dtype)!, e.shape), data, what: e.key)
                }
            }
            PausePoint.reached("export-tensor")
        }
        // A note for readers: the source, and which uint16 arrays are bfloat16 bits.
        let note = Self.npzNote(source: prefix, sourceFormat: formatName, bfloat16AsUInt16: report.bfloat16AsUInt16)
        try Array(note.utf8).withUnsafeBytes { try member(NPZCheckpoint.noteName, [], $0, what: NPZCheckpoint.noteName) }
        try zip.finish(to: out)
    }

    private static func le(_ out: inout [UInt8], _ value: UInt64, _ width: Int) {
        for i in 0..<width { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
}

/// The values an export writes whose rules change them (merged, transposed,
/// reshaped, cast), made one at a time when written; every other key is read
/// from the checkpoint as stored.
private final class ChangedValues {
    let reader: CheckpointReader
    let planned: [String: PlannedTensor]
    /// The largest rounding error of the cast steps so far.
    private(set) var castError: CastError?

    init(reader: CheckpointReader, planned: [String: PlannedTensor]) {
        self.reader = reader
        self.planned = planned
    }

    func has(_ key: String) -> Bool { planned[key] != nil }

    /// The whole tensor written for `key`.
    func tensor(_ key: String) throws -> Tensor {
        guard let t = planned[key] else { return try reader.tensor(key) }
        let (value, err) = try t.value(from: reader)
        if let err, err > (castError?.maxError ?? -1) { castError = CastError(key: t.name, maxError: err) }
        return value
    }

    /// Lends the element bytes written for `key` (CRCs of stored payloads are
    /// checked by the export's background pass).
    func withBytes<R>(_ key: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard planned[key] != nil else { return try reader.withTensorBytes(key, checkCRC: false, body) }
        return try (tensor(key).bytes ?? []).withUnsafeBytes(body)
    }
}

extension SourceDescriptors {
    /// The descriptor of a mapped data file.
    mutating func descriptor(_ file: MappedFile) throws(MetaGraphKitError) -> Int32 { try descriptor(file.path) }
}
