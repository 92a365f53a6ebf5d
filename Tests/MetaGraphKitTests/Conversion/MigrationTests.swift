import Foundation
import Testing
@testable import MetaGraphKit

@Suite("Migration")
struct MigrationTests {
    static let v1Fixtures = ["ckpt/v1_dtypes", "ckpt/v1_partitioned", "ckpt/v1_sharded-?????-of-00003", "ckpt/v1_snappy",
                             "migrate/v1_saver/model.ckpt-1"]

    /// Every V1 fixture → V2 → read back equal to the V1 reader's values, slices kept or merged.
    @Test(arguments: v1Fixtures, [false, true])
    func v1FixtureRoundTrips(fixture: String, merge: Bool) throws {
        try withTemporaryDirectory { dir in
            var options = Migration.Options()
            options.mergeSlices = merge
            options.shards = merge ? 1 : 2
            let source = Fixture.path(fixture)
            let summary = try Migration.migrate(source: source, destination: dir + "/out", options: options)
            let v1 = try TensorSliceReader(pattern: source)
            let v2 = try BundleReader(prefix: dir + "/out")
            #expect(summary.sourceFormat == .v1)
            #expect(summary.tensors == v1.items.count)
            #expect(v2.header.numShards == options.shards)
            let hidden = v2.sliceKeys()
            #expect(Set(v2.keys.filter { !hidden.contains(TableKey($0)) }.map { BundleReader.display($0) }) == Set(v1.items.keys))
            for name in v1.items.keys {
                let expected = try v1.tensor(name)
                let actual = try v2.tensor(Array(name.utf8))
                #expect(actual == expected, "\(fixture): \(name)")
                let entry = v2.entries[Array(name.utf8)]!
                #expect(entry.slices.isEmpty == (merge || v1.items[name]!.slices.count == 1), "\(name)")
            }
            #expect(v2.table.verify().isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.contains("tempstate") })
        }
    }

    @Test func v2SourceIsReshardedAndEqual() throws {
        try withTemporaryDirectory { dir in
            for fixture in ["ckpt/v2_dtypes", "ckpt/v2_sliced_tf2", "ckpt/v2_sharded", "ckpt/v2_snappy"] {
                var options = Migration.Options()
                options.shards = 3
                let out = dir + "/" + fixture.replacingOccurrences(of: "/", with: "_")
                let summary = try Migration.migrate(source: Fixture.path(fixture), destination: out, options: options)
                #expect(summary.sourceFormat == .v2)
                let a = try BundleReader(prefix: Fixture.path(fixture))
                let b = try BundleReader(prefix: out)
                #expect(b.header.numShards == 3)
                for key in a.keys where !a.sliceKeys().contains(TableKey(key)) {
                    let e = a.entries[key]!
                    guard e.dtype == .string || e.dtype.elementSize != nil else { continue }
                    #expect(try b.tensor(key) == a.tensor(key), "\(fixture): \(BundleReader.display(key))")
                }
            }
        }
    }

