import Foundation
import Testing

@Suite("tfmeta meta")
struct MetaCommandTests {
    @Test func inspectJSONHasTheDocumentedShape() throws {
        let r = try runTFMeta(["meta", "inspect", fixtures + "/meta/train_graph.meta", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(Set(report.keys) == ["file", "kind", "encoding", "meta_graphs"])
        #expect(report["kind"] as? String == "meta_graph")
        #expect(report["encoding"] as? String == "binary")
        let graph = (report["meta_graphs"] as! [[String: Any]])[0]
        #expect(Set(graph.keys) == [
            "tags", "meta_graph_version", "tensorflow_version", "tensorflow_git_version", "graph_producer",
            "stripped_default_attrs", "node_count", "function_count", "stripped_op_count", "ops",
            "collections", "signatures", "saver", "asset_file_count", "has_object_graph",
        ])
        #expect(graph["node_count"] as? Int == 317)
    }

    @Test func inspectReadsTextAndSavedModelDirectories() throws {
        let text = try runTFMeta(["meta", "inspect", fixtures + "/meta/train_graph.pbtxt"])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("File: \(fixtures)/meta/train_graph.pbtxt (meta_graph, text)\n"))
        let saved = try runTFMeta(["meta", "inspect", fixtures + "/saved_model"])
        #expect(saved.status == 0)
        #expect(saved.stdout.contains("input x: float32 [-1, 2] serving_default_x:0"))
    }

    @Test func convertFollowsTheExtensionUnlessToSaysOtherwise() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tfmeta-meta-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runTFMeta(["meta", "convert", fixtures + "/meta/train_graph.meta", dir + "/g.pbtxt"])
        #expect(r.status == 0)
        let text = try String(contentsOfFile: dir + "/g.pbtxt", encoding: .utf8)
        #expect(text == (try String(contentsOfFile: fixtures + "/meta/train_graph.pbtxt", encoding: .utf8)))
        let j = try runTFMeta(["meta", "convert", fixtures + "/meta/train_graph.meta", dir + "/g.out", "--to", "json"])
        #expect(j.status == 0)
        _ = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/g.out")))
    }

    @Test func badInputExitsOneWithTheFileNamed() throws {
        let r = try runTFMeta(["meta", "inspect", fixtures + "/meta/missing.meta"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "Error: \(fixtures)/meta/missing.meta: no such file\n")
    }

    @Test func wrongUsageExitsTwo() throws {
        let r = try runTFMeta(["meta", "convert", "a.meta", "b.meta", "--to", "yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--to must be binary, text or json"))
        let missing = try runTFMeta(["meta", "inspect"])
        #expect(missing.status == 2)
    }
}
