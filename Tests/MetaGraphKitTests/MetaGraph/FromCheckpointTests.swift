import Foundation
import Testing
@testable import MetaGraphKit

/// `meta from-ckpt` encodes its graph straight from the checkpoint's listing and
/// streams it; the graph built as text and parsed (the path before) is the judge
/// of every byte, binary and text.
@Suite("MetaGraphFromCheckpoint: streamed encoding equals the text-built graph")
struct FromCheckpointTests {
    static let checkpoints = [
        "ckpt/tf2_keras", "ckpt/v1_dtypes", "ckpt/v1_partitioned", "ckpt/v1_sharded-?????-of-00003", "ckpt/v1_snappy",
        "ckpt/v2_dtypes", "ckpt/v2_large_index", "ckpt/v2_partitioned", "ckpt/v2_sharded", "ckpt/v2_sliced_tf2",
        "ckpt/v2_snappy", "keras/small.keras", "keras/small.weights.h5", "keras/tf1_model", "meta/train_graph",
        "migrate/v1_saver", "saved_model", "npz/compressed.npz", "state/relative", "state/v1_sharded",
    ]

    /// Both encodings by both paths, checked equal; returns the streamed binary.
    @discardableResult
    static func checkSame(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        var binary: [UInt8] = []
        for kind in [MetaGraphFromCheckpoint.VariableKind.resource, .ref] {
            for encoding in [ProtoFileEncoding.binary, .text] {
                let streamed = try MetaGraphFromCheckpoint.encoded(checkpoint: path, kind: kind, as: encoding)
                let built = try MetaGraphFromCheckpoint.encodedThroughText(checkpoint: path, kind: kind, as: encoding)
                #expect(sameBytes(streamed, built, sourceLocation: sourceLocation), "\(path) \(kind) \(encoding)")
                if kind == .resource, encoding == .binary { binary = streamed }
            }
        }
        return binary
    }

    @Test(arguments: checkpoints)
    func fixtureGraphsAreByteIdentical(_ relative: String) throws {
        let bytes = try Self.checkSame(Fixture.path(relative))
        // And it is a MetaGraphDef with a variable per key and the saver.
        let file = MetaGraphFile(path: "", kind: .metaGraph, encoding: .binary,
                                 message: try ProtoMessage(binary: bytes, as: .metaGraphDef))
        let summary = try #require(try file.summaries().first)
        #expect(summary.nodeCount > 10, "\(relative)")
    }

    /// Which plan a checkpoint gets: the compact index's for V2 checkpoints whose
    /// keys are their own op names (the object graph key left out), the listing's
    /// for partitioned tensors, V1 and keys that must be renamed.
    @Test func compactPlanIsTakenWhereItApplies() throws {
        func fromIndex(_ relative: String) throws -> Bool {
            let reader = try CheckpointReader(path: Fixture.path(relative))
            try reader.bundle?.loadIndex()
            return reader.bundle?.compact.flatMap { FromCheckpointPlan(index: $0) } != nil
        }
        #expect(try fromIndex("ckpt/v2_snappy"))
        #expect(try fromIndex("ckpt/v2_large_index"))
        #expect(try fromIndex("ckpt/tf2_keras"))
        #expect(try !fromIndex("ckpt/v2_dtypes"))   // a key in Cyrillic
        #expect(try !fromIndex("ckpt/v2_sharded"))   // a partitioned tensor
        #expect(try !fromIndex("ckpt/v2_partitioned"))
        #expect(try !fromIndex("ckpt/v1_dtypes"))
        let plan = try MetaGraphFromCheckpoint.plan(try CheckpointReader(path: Fixture.path("ckpt/tf2_keras")))
        #expect(plan.skipped.map(\.key) == [ObjectGraph.checkpointKey])
        #expect(plan.count == plan.keys && plan.renamed.isEmpty)
    }

    @Test func opNamesAsTheyAre() {
        func asItIs(_ s: String) -> Bool { Array(s.utf8).withUnsafeBytes { FromCheckpointPlan.isOpNameAsItIs($0) } }
        for good in ["a", "layer/kernel", "x/.ATTRIBUTES/VARIABLE_VALUE", ".a", "0-b_c", "saver", "saves/x", "a/save"] {
            #expect(asItIs(good), "\(good)")
            var namer = FromCheckpointPlan.Namer()
            #expect(namer.opName(for: good) == good)
        }
        for bad in ["", "_a", "a b", "a/", "save", "save/x", "-a", "x:0", "/a"] {
            #expect(!asItIs(bad), "\(bad)")
            var namer = FromCheckpointPlan.Namer()
            #expect(namer.opName(for: bad) != bad)
        }
    }

