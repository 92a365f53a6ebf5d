import Foundation
import Testing
import MetaGraphKit

/// The README's library example, with the fixture paths made absolute: it must
/// keep compiling against the public API (plain `import`, not `@testable`) and do
/// what the README says.
@Suite("README example")
struct ReadmeExampleTests {
    @Test func theLibraryExampleWorks() throws {
        try withTemporaryDirectory { dir in
            // A .meta (binary or text), summarized and written back as text.
            let meta = try MetaGraphFile.read(Fixture.path("meta/train_graph.meta"))
            let summary = try meta.summaries()[0]
            #expect(summary.nodeCount == 317)
            #expect(summary.saver?.version == .v2)
            try meta.write(to: dir + "/train_graph.pbtxt", as: .text)
            #expect(try FileIO.read(dir + "/train_graph.pbtxt") == FileIO.read(Fixture.path("meta/train_graph.pbtxt")))

            // Any checkpoint: a V2 prefix, a V1 file or pattern, or a directory.
            let reader = try CheckpointReader(path: Fixture.path("ckpt/v1_partitioned"))
            #expect(reader.entries.map(\.key) == ["scope/bias", "scope/part", "steps"])
            let part = try reader.tensor("scope/part")          // slices assembled
            #expect(part.shape == [10, 3])
            let values: [Float] = try part.scalars()             // dtype-checked
            #expect(values.count == 30)
            #expect(reader.verify().isEmpty)                     // every checksum and rule

            // A meta graph as a typed value: its variables, a copy without devices.
            let graph = try MetaGraph(contentsOf: Fixture.path("meta/train_graph.meta"))
            let variables = try graph.variables()
            #expect(!variables.isEmpty)
            try graph.rescoped(RescopeOptions(clearDevices: true)).metaGraph.write(to: dir + "/cleared.meta")
            #expect(try MetaGraph(contentsOf: dir + "/cleared.meta").variables() == variables)

            // A SavedModel: one meta graph by its tags, and the checkpoint of its variables.
            let model = try SavedModel(contentsOf: Fixture.path("saved_model"))
            let serve = try model.metaGraph(tags: ["serve"])
            #expect(try serve.checkSaver().saver != nil)
            let weights = try CheckpointReader(path: model.variablesPrefix)
            #expect(weights.format == .v2 && !weights.entries.isEmpty)

            // Every report has one JSON form (what --json prints) and a text form.
            let inspected = try MetaGraphFile.inspect(Fixture.path("meta/train_graph.meta"))
            #expect(inspected.jsonValue.serialized(pretty: true).hasPrefix("{\n  \"file\": "))

            // The state file, as tf.train.latest_checkpoint reads it.
            let latest = try CheckpointDirectory(Fixture.path("state/relative")).latestCheckpoint()
            #expect(latest.hasSuffix("state/relative/ckpt-3"))
        }
    }
}
