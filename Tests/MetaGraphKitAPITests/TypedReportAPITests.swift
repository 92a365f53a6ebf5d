// The typed fields of the library's reports, and their one JSON spelling
// (JSONReportable), through `import MetaGraphKit` alone.
import Foundation
import MetaGraphKit
import Testing

private let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures").path

private func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mgk-api-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try body(dir)
}

/// A report's `--json` form, parsed back, through the protocol every report adopts.
private func parsed(_ report: some JSONReportable) throws -> [String: Any] {
    let text = report.jsonValue.serialized()
    return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite("Public API: typed reports")
struct TypedReportAPITests {
    @Test func migrationSaysTheFormatAndWhatHappenedToTheSaver() throws {
        try withTemporaryDirectory { dir in
            let v1 = try Migration.migrate(source: "\(fixtures)/migrate/v1_saver/model.ckpt-1", destination: dir + "/m")
            #expect(v1.sourceFormat == .v1)
            #expect(v1.metaGraph?.outcome == .rewritten)
            let json = try parsed(v1)
            #expect(json["source_format"] as? String == "V1")
            #expect((json["meta_graph"] as? [String: Any])?["outcome"] as? String == "rewritten")

            // Migrating the result again: a V2 source whose saver already writes V2.
            let v2 = try Migration.migrate(source: dir + "/m", destination: dir + "/again")
            #expect(v2.sourceFormat == .v2)
            #expect(v2.metaGraph?.outcome == .alreadyV2)
            #expect((try parsed(v2)["meta_graph"] as? [String: Any])?["outcome"] as? String == "already-v2")
        }
    }

    @Test func renameKeepsTheFormatAndItsPrintedName() throws {
        let v1 = try CheckpointRemap.rename(source: "\(fixtures)/ckpt/v1_dtypes", destination: "/nonexistent/out",
                                           rules: KeyRules(), dryRun: true)
        #expect(v1.sourceFormat == .v1 && v1.sourceFormatName == "V1")
        let keras = try CheckpointRemap.rename(source: "\(fixtures)/keras/small.weights.h5", destination: "/nonexistent/out",
                                              rules: KeyRules(), dryRun: true)
        #expect(keras.sourceFormat == .foreign)
        #expect(try parsed(keras)["source_format"] as? String == keras.sourceFormatName)
        #expect(keras.sourceFormatName != "V1" && keras.sourceFormatName != "V2")
    }

    @Test func saverProblemsHaveCodes() throws {
        let graph = try MetaGraph(contentsOf: "\(fixtures)/meta/train_graph.meta")
        let report = try graph.checkSaver()
        #expect(report.ok, "\(report.problems)")
        var saver = try #require(report.saver)
        saver.sharded.toggle()
        let broken = try graph.checkSaver(saver)
        #expect(broken.problems.map(\.code) == [.shardingMismatch])
        let problems = try #require(try parsed(broken)["problems"] as? [[String: Any]])
        #expect(problems.map { $0["code"] as? String } == ["sharding-mismatch"])
        #expect(SaverCheckReport.Problem.Code.noSaver.description == "no-saver")
    }

    @Test func matchesSayHowTheyPaired() throws {
        let reader = try CheckpointReader(path: "\(fixtures)/meta/train_graph")
        let report = try MatchReport.match(reader, target: RemapTarget.template("\(fixtures)/ckpt/tf2_keras"))
        let via = Dictionary(uniqueKeysWithValues: report.matched.map { ($0.source, $0.via) })
        #expect(via["beta1_power"] == .fullName)
        #expect(via["global_step"] == .stepCounter)
        let json = try parsed(report)
        let printed = try #require(json["matched"] as? [[String: Any]])
        #expect(printed.map { $0["via"] as? String } == report.matched.map(\.via.rawValue))
        // A suggestion is a value with named fields, compared whole.
        let suggested = report.missing.compactMap(\.suggestion)
        #expect(!suggested.isEmpty)
        #expect(suggested.allSatisfy { reader.contains($0.source) })
    }

    @Test func inspectionIsAValueWithOneJSONShape() throws {
        let inspection = try MetaGraphFile.inspect("\(fixtures)/meta/train_graph.pbtxt")
        #expect(inspection.kind == .metaGraph && inspection.encoding == .text && inspection.summaries.count == 1)
        let top = inspection.summaries[0].opHistogram
        #expect(top == top.sorted { $0.count != $1.count ? $0.count > $1.count : $0.op < $1.op })
        #expect(inspection.summaries[0].nodeCount == top.reduce(0) { $0 + $1.count })
        let json = try parsed(inspection)
        #expect(json["encoding"] as? String == "text" && json["kind"] as? String == "meta_graph")
        #expect((json["meta_graphs"] as? [Any])?.count == 1)
        #expect(inspection.text.hasPrefix("File: \(fixtures)/meta/train_graph.pbtxt (meta_graph, text)\nTags: "))
        // The binary file TensorFlow wrote beside it holds the same graph.
        #expect(try MetaGraphFile.inspect("\(fixtures)/meta/train_graph.meta").summaries == inspection.summaries)
    }

    @Test func objectGraphJSONIsWhatTensorFlowRecorded() throws {
        let reader = try CheckpointReader(path: "\(fixtures)/ckpt/tf2_keras")
        let graph = try #require(try reader.objectGraph())
        let ours = try #require(try parsed(graph)["nodes"] as? [[String: Any]])
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/ckpt/tf2_keras.objgraph.json"))
        let tf = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["nodes"] as? [[String: Any]])
        #expect(ours.count == tf.count)
        for (o, t) in zip(ours, tf) {
            #expect(o["id"] as? Int == t["node_id"] as? Int)
            func children(_ n: [String: Any]) -> [String] {
                ((n["children"] as? [[String: Any]]) ?? []).map { "\($0["node_id"] ?? "")=\($0["local_name"] ?? "")" }
            }
            func attributes(_ n: [String: Any]) -> [String] {
                ((n["attributes"] as? [[String: Any]]) ?? []).map { "\($0["name"] ?? "")|\($0["full_name"] ?? "")|\($0["checkpoint_key"] ?? "")" }
            }
            #expect(children(o) == children(t))
            #expect(attributes(o) == attributes(t))
        }
        var lines: [String] = []
        graph.treeLines { lines.append($0) }
        #expect(lines.first == "(root) (node 0)")
        #expect(lines.filter { $0.contains("(node ") }.count >= graph.nodes.count)
    }

    @Test func exportReportNamesSourceAndOutput() throws {
        try withTemporaryDirectory { dir in
            let reader = try CheckpointReader(path: "\(fixtures)/ckpt/v2_dtypes")
            let report = try reader.export(to: dir + "/x.safetensors")
            #expect(report.source == reader.prefix && report.output == dir + "/x.safetensors")
            let json = try parsed(report)
            #expect(json["source_format"] as? String == "V2")
            #expect((json["written"] as? [String]) == report.written)
            #expect(((json["skipped"] as? [[String: Any]]) ?? []).count == report.skipped.count)
        }
    }
}