    /// Keys that must be renamed (and clash once renamed) in a V2 checkpoint, and
    /// enough keys that nodes, the saver's lists and the graph take 2-, 3- and
    /// 4-byte lengths.
    @Test func renamedKeysAndLongLengthsAreByteIdentical() throws {
        try withTemporaryDirectory { dir in
            let w = try BundleWriter(prefix: dir + "/big")
            let zero = [UInt8](repeating: 0, count: 8)
            try zero.withUnsafeBytes { z in
                for i in 0..<3000 {
                    try w.add(name: String(format: "layer_%04d/kernel", i), dtype: .float32, shape: [2], bytes: z)
                }
                for (name, dtype) in [("a b", DType.float32), ("a_b", .float64), ("save", .int64), ("save/x", .float32),
                                      ("_lead", .int32), ("tr/", .float16), ("ünï/k", .float32), ("q\"uote\\", .bool)] {
                    try w.add(name: name, dtype: dtype, shape: [], bytes: UnsafeRawBufferPointer(rebasing: z[0..<dtype.elementSize!]))
                }
            }
            try w.add(name: "x:0", shape: [2], strings: [Array("a".utf8), Array("bc".utf8)])
            try w.finish()
            let bytes = try Self.checkSame(dir + "/big")
            #expect(bytes.count > 1 << 21)
            let plan = try MetaGraphFromCheckpoint.plan(try CheckpointReader(path: dir + "/big"))
            #expect(plan.renamed.map(\.name) == ["v_lead", "a_b", "a_b_1", "q_uote_", "vsave", "vsave/x", "tr", "x_0", "v_n_/k"])
            // Without the renamed keys the plan comes from the index, with the same bytes.
            let v = try BundleWriter(prefix: dir + "/plain")
            try zero.withUnsafeBytes { z in
                for i in 0..<3000 {
                    try v.add(name: String(format: "layer_%04d/kernel", i), dtype: .float32, shape: [2, 1, 0, 200], bytes: UnsafeRawBufferPointer(rebasing: z[0..<0]))
                }
            }
            try v.finish()
            let reader = try CheckpointReader(path: dir + "/plain")
            try reader.bundle?.loadIndex()
            #expect(reader.bundle?.compact.flatMap { FromCheckpointPlan(index: $0) } != nil)
            try Self.checkSame(dir + "/plain")
        }
    }

    /// `--overwrite` replaces the output (it failed with "exists" before), and
    /// without it an existing output stays.
    @Test func overwriteReplacesAndOnlyThen() throws {
        try withTemporaryDirectory { dir in
            let out = dir + "/m.meta"
            #expect(FileManager.default.createFile(atPath: out, contents: Data("old".utf8)))
            #expect(throws: MetaGraphKitError.self) {
                try MetaGraphFromCheckpoint.write(checkpoint: Fixture.path("ckpt/v2_dtypes"), output: out)
            }
            #expect(try FileIO.read(out) == Array("old".utf8))
            let r = try MetaGraphFromCheckpoint.write(checkpoint: Fixture.path("ckpt/v2_dtypes"), output: out, overwrite: true)
            #expect(try FileIO.read(out) == MetaGraphFromCheckpoint.encoded(checkpoint: Fixture.path("ckpt/v2_dtypes"),
                                                                             kind: .resource, as: .binary))
            #expect(r.variables == r.keys && r.keys > 0)
            try MetaGraphFromCheckpoint.write(checkpoint: Fixture.path("ckpt/v2_partitioned"), output: dir + "/m.pbtxt", kind: .ref)
            #expect(try FileIO.read(dir + "/m.pbtxt") == MetaGraphFromCheckpoint.encodedThroughText(
                checkpoint: Fixture.path("ckpt/v2_partitioned"), kind: .ref, as: .text))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["m.meta", "m.pbtxt"])
        }
    }
}
