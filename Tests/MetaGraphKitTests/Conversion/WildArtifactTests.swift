import Foundation
import Testing
internal import CTFProtos
@testable import MetaGraphKit

/// The real TensorFlow files of `../shared/wild/` (issue 18) that showed each fix.
/// They are others' files and stay outside the repository; CI has `../shared`
/// beside the clone. A missing folder fails these tests, it never skips them.
enum Wild {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/wild")

    static func path(_ relative: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let p = root.appendingPathComponent(relative).path
        try #require(FileManager.default.fileExists(atPath: p),
                     "\(p) is missing: the wild artifacts live in ../shared/wild beside the repository (issue 18)",
                     sourceLocation: sourceLocation)
        return p
    }
}

@Suite("Files from the wild")
struct WildArtifactTests {
    /// The ops under `save/` of a `.meta`.
    func saverOps(_ path: String) throws -> [String] {
        try GraphSnapshot(MetaGraphFile.read(path).message).nodes.filter { $0.name.hasPrefix("save/") }.map(\.op)
    }

    /// TF 0.11 `tf.contrib.learn`: a sharded LEGACY saver restoring with RestoreSlice
    /// becomes TF's sharded V2 saver (SaveV2, MergeV2Checkpoints, RestoreV2).
    @Test func shardedRestoreSliceSaverIsRewritten() throws {
        let src = try Wild.path("quant_contrib_learn_v1/model")
        try withTemporaryDirectory { dir in
            let s = try Migration.migrateDirectory(source: src, destination: dir + "/dst")
            #expect(s.metaGraphs.count == 4)
            #expect(s.metaGraphs.allSatisfy { $0.outcome == .rewritten })
            #expect(s.metaGraphs.allSatisfy { $0.note.contains("MergeV2Checkpoints") && $0.note.contains("RestoreV2") })
            let meta = dir + "/dst/model.ckpt-4.meta"
            let ops = try saverOps(meta)
            for gone in ["SaveSlices", "RestoreSlice", "ShardedFilespec"] { #expect(!ops.contains(gone)) }
            #expect(ops.filter { $0 == "RestoreV2" }.count == 1)  // one per device; all 24 tensors on one
            for op in ["SaveV2", "MergeV2Checkpoints", "StringJoin", "ShardedFilename", "Pack", "StaticRegexFullMatch"] {
                #expect(ops.contains(op), "\(op)")
            }
            let file = try MetaGraphFile.read(meta)
            let saver = try #require(try file.summaries().first?.saver)
            #expect(saver.version == .v2 && saver.sharded && saver.saveTensorName == "save/Identity:0")
            let snapshot = try GraphSnapshot(file.message)
            for op in ["SaveV2", "RestoreV2", "MergeV2Checkpoints", "StringJoin", "Pack"] {
                #expect(snapshot.strippedOps[op] != nil, "\(op) in stripped_op_list")
            }
            #expect(snapshot.strippedOps["RestoreSlice"] == nil && snapshot.strippedOps["SaveSlices"] == nil)
            // Every Assign now reads an output of the RestoreV2.
            let assigns = snapshot.nodes.filter { $0.name.hasPrefix("save/Assign") }
            #expect(assigns.count == 24)
            #expect(assigns.allSatisfy { $0.inputs[1].hasPrefix("save/RestoreV2") })
        }
    }

    /// TF 0.12 SessionBundle: a sharded V1 saver that already restores with
    /// RestoreV2 gets the V2 save path; its RestoreV2 nodes stay.
    @Test func shardedRestoreV2SessionBundleSaverIsRewritten() throws {
        let export = try Wild.path("serving_session_bundle_v1/half_plus_two/00000123")
        try withTemporaryDirectory { dir in
            let src = dir + "/src"
            try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
            for f in ["export-00000-of-00001", "export.meta"] {
                try FileManager.default.createSymbolicLink(atPath: src + "/" + f, withDestinationPath: export + "/" + f)
            }
            try FileIO.writeAtomically(Array("model_checkpoint_path: \"export-?????-of-00001\"\n".utf8), to: src + "/checkpoint")
            let s = try Migration.migrateDirectory(source: src, destination: dir + "/dst")
            #expect(s.metaGraphs.map(\.outcome) == [.rewritten])
            let ops = try saverOps(dir + "/dst/export.meta")
            #expect(ops.filter { $0 == "RestoreV2" }.count == 2)
            #expect(ops.contains("MergeV2Checkpoints") && !ops.contains("SaveSlices") && !ops.contains("ShardedFilespec"))
        }
    }

    /// A single checkpoint (a SessionBundle export has no state file) brings its
    /// `.meta` along, rewritten; the pair is refused as a whole when DST.meta exists.
    @Test func aSingleCheckpointBringsItsMetaGraph() throws {
        let source = try Wild.path("serving_session_bundle_v1/half_plus_two/00000123/export-00000-of-00001")
        try withTemporaryDirectory { dir in
            let s = try Migration.migrate(source: source, destination: dir + "/export")
            let meta = try #require(s.metaGraph)
            #expect(meta.outcome == .rewritten && meta.destination == dir + "/export.meta")
            #expect(try saverOps(dir + "/export.meta").contains("MergeV2Checkpoints"))
            #expect(s.textWithMetaGraph.hasSuffix("\(dir)/export.meta: \(meta.note)"))
            try FileManager.default.removeItem(atPath: dir + "/export.index")
            let error = #expect(throws: MetaGraphKitError.self) {
                try Migration.migrate(source: source, destination: dir + "/export")
            }
            #expect(error?.code == .exists && error?.message.contains("export.meta") == true)
            #expect(!FileIO.exists(dir + "/export.index"))
        }
    }

