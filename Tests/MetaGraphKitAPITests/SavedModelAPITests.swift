// SavedModel as a typed value, through `import MetaGraphKit` alone, on the
// SavedModel TensorFlow wrote (Fixtures/saved_model).
import Foundation
import MetaGraphKit
import Testing

private let savedModel = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/saved_model").path

@Suite("Public API: SavedModel")
struct SavedModelAPITests {
    @Test func tagSetsMetaGraphAndVariables() throws {
        let model = try SavedModel(contentsOf: savedModel)
        #expect(model.tagSets == [["serve"]])
        #expect(model.directory == savedModel)

        // The meta graph is the one `meta inspect` summarizes for the directory.
        let graph = try model.metaGraph(tags: ["serve"])
        #expect(graph.path == savedModel)
        let inspected = try MetaGraphFile.inspect(savedModel)
        #expect(try MetaGraphSummary(graph.message) == inspected.summaries[0])

        // The variables are the checkpoint a reader finds for the directory, with
        // the keys TensorFlow listed when it wrote them.
        #expect(model.variablesPrefix == savedModel + "/variables/variables")
        let variables = try CheckpointReader(path: model.variablesPrefix)
        let viaDirectory = try CheckpointReader(path: savedModel)
        #expect(variables.prefix == viaDirectory.prefix)
        let data = try Data(contentsOf: URL(fileURLWithPath: savedModel + "/variables/variables.expected.json"))
        let expected = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["tensors"] as? [String: Any])
        #expect(Set(variables.entries.map(\.key)) == Set(expected.keys))

        // Named by its saved_model.pb, the same model.
        let byFile = try SavedModel(contentsOf: savedModel + "/saved_model.pb")
        #expect(byFile.directory == savedModel && byFile.variablesPrefix == model.variablesPrefix)
        #expect(byFile.tagSets == model.tagSets)
    }

    @Test func tagsNotPresentAreNamedWithWhatIs() throws {
        let model = try SavedModel(contentsOf: savedModel)
        let e = #expect(throws: MetaGraphKitError.self) { _ = try model.metaGraph(tags: ["train", "gpu"]) }
        #expect(e?.code == .notFound)
        #expect(e?.file == savedModel)
        #expect(e?.message == "\(savedModel): no meta graph has exactly the tags {gpu,train}; available tag sets: {serve}")

        let meta = try MetaGraph(contentsOf: savedModel + "/../meta/train_graph.meta")
        let wrong = #expect(throws: MetaGraphKitError.self) { _ = try SavedModel(meta.message) }
        #expect(wrong?.code == .invalidArgument)
        #expect(wrong?.message == "expected a tensorflow.SavedModel, got tensorflow.MetaGraphDef")

        let missing = #expect(throws: MetaGraphKitError.self) { _ = try SavedModel(contentsOf: savedModel + "/no-such") }
        #expect(missing?.code == .notFound)
    }

    @Test func extractedGraphWritesAndReadsBackButNeverOverItsSource() throws {
        let graph = try SavedModel(contentsOf: savedModel).metaGraph(tags: ["serve"])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mgk-api-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try graph.write(to: dir + "/serve.meta")
        let again = try MetaGraph(contentsOf: dir + "/serve.meta")
        #expect(try again.difference(from: graph).isEmpty)
        #expect(throws: MetaGraphKitError.self) { try graph.write(to: dir + "/serve.meta") }   // exists, no overwrite
    }
}
