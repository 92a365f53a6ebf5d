import Foundation
import Testing
@testable import MetaGraphKit

/// Issue 17 (reader side): the decoded V2 index in flat storage, and verify and
/// export working from it without per-key objects.
@Suite("Compact V2 index")
struct CompactBundleIndexTests {
    static let fixtures = ["ckpt/v2_dtypes", "ckpt/v2_large_index", "ckpt/v2_partitioned", "ckpt/v2_sharded",
                           "ckpt/v2_sliced_tf2", "ckpt/v2_snappy", "ckpt/tf2_keras"]

    static func same(_ a: BundleEntry, _ b: BundleEntry) -> Bool {
        a.dtype == b.dtype && a.shape == b.shape && a.shardID == b.shardID && a.offset == b.offset && a.size == b.size
            && a.crc32c == b.crc32c && a.slices == b.slices
    }

    /// Every entry decoded one by one from the table equals the compact index's
    /// record, and every key is found at its own position by binary search.
    @Test(arguments: fixtures) func recordsMatchEntryByEntryDecoding(_ fixture: String) throws {
        let path = Fixture.path(fixture)
        let reader = try BundleReader(prefix: path)
        let index = try #require(reader.compact)
        var decoded: [([UInt8], BundleEntry)] = []
        try reader.table.forEach { key, value in
            if !key.isEmpty { decoded.append((key, try BundleEntry(value, file: path, keyBytes: key))) }
        }
        #expect(index.count == decoded.count)
        for (i, (key, entry)) in decoded.enumerated() {
            #expect(index.key(i) == key)
            #expect(Self.same(index.entry(i), entry), "\(fixture): \(BundleReader.display(key))")
            #expect(index.find(key) == i)
            #expect(reader.entries[key].map { Self.same($0, entry) } == true)
        }
        #expect(index.find(Array("zzz/not/a/key".utf8)) == nil)
        #expect(index.find([]) == nil)
        #expect(reader.keys == decoded.map(\.0))
    }

    /// 3,000 tensors: the compact index grows with the keys (no per-key object),
    /// about 32 bytes of record plus the key bytes and dims per entry.
    @Test func footprintIsLinear() throws {
        try withTemporaryDirectory { dir in
            var entries: [(String, [UInt8])] = []
            var data: [UInt8] = []
            for i in 0..<3000 {
                let payload = TestTable.floats([Float(i), 1, 2, 3])
                entries.append((String(format: "model/layer_%04d/kernel", i),
                                TestTable.entry(dtype: 1, shape: [4], offset: data.count, size: 16, crc: TestTable.crc(payload))))
                data += payload
            }
            let prefix = try TestTable.writeBundle(dir, "many", entries: entries, data: data)
            let reader = try BundleReader(prefix: prefix)
            let index = try #require(reader.compact)
            #expect(index.count == 3000)
            let keyBytes = entries.reduce(0) { $0 + $1.0.utf8.count }
            #expect(index.keyBytes.count == keyBytes)
            #expect(index.dims.count == 3000)
            #expect(index.records.count == 3000 && MemoryLayout<CompactBundleIndex.Record>.stride == 32)
            #expect(try CheckpointReader(path: prefix).verify().isEmpty)
        }
    }

    /// A table whose keys are out of order (damaged) still finds every key, the
    /// last of equal keys winning as a table keyed by bytes had it; verify reports
    /// the order.
    @Test func unsortedAndRepeatedKeysAreFound() throws {
        try withTemporaryDirectory { dir in
            let a = TestTable.floats([1]), b = TestTable.floats([2]), c = TestTable.floats([3])
            let data = a + b + c
            let rows: [(key: [UInt8], value: [UInt8])] = [
                ([], TestTable.header),
                (Array("b".utf8), TestTable.entry(dtype: 1, shape: [1], offset: 4, size: 4, crc: TestTable.crc(b))),
                (Array("a".utf8), TestTable.entry(dtype: 1, shape: [1], offset: 0, size: 4, crc: TestTable.crc(a))),
                (Array("b".utf8), TestTable.entry(dtype: 1, shape: [1], offset: 8, size: 4, crc: TestTable.crc(c))),
                (Array("c".utf8), TestTable.entry(dtype: 1, shape: [1], offset: 8, size: 4, crc: TestTable.crc(c))),
            ]
            let prefix = dir + "/unsorted"
            try Data(TestTable.table(rows)).write(to: URL(fileURLWithPath: prefix + ".index"))
            try Data(data).write(to: URL(fileURLWithPath: prefix + ".data-00000-of-00001"))
            let reader = try BundleReader(prefix: prefix)
            let index = try #require(reader.compact)
            #expect(index.find(Array("a".utf8)) == 1)
            #expect(index.find(Array("b".utf8)) == 2)
            #expect(index.find(Array("c".utf8)) == 3)
            #expect(index.find(Array("d".utf8)) == nil)
            #expect(reader.entries[Array("b".utf8)]?.offset == 8)
            let problems = try CheckpointReader(path: prefix).verify()
            #expect(problems.contains { $0.message.contains("keys out of order") })
        }
    }

