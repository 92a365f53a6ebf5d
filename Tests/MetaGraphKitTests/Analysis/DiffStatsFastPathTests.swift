import Foundation
import Testing
@testable import MetaGraphKit

/// `ckpt diff` and `ckpt stats` from the V2 compact index (CheckpointDiff+Index.swift,
/// CheckpointStats+Index.swift) against the general path through the listing: the
/// same reports, text and JSON, byte for byte, and the streamed writers equal to
/// the values they stream.
@Suite("Diff and stats: from the index")
struct DiffStatsFastPathTests {
    static let fixtures = ["ckpt/v2_dtypes", "ckpt/v2_large_index", "ckpt/v2_sharded", "ckpt/v2_partitioned",
                           "ckpt/v2_sliced_tf2", "ckpt/v2_snappy", "ckpt/tf2_keras", "meta/train_graph", "keras/tf1_model",
                           "ckpt/v1_dtypes", "npz/compressed.npz"]

    func streamed(_ body: ((UnsafeRawBufferPointer) -> Void) -> Void) -> String {
        var out: [UInt8] = []
        body { out += $0 }
        return String(decoding: out, as: UTF8.self)
    }

    func checkStats(_ path: String, expectFast: Bool? = nil) throws {
        let reader = try CheckpointReader(path: path)
        let fast = try CheckpointStats.compute(reader, fastPath: true)
        let slow = try CheckpointStats.compute(CheckpointReader(path: path), fastPath: false)
        if let expectFast {
            if case .compact = fast.storage { #expect(expectFast, "\(path)") } else { #expect(!expectFast, "\(path)") }
        }
        #expect(fast.count == slow.count)
        #expect(fast.text() == slow.text(), "\(path)")
        #expect(fast.text(quiet: true) == slow.text(quiet: true))
        #expect(fast.jsonValue.serialized(pretty: true) == slow.jsonValue.serialized(pretty: true), "\(path)")
        #expect(fast.messages == slow.messages)
        for s in [fast, slow] {
            #expect(streamed { s.writeJSON($0) } == s.jsonValue.serialized(pretty: true))
            #expect(streamed { s.writeText(quiet: false, $0) } == s.text())
        }
    }

    func checkDiff(_ a: String, _ b: String, _ options: CheckpointDiff.Options = .init(), expectFast: Bool? = nil) throws {
        let fast = try CheckpointDiff.compare(CheckpointReader(path: a), CheckpointReader(path: b), options: options, fastPath: true)
        let slow = try CheckpointDiff.compare(CheckpointReader(path: a), CheckpointReader(path: b), options: options, fastPath: false)
        if let expectFast {
            if case .compact = fast.storage { #expect(expectFast, "\(a) \(b)") } else { #expect(!expectFast, "\(a) \(b)") }
        }
        #expect(fast.equal == slow.equal)
        #expect(fast.counts.map { "\($0.0)=\($0.1)" } == slow.counts.map { "\($0.0)=\($0.1)" })
        #expect(fast.text() == slow.text(), "\(a) vs \(b)")
        #expect(fast.text(verbose: true) == slow.text(verbose: true), "\(a) vs \(b)")
        #expect(fast.jsonValue.serialized(pretty: true) == slow.jsonValue.serialized(pretty: true), "\(a) vs \(b)")
        #expect(fast.readFailures.map(\.key) == slow.readFailures.map(\.key))
        #expect(fast.readFailures.compactMap(\.message) == slow.readFailures.compactMap(\.message))
        for d in [fast, slow] {
            #expect(streamed { d.writeJSON($0) } == d.jsonValue.serialized(pretty: true))
            #expect(streamed { d.writeText(verbose: true, $0) } == d.text(verbose: true))
        }
    }

    @Test(arguments: fixtures)
    func statsAreTheSame(fixture: String) throws {
        try checkStats(Fixture.path(fixture))
    }

    /// The report's statistics (with histograms) from the index are the general
    /// path's, tensor by tensor, and so are the counts its flags are taken from.
    @Test(arguments: fixtures)
    func histogramsAreTheSame(fixture: String) throws {
        let path = Fixture.path(fixture)
        let fast = try CheckpointStats.compute(CheckpointReader(path: path), histogramBins: 7, fastPath: true)
        let slow = try CheckpointStats.compute(CheckpointReader(path: path), histogramBins: 7, fastPath: false)
        try #require(fast.count == slow.count)
        for i in 0..<fast.count {
            let (f, s) = (fast.tensor(i), slow.tensor(i))
            #expect(f.key == s.key, "\(path) \(i)")
            #expect(f.dtype == s.dtype && f.shape == s.shape && f.role == s.role, "\(path) \(f.key)")
            #expect(f.histogram == s.histogram, "\(path) \(f.key)")
            let fastMoments: [Double?] = [f.min, f.max, f.mean, f.std], slowMoments: [Double?] = [s.min, s.max, s.mean, s.std]
            #expect(fastMoments == slowMoments, "\(path) \(f.key)")
            #expect(f.message == s.message)
            let (fc, sc) = (fast.counts(i), slow.counts(i))
            let fastCounts: [Int] = [fc.elements, fc.bytes, fc.nan, fc.positiveInfinity, fc.negativeInfinity, fc.zeros]
            let slowCounts: [Int] = [sc.elements, sc.bytes, sc.nan, sc.positiveInfinity, sc.negativeInfinity, sc.zeros]
            #expect(fastCounts == slowCounts, "\(path) \(f.key)")
            #expect((fc.message == nil) == (sc.message == nil))
        }
        #expect(slow.tensors.contains { !$0.histogram.isEmpty }, "some tensor of \(fixture) has bins")
    }

    @Test(arguments: fixtures)
    func diffWithItselfAndNeighbours(fixture: String) throws {
        let path = Fixture.path(fixture)
        try checkDiff(path, path)
        for other in Self.fixtures where other != fixture {
            try checkDiff(path, Fixture.path(other))
        }
        var loose = CheckpointDiff.Options()
        loose.rtol = 0.5
        loose.atol = 0.1
        try checkDiff(path, Fixture.path("ckpt/v2_dtypes"), loose)
    }

    // v2_sharded, v2_partitioned and train_graph have partitioned tensors (hidden slice keys),
    // v2_dtypes a non-ASCII key: those take the general path.
    @Test(arguments: [("ckpt/v2_large_index", true), ("ckpt/v2_snappy", true), ("ckpt/tf2_keras", true),
                      ("ckpt/v2_sharded", false), ("ckpt/v2_partitioned", false), ("meta/train_graph", false),
                      ("ckpt/v2_dtypes", false), ("ckpt/v1_dtypes", false), ("npz/compressed.npz", false)])
    func appliesWhereItShould(fixture: String, applies: Bool) throws {
        let path = Fixture.path(fixture)
        try checkStats(path, expectFast: applies)
        try checkDiff(path, path, expectFast: applies)
        // Rules that only name keep the fast path; a value step leaves it.
        var renamed = CheckpointDiff.Options()
        renamed.rules = try KeyRules(rules: ["^(.)=>x$1"])
        try checkDiff(path, path, renamed, expectFast: applies)
        renamed.rules = try KeyRules(rules: ["^(.)=>$1"], drops: ["_1$", "nomatch"])
        try checkDiff(path, path, renamed, expectFast: applies)
        var cast = CheckpointDiff.Options()
        cast.ruleSet = try RuleSet.parse(Array(#"{"steps": [{"cast": {"from": "float32", "to": "float64"}}]}"#.utf8), origin: "r.json")
        try checkDiff(path, path, cast, expectFast: false)
    }

    /// Name-only rules over B, fast against general: renames that reorder B's
    /// keys, a map, drops, a clash (the same error) and strict.
    @Test(arguments: ["ckpt/v2_large_index", "ckpt/tf2_keras", "ckpt/v2_snappy"])
    func namingRules(fixture: String) throws {
        let path = Fixture.path(fixture)
        let sets = [
            #"{"steps": [{"rename": {"pattern": "^(.)(.*)$", "replacement": "$2/$1"}}]}"#,
            #"{"steps": [{"rename": {"pattern": "^(.)(.*)$", "replacement": "z$2/$1"}}, {"rename": {"pattern": "^z(.*)/(.)$", "replacement": "$2$1"}}]}"#,
            #"{"steps": [{"drop": ["a", "nomatch"]}, {"rename": {"pattern": "^", "replacement": ""}}]}"#,
            #"{"steps": [{"rename": {"pattern": ".*", "replacement": "same"}}]}"#,
        ]
        for json in sets {
            for strict in [false, true] {
                var o = CheckpointDiff.Options()
                o.ruleSet = try RuleSet.parse(Array(json.utf8), origin: "r.json")
                o.strict = strict
                func run(_ fast: Bool) -> Result<CheckpointDiff, MetaGraphKitError> {
                    do { return .success(try CheckpointDiff.compare(CheckpointReader(path: path), CheckpointReader(path: path), options: o, fastPath: fast)) }
                    catch let e as MetaGraphKitError { return .failure(e) } catch { return .failure(MetaGraphKitError(.io, "\(error)")) }
                }
                switch (run(true), run(false)) {
                case let (.success(f), .success(g)):
                    #expect(f.text(verbose: true) == g.text(verbose: true), "\(json)")
                    #expect(f.jsonValue.serialized(pretty: true) == g.jsonValue.serialized(pretty: true), "\(json)")
                    #expect(f.unmatchedRules == g.unmatchedRules)
                    #expect(streamed { f.writeJSON($0) } == f.jsonValue.serialized(pretty: true))
                case let (.failure(f), .failure(g)):
                    #expect(f.code == g.code)
                    #expect(f.message == g.message)
                case let (f, g):
                    Issue.record("\(json): fast \(f), slow \(g)")
                }
            }
        }
    }

    /// Copies of v2_large_index with values changed and with a damaged payload.
    @Test func changedAndDamagedValues() throws {
        try withTemporaryDirectory { dir in
            let source = Fixture.path("ckpt/v2_large_index")
            let reader = try CheckpointReader(path: source)
            let entries = reader.entries
            // Rewrite with a few tensors changed: one slightly (close), one a lot, one with a NaN.
            let writer = try BundleWriter(prefix: dir + "/changed")
            for (n, e) in entries.enumerated() {
                var t = try reader.tensor(e.key)
                if case .bytes(var b) = t.storage, e.dtype == .float32, b.count >= 4 {
                    if n == 1 { b[0] ^= 1 }
                    if n == 3 { b[b.count - 1] ^= 0x40 }
                    if n == 5 { b.replaceSubrange(0..<4, with: [0, 0, 0xc0, 0x7f]) }
                    t = Tensor(dtype: t.dtype, shape: t.shape, storage: .bytes(b))
                }
                try writer.add(t, name: e.key)
            }
            _ = try writer.finish()
            try checkDiff(source, dir + "/changed", expectFast: true)
            try checkDiff(dir + "/changed", source, expectFast: true)
            try checkStats(dir + "/changed", expectFast: true)
            // One flipped bit in the data: a CRC mismatch for one tensor, reported the same way.
            let data = "/bad.data-00000-of-00001"
            try FileIO.writeAtomically(try FileIO.read(source + ".index"), to: dir + "/bad.index")
            var bytes = try FileIO.read(source + ".data-00000-of-00001")
            bytes[bytes.count / 2] ^= 1
            try FileIO.writeAtomically(bytes, to: dir + data)
            try checkDiff(source, dir + "/bad", expectFast: true)
            try checkDiff(dir + "/bad", dir + "/changed", expectFast: true)
            try checkStats(dir + "/bad", expectFast: true)
            let stats = try CheckpointStats.compute(dir + "/bad")
            #expect(stats.messages.count == 1)
            let diff = try CheckpointDiff.compare(source, dir + "/bad")
            #expect(diff.readFailures.count == 1)
            #expect(!diff.equal)
        }
    }

    /// The byte classifier against the String one.
    @Test func rolesFromKeyBytes() throws {
        var keys = ["a", "/", "//x//", "global_step", "model/global_step", "x/.ATTRIBUTES/VARIABLE_VALUE",
                    "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE", "w/Adam", "w/Adam_1", "w/Adam_", "w/Adam_1x", "Adam",
                    "a/b/Adam/part_0", "a/Adam/part_0", "a/b/Momentum/part_3/x", "ExponentialMovingAverage",
                    "a/ExponentialMovingAverage/.ATTRIBUTES/x", "a/.OPTIMIZER_SLOT/b", "optimizer", "optimizerX/a",
                    "_CHECKPOINTABLE_OBJECT_GRAPH", "layer/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
                    "a/adam_m", "a/adam_v_12", "a/step", "a/_step", "a\r\nb/Adam", "a/b/LAMB/part_", ""]
        for f in Self.fixtures { keys += try CheckpointReader(path: Fixture.path(f)).entries.map(\.key) }
        for key in keys where key.utf8.allSatisfy({ $0 < 0x80 }) {
            for dtype in [DType.float32, .int64, .string, .bfloat16] {
                let bytes = Array(key.utf8)
                let role = bytes.withUnsafeBytes { TensorRole.classify(asciiKey: $0, dtype: dtype) }
                #expect(role == TensorRole.classify(key, dtype: dtype), "\(key) \(dtype)")
            }
        }
    }
}