    /// A saver the rewrite cannot map (here a RestoreSlice with a control input,
    /// which one merged RestoreV2 could turn into a cycle) is refused with the
    /// reason, and the graph is left exactly as it was.
    @Test func aSaverThatCannotBeRewrittenIsLeftAsItWas() throws {
        let path = try Wild.path("nxt_tensorflow_v1/model.ckpt.meta")
        var text = try MetaGraphFile.read(path).message.textFormat()
        let marker = "  op: \"RestoreSlice\"\n"
        let at = try #require(text.range(of: marker))
        text.replaceSubrange(at, with: marker + "  input: \"^save/Const\"\n")
        let message = try ProtoMessage(text: text, as: .metaGraphDef)
        let before = message.binary()
        let outcome = try SaverGraphRewrite.rewriteToV2(message, file: "x")
        guard case .kept(let why) = outcome else { Issue.record("expected kept, got \(outcome)"); return }
        #expect(why.contains("RestoreSlice") && why.contains("control inputs"))
        #expect(message.binary() == before)
    }

    /// A state file whose path does not exist (a writer's /tmp path, a path relative
    /// to the writer's working directory) is refused by every directory command
    /// alike, with the stale path and the rebase hint; nothing is written.
    @Test(arguments: [
        ("seq_rnn_v1/save", "save/model.ckpt"),
        ("serving_bad_half_plus_two_v1/bad_half_plus_two/00000123", "/tmp/bad_half_plus_two/00000123/export"),
    ])
    func staleStatePathsAreRefusedEverywhere(dir relative: String, stale: String) throws {
        let src = try Wild.path(relative)
        try withTemporaryDirectory { dir in
            let migrate = #expect(throws: MetaGraphKitError.self) {
                try Migration.migrateDirectory(source: src, destination: dir + "/dst")
            }
            let list = #expect(throws: MetaGraphKitError.self) { try CheckpointReader(path: src) }
            let latest = #expect(throws: MetaGraphKitError.self) { try CheckpointDirectory(src).latestCheckpoint() }
            for error in [migrate, list, latest] {
                #expect(error?.code == .notFound)
                #expect(error?.message.contains("'\(stale)'") == true)
                #expect(error?.message.contains("tfmeta state rebase \(src)") == true)
            }
            #expect(!FileIO.exists(dir + "/dst"))
        }
    }

    /// Internal TF builds wrote MetaGraphDef field 7 before field 1; a binary file
    /// converted to binary unchanged comes back byte for byte all the same.
    @Test(arguments: [
        "serving_saved_model_half_plus_two_tf2_cpu/saved_model_half_plus_two_tf2_cpu/00000123/saved_model.pb",
        "tfx_tft_tf2_saved_model/tft_tf2_saved_model/saved_model.pb",
    ])
    func nonCanonicalFieldOrderComesBackByteForByte(relative: String) throws {
        let path = try Wild.path(relative)
        let source = try FileIO.read(path)
        let file = try MetaGraphFile.read(path)
        #expect(file.message.binary() != source)  // the canonical order differs: the case is real
        #expect(sameBytes(try file.encoded(as: .binary), source))
        try withTemporaryDirectory { dir in
            try file.write(to: dir + "/out.pb", as: .binary)
            #expect(sameBytes(try FileIO.read(dir + "/out.pb"), source))
        }
    }

    /// A changed message is written canonically, not as the stale source bytes.
    @Test func changedMessageIsNotWrittenAsTheSourceBytes() throws {
        let path = try Wild.path("tfx_tft_tf2_saved_model/tft_tf2_saved_model/saved_model.pb")
        let file = try MetaGraphFile.read(path)
        let message = file.message.binary()
        file.message.withStruct(as: Tensorflow__SavedModel.self) { $0.pointee.saved_model_schema_version += 1 }
        let written = try file.encoded(as: .binary)
        #expect(written != (try FileIO.read(path)) && written != message)
        #expect(written == file.message.binary())
    }

    /// An Any of a type outside our schemas (SessionBundle's tensorflow.serving.
    /// AssetFile and Signatures) has no proto3 JSON form: refused, as
    /// protobuf's json_format refuses it, and no file is left.
    @Test func unknownAnyIsRefusedInJSON() throws {
        let path = try Wild.path("serving_session_bundle_v1/half_plus_two/00000123/export.meta")
        let file = try MetaGraphFile.read(path)
        try withTemporaryDirectory { dir in
            let error = #expect(throws: MetaGraphKitError.self) { try file.write(to: dir + "/x.json", as: .json) }
            #expect(error?.code == .unsupported)
            #expect(error?.message.hasPrefix(path) == true)
            #expect(error?.message.contains("type.googleapis.com/tensorflow.serving.") == true)
            #expect(!FileIO.exists(dir + "/x.json"))
            try file.write(to: dir + "/x.pbtxt", as: .text)  // text can hold it
        }
    }
}