    /// Many small payloads checked in chunks: the damaged ones are reported with
    /// their keys and in index order, the same whatever the number of threads, and
    /// with the messages of the one-payload check.
    @Test func verifyReportsDamagedSmallPayloadsInOrder() throws {
        try withTemporaryDirectory { dir in
            var entries: [(String, [UInt8])] = []
            var data: [UInt8] = []
            for i in 0..<5000 {
                let payload = TestTable.floats([Float(i), Float(i) + 0.5])
                // Entry 1234 claims 12 bytes for a shape of 2 floats; 4321 has a wrong CRC;
                // 4999 runs past the end of the data file.
                let size = i == 1234 ? 12 : 8
                let crc = i == 4321 ? TestTable.crc(payload) ^ 1 : TestTable.crc(payload)
                let offset = i == 4999 ? 1 << 20 : data.count
                entries.append((String(format: "v/%05d", i), TestTable.entry(dtype: 1, shape: [2], offset: offset, size: size, crc: crc)))
                data += payload
            }
            let prefix = try TestTable.writeBundle(dir, "small", entries: entries, data: data)
            let reader = try CheckpointReader(path: prefix)
            let one = reader.verify(jobs: 1).map(\.message)
            let two = reader.verify(jobs: 2).map(\.message)
            #expect(one == two)
            #expect(one.count == 3)
            #expect(one.count == 3 && one[0].contains("v/01234") && one[0].contains("has 12 bytes"))
            #expect(one.count == 3 && one[1].contains("v/04321"))
            #expect(one.count == 3 && one[2].contains("v/04999"))
            // The same messages as reading each tensor alone.
            for (n, key) in ["v/01234", "v/04321", "v/04999"].enumerated() where n < one.count {
                do {
                    _ = try reader.tensor(key)
                    Issue.record("\(key) read without error")
                } catch let e as MetaGraphKitError {
                    #expect(e.message == one[n])
                }
            }
            #expect(reader.verificationReport(jobs: 2).tensors == 5000)
        }
    }

    /// The safetensors export from the compact index writes the bytes the general
    /// path writes, on every V2 fixture, including keys skipped and payloads
    /// coalesced into one write.
    @Test(arguments: fixtures) func safetensorsFromTheIndexMatchesTheGeneralPath(_ fixture: String) throws {
        try withTemporaryDirectory { dir in
            let reader = try CheckpointReader(path: Fixture.path(fixture))
            let fast = try reader.export(to: dir + "/fast.safetensors")
            var options = CheckpointExportOptions()
            options.fromIndex = false
            let general = try reader.export(to: dir + "/general.safetensors", options: options)
            #expect(fast.written == general.written)
            #expect(fast.skipped.map(\.key) == general.skipped.map(\.key))
            #expect(fast.skipped.map(\.reason) == general.skipped.map(\.reason))
            let a = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/fast.safetensors")))
            let b = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/general.safetensors")))
            #expect(sameBytes(a, b))
        }
    }