    @Test func destinationMustNotExistUnlessOverwrite() throws {
        try withTemporaryDirectory { dir in
            let source = Fixture.path("ckpt/v1_partitioned")
            try Migration.migrate(source: source, destination: dir + "/o")
            let e = #expect(throws: MetaGraphKitError.self) { try Migration.migrate(source: source, destination: dir + "/o") }
            #expect(e?.code == .exists)
            var options = Migration.Options()
            options.overwrite = true
            options.shards = 2
            try Migration.migrate(source: source, destination: dir + "/o", options: options)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
                    == ["o.data-00000-of-00002", "o.data-00001-of-00002", "o.index"])
        }
    }

    @Test func damagedSourceLeavesNothingBehind() throws {
        try withTemporaryDirectory { dir in
            var bytes = try Fixture.bytes("ckpt/v1_dtypes")
            bytes[bytes.count / 3] ^= 0x40
            try FileIO.writeAtomically(bytes, to: dir + "/bad")
            #expect(throws: MetaGraphKitError.self) { try Migration.migrate(source: dir + "/bad", destination: dir + "/o") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["bad"])
            #expect(TemporaryFiles.registered.filter { $0.hasPrefix(dir) }.isEmpty)
        }
    }

    // MARK: - Directories and .meta

    /// The SaveV2 OpDef embedded in code is byte for byte what TF 2.21 puts in a V2
    /// saver's stripped_op_list.
    @Test func saveV2OpDefMatchesTensorFlow() {
        let tf = "0a06536176655632120a0a06707265666978180712100a0c74656e736f725f6e616d6573180712140a1073686170655f616e645f736c69636573180712110a0774656e736f7273320664747970657322180a06647479706573120a6c69737428747970652928013001880101"
        let bytes = stride(from: 0, to: tf.count, by: 2).map { i -> UInt8 in
            let s = tf.index(tf.startIndex, offsetBy: i)
            return UInt8(tf[s...tf.index(after: s)], radix: 16)!
        }
        #expect(SaverGraphRewrite.saveV2OpDef == bytes)
    }

    /// A text `.meta` (export_meta_graph(as_text=True)) is rewritten too, and stays text.
    @Test func directoryMigrationRewritesATextMetaGraph() throws {
        try withTemporaryDirectory { dir in
            let src = dir + "/src"
            try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
            for name in ["checkpoint", "model.ckpt-1"] {
                try FileIO.writeAtomically(try FileIO.read(Fixture.path("migrate/v1_saver/" + name)), to: src + "/" + name)
            }
            let binary = try MetaGraphFile.read(Fixture.path("migrate/v1_saver/model.ckpt-1.meta"))
            try binary.write(to: src + "/model.ckpt-1.meta", as: .text)

            let summary = try Migration.migrateDirectory(source: src, destination: dir + "/dst")
            #expect(summary.metaGraphs.map(\.outcome) == [.rewritten])
            let migrated = try MetaGraphFile.read(dir + "/dst/model.ckpt-1.meta")
            #expect(migrated.encoding == .text)
            #expect(try migrated.summaries().first?.saver?.version == .v2)
            #expect(try SaverGraphRewrite.rewriteToV2(migrated.message, file: "x") == .alreadyV2)
        }
    }

    @Test func directoryMigrationRewritesTheSaver() throws {
        try withTemporaryDirectory { dir in
            let dst = dir + "/dst"
            let summary = try Migration.migrateDirectory(source: Fixture.path("migrate/v1_saver"), destination: dst)
            #expect(summary.checkpoints.count == 1)
            #expect(summary.metaGraphs.map(\.outcome) == [.rewritten])
            #expect(try FileManager.default.contentsOfDirectory(atPath: dst).sorted()
                    == ["checkpoint", "model.ckpt-1.data-00000-of-00001", "model.ckpt-1.index", "model.ckpt-1.meta"])
            #expect(try CheckpointDirectory(dst).latestCheckpoint() == dst + "/model.ckpt-1")
            #expect(String(decoding: try FileIO.read(dst + "/checkpoint"), as: UTF8.self).contains("model_checkpoint_path: \"model.ckpt-1\""))
            let meta = try FileIO.read(dst + "/model.ckpt-1.meta")
            let old = try FileIO.read(Fixture.path("migrate/v1_saver/model.ckpt-1.meta"))
            func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
                guard hay.count >= needle.count else { return false }
                return (0...(hay.count - needle.count)).contains { hay[$0..<($0 + needle.count)].elementsEqual(needle) }
            }
            #expect(contains(meta, SaverGraphRewrite.saveV2OpDef))
            #expect(!contains(meta, Array("SaveSlices".utf8)))
            #expect(contains(old, Array("SaveSlices".utf8)))
            // The rewritten graph parses and its saver says V2 (field 7 = 2).
            let message = try ProtoMessage(binary: meta, as: .metaGraphDef)
            #expect(try SaverGraphRewrite.rewriteToV2(message, file: "x") == .alreadyV2)
            // Migrating again into the same directory needs overwrite.
            #expect(throws: MetaGraphKitError.self) {
                _ = try Migration.migrateDirectory(source: Fixture.path("migrate/v1_saver"), destination: dst)
            }
        }
    }

    @Test func shardedV1SaverIsRewrittenAndMovedDirectoriesAreRefused() throws {
        try withTemporaryDirectory { dir in
            let s = try Migration.migrateDirectory(source: Fixture.path("state/v1_sharded"), destination: dir + "/a")
            #expect(s.metaGraphs.map(\.outcome) == [.rewritten, .rewritten])
            let meta = try MetaGraphFile.read(dir + "/a/model.ckpt-3.meta")
            let saver = try #require(try meta.summaries().first?.saver)
            #expect(saver.version == .v2 && saver.sharded)
            let ops = try GraphSnapshot(meta.message).nodes.filter { $0.name.hasPrefix("save/") }.map(\.op)
            #expect(ops.contains("MergeV2Checkpoints") && ops.contains("SaveV2") && ops.contains("StringJoin"))
            #expect(!ops.contains("SaveSlices") && !ops.contains("ShardedFilespec"))
            #expect(try SaverGraphRewrite.rewriteToV2(meta.message, file: "x") == .alreadyV2)
            #expect(try CheckpointDirectory(dir + "/a").latestCheckpoint() == dir + "/a/model.ckpt-3")
            // A moved directory is refused as `state latest` and `ckpt list` refuse it,
            // with the same rebase hint, and nothing is written.
            let error = #expect(throws: MetaGraphKitError.self) {
                try Migration.migrateDirectory(source: Fixture.path("state/absolute"), destination: dir + "/b")
            }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("tfmeta state rebase") == true)
            #expect(error?.message.contains("/tmp/metagraphkit-fixture-gen/state/absolute/model.ckpt-1") == true)
            #expect(!FileIO.exists(dir + "/b"))
        }
    }

    @Test func failedDirectoryMigrationRemovesWhatItWrote() throws {
        try withTemporaryDirectory { dir in
            let src = dir + "/src"
            try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
            for f in ["checkpoint", "model.ckpt-1.meta"] {
                try FileIO.writeAtomically(try Fixture.bytes("migrate/v1_saver/" + f), to: src + "/" + f)
            }
            var bad = try Fixture.bytes("migrate/v1_saver/model.ckpt-1")
            bad[10] ^= 0xff
            try FileIO.writeAtomically(bad, to: src + "/model.ckpt-1")
            #expect(throws: MetaGraphKitError.self) { _ = try Migration.migrateDirectory(source: src, destination: dir + "/dst") }
            #expect(!FileIO.exists(dir + "/dst"))
        }
    }
}
