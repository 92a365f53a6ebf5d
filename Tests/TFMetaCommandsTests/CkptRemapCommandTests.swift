import Foundation
import Testing

@Suite("tfmeta ckpt rename / to-object / to-names / match")
struct CkptRemapCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures").path

    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tfmeta-remap-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func keys(_ json: String) throws -> Set<String> {
        Set((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?.keys.map { $0 } ?? [])
    }

    @Test func renameJSONAndCollisionExitOne() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = Self.fixtures + "/meta/train_graph"
        let r = try runTFMeta(["ckpt", "rename", src, dir + "/out", "--rule", "^model/=>net/", "--drop", "_power$", "--json"])
        #expect(r.status == 0)
        #expect(try keys(r.stdout) == ["source", "destination", "source_format", "dry_run", "tensors", "renamed",
                                       "unchanged", "dropped", "warnings", "bytes", "files", "rules"])
        let clash = try runTFMeta(["ckpt", "rename", src, dir + "/clash", "--rule", "/Adam(_1)?$=>"])
        #expect(clash.status == 1)
        #expect(clash.stderr.hasPrefix("Error: ") && clash.stderr.contains("would both be renamed to"))
        // train_graph.meta sits beside the source: out.meta is written with the renames.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["out.data-00000-of-00001", "out.index", "out.meta"])
    }

    @Test func badRuleAndMapExitOneUsageExitsTwo() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = Self.fixtures + "/meta/train_graph"
        let bad = try runTFMeta(["ckpt", "rename", src, dir + "/out", "--rule", "(=>x"])
        #expect(bad.status == 1 && bad.stderr.contains("does not compile"))
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: dir + "/map.json"))
        let map = try runTFMeta(["ckpt", "rename", src, dir + "/out", "--map", dir + "/map.json"])
        #expect(map.status == 1 && map.stderr.contains("JSON object"))
        #expect(try runTFMeta(["ckpt", "match", src]).status == 2)
        #expect(try runTFMeta(["ckpt", "match", src, "--template", "a", "--meta", "b"]).status == 2)
        #expect(try runTFMeta(["ckpt", "to-object", src, dir + "/out"]).status == 2)
        let notObject = try runTFMeta(["ckpt", "to-object", src, "--template", src, dir + "/out"])
        #expect(notObject.status == 1 && notObject.stderr.contains("not an object-based checkpoint"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["map.json"])
    }

    @Test func toNamesToObjectAndMatch() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let keras = Self.fixtures + "/ckpt/tf2_keras"
        let names = try runTFMeta(["ckpt", "to-names", keras, dir + "/names", "--json"])
        #expect(names.status == 0 && names.stderr.isEmpty)
        #expect(try keys(names.stdout) == ["source", "destination", "dry_run", "tensors", "renamed", "duplicates",
                                           "empty_full_name", "not_in_object_graph", "object_graph", "bytes", "files", "rules"])
        let match = try runTFMeta(["ckpt", "match", dir + "/names", "--template", keras, "--json"])
        #expect(match.status == 0)
        #expect(try keys(match.stdout) == ["source", "target", "target_kind", "counts", "matched", "mismatched",
                                           "missing", "unused", "dropped"])
        let dry = try runTFMeta(["ckpt", "to-object", dir + "/names", "--template", keras, dir + "/obj", "--dry-run", "--json"])
        // --dry-run prints exactly the match report.
        #expect(dry.status == 0 && dry.stdout == match.stdout)
        #expect(!FileManager.default.fileExists(atPath: dir + "/obj.index"))
        let obj = try runTFMeta(["ckpt", "to-object", dir + "/names", "--template", keras, dir + "/obj", "--strict"])
        #expect(obj.status == 0)
        #expect(obj.stdout.contains("21 matched, 0 disagree, 0 missing, 0 unused"))
        let meta = try runTFMeta(["ckpt", "match", Self.fixtures + "/meta/train_graph", "--meta", Self.fixtures + "/meta/train_graph.meta"])
        #expect(meta.status == 0 && meta.stdout.contains("15 matched"))
    }
}