    /// Name-only steps (rename, map, drop, keep, slots) are planned on the
    /// index: file, report and errors are the general path's for every V2 fixture
    /// and rule set, and the streamed JSON is the report's JSON.
    @Test(arguments: fixtures) func safetensorsWithRulesFromTheIndexMatchesTheGeneralPath(_ fixture: String) throws {
        let map = ["dense/kernel": "d/k", "scope/bias": "s/b", "absent": "x"]
        var mapped = try KeyRules(rules: ["(.*)/(.*)=>$2/$1"])
        mapped.map = map
        let cases: [(KeyRules, RuleSet, Bool)] = try [
            (KeyRules(rules: ["^=>x/"]), RuleSet(), false),
            (KeyRules(rules: [], drops: [".*bias"]), RuleSet(), false),
            (mapped, RuleSet(), false),
            (KeyRules(rules: ["nothing=>x"]), RuleSet(), true),
            (KeyRules(rules: [".*=>same"]), RuleSet(), false),
            (KeyRules(rules: [".*=>"]), RuleSet(), false),
            (KeyRules(), RulePresets.ruleSet("drop-optimizer"), false),
            (KeyRules(rules: ["^=>\u{e9}/"]), RuleSet(), false),
            (KeyRules(), RulePresets.ruleSet("tf1-rnn-1.2"), true),
        ]
        try withTemporaryDirectory { dir in
            let reader = try CheckpointReader(path: Fixture.path(fixture))
            for (n, (rules, ruleSet, strict)) in cases.enumerated() {
                func run(_ fromIndex: Bool) -> (Result<CheckpointExportReport, MetaGraphKitError>, [UInt8]?) {
                    var options = CheckpointExportOptions()
                    (options.rules, options.ruleSet, options.strict, options.fromIndex) = (rules, ruleSet, strict, fromIndex)
                    let out = dir + "/\(fromIndex)-\(n).safetensors"
                    do {
                        let report = try reader.export(to: out, options: options)
                        return (.success(report), try? [UInt8](Data(contentsOf: URL(fileURLWithPath: out))))
                    } catch let e as MetaGraphKitError { return (.failure(e), nil) } catch { return (.failure(MetaGraphKitError(.io, "\(error)")), nil) }
                }
                let (fast, fastBytes) = run(true), (general, generalBytes) = run(false)
                switch (fast, general) {
                case let (.success(f), .success(g)):
                    #expect(sameBytes(fastBytes ?? [], generalBytes ?? [1]), "\(fixture) case \(n)")
                    var streamed: [UInt8] = []
                    f.writeJSON { streamed += $0 }
                    var sameOutput = g
                    sameOutput.output = f.output
                    #expect(String(decoding: streamed, as: UTF8.self) == sameOutput.jsonValue.serialized(pretty: true),
                            "\(fixture) case \(n)")
                case let (.failure(f), .failure(g)):
                    #expect(f.message == g.message, "\(fixture) case \(n)")
                default:
                    Issue.record("\(fixture) case \(n): \(fast) against \(general)")
                }
            }
        }
    }

    /// A damaged small payload fails the export from the index with the general
    /// path's error, and leaves no output.
    @Test func safetensorsFromTheIndexFailsOnADamagedPayload() throws {
        try withTemporaryDirectory { dir in
            var entries: [(String, [UInt8])] = []
            var data: [UInt8] = []
            for i in 0..<300 {
                let payload = TestTable.floats([Float(i)])
                let crc = i == 150 ? TestTable.crc(payload) ^ 1 : TestTable.crc(payload)
                entries.append((String(format: "k%03d", i), TestTable.entry(dtype: 1, shape: [1], offset: data.count, size: 4, crc: crc)))
                data += payload
            }
            let prefix = try TestTable.writeBundle(dir, "bad", entries: entries, data: data)
            let reader = try CheckpointReader(path: prefix)
            func failure(_ options: CheckpointExportOptions, _ out: String) -> String? {
                do {
                    _ = try reader.export(to: out, options: options)
                    return nil
                } catch let e as MetaGraphKitError { return e.message } catch { return "\(error)" }
            }
            var general = CheckpointExportOptions()
            general.fromIndex = false
            let fast = failure(CheckpointExportOptions(), dir + "/fast.safetensors")
            #expect(fast != nil && fast!.contains("k150"))
            #expect(fast == failure(general, dir + "/general.safetensors"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/fast.safetensors"))
        }
    }
}
