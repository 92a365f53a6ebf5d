import Foundation
import Testing
@testable import MetaGraphKit

@Suite("Conversion reports: variables, saver check, diff, SavedModel extraction")
struct ReportTests {
    // MARK: - Variables

    @Test func variablesOfTheSampleGraph() throws {
        let vars = try MetaGraphVariables.list(ConversionSamples.metaGraph("graph.meta"))
        #expect(vars.map(\.name) == ["network/v:0", "net/w:0", "net/b:0",
                                     "net/part/part_0:0", "net/part/part_1:0", "net/part/part_2:0"])
        let w = try #require(vars.first { $0.name == "net/w:0" })
        #expect(w.op == "VariableV2" && w.dtype == "float32" && w.shape == [3, 2])
        #expect(w.trainable && !w.isResource)
        #expect(w.initializerName == "net/w/Assign" && w.snapshotName == "net/w/read:0")
        #expect(w.initialValueName == "net/w/Initializer/ones:0")
        #expect(w.collections == ["trainable_variables", "variables"] || w.collections == ["variables", "trainable_variables"])
        let b = try #require(vars.first { $0.name == "net/b:0" })
        #expect(b.op == "VarHandleOp" && b.isResource && b.shape == [2])
        let p1 = try #require(vars.first { $0.name == "net/part/part_1:0" })
        #expect(p1.partition == .init(fullName: "net/part", fullShape: [10, 3], varOffset: [4, 0], varShape: [3, 3]))
        #expect(p1.shape == [3, 3])
        #expect(w.partition == nil)
        let json = VariableInfo.jsonValue(p1)
        #expect(json.serialized().hasPrefix(#"{"name":"net/part/part_1:0","op_name":"net/part/part_1","op":"VarHandleOp","dtype":"float32","shape":[3,3]"#))
        #expect(json.serialized().hasSuffix(#""partition":{"full_name":"net/part","full_shape":[10,3],"var_offset":[4,0],"var_shape":[3,3]}}"#))
    }

    // MARK: - Saver

    @Test func theSampleSaverIsConsistent() throws {
        let report = try SaverCheck.check(ConversionSamples.metaGraph("graph.meta"))
        #expect(report.ok, "\(report.problems)")
        #expect(report.scope == "net/save")
        #expect(report.ops == ["SaveV2": 1, "RestoreV2": 1])
    }

    @Test func theShardedSaverFromTheSaversCollectionIsConsistent() throws {
        let graph = try ConversionSamples.metaGraph("graph.meta")
        let items = try GraphSnapshot(graph).items("savers")
        #expect(items.count == 2)
        let sharded = try SaverDef(ProtoMessage(binary: items[1], as: .saverDef))
        #expect(sharded.sharded && sharded.restoreOpName == "net/save_1/restore_all")
        let report = try SaverCheck.check(graph, saver: sharded)
        #expect(report.ok, "\(report.problems)")
        #expect(report.ops["MergeV2Checkpoints"] == 1 && report.ops["ShardedFilename"] == 1)

        var unsharded = sharded
        unsharded.sharded = false
        #expect(try SaverCheck.check(graph, saver: unsharded).problems.map(\.code) == [.shardingMismatch])
    }

    @Test func mismatchesAreReported() throws {
        let graph = try ConversionSamples.metaGraph("graph.meta")
        var saver = try #require(try GraphSnapshot(graph).saver)
        saver.version = .v1
        #expect(try SaverCheck.check(graph, saver: saver).problems.map(\.code) == [.versionMismatch])
        saver.version = .v2
        saver.sharded = true
        #expect(try SaverCheck.check(graph, saver: saver).problems.map(\.code) == [.shardingMismatch])
        saver.sharded = false
        saver.saveTensorName = ""
        saver.restoreOpName = "net/save/restore_all:0"
        let codes = try SaverCheck.check(graph, saver: saver).problems.map(\.code)
        #expect(codes.contains(.missingName) && codes.contains(.badName))
        saver = try #require(try GraphSnapshot(graph).saver)
        saver.filenameTensorName = "x:0"
        #expect(try SaverCheck.check(graph, saver: saver).problems.map(\.code) == [.filenameNotString])
    }

    @Test func tensorFlowsOwnScopedExportHasADanglingSaverAndOursDoesNot() throws {
        let tf = try SaverCheck.check(ConversionSamples.metaGraph("tf_export_net.meta"))
        #expect(tf.problems.map(\.code).contains(.notFound))
        let ours = try MetaGraphTransform.rescope(ConversionSamples.metaGraph("graph.meta"),
                                                  options: RescopeOptions(scope: .strip("net")))
        let report = try SaverCheck.check(ours.metaGraph)
        #expect(report.ok, "\(report.problems)")
        #expect(report.scope == "save")
    }

    @Test func noSaverIsAProblem() throws {
        let report = try SaverCheck.check(ProtoMessage(empty: .metaGraphDef))
        #expect(report.problems.map(\.code) == [.noSaver])
        #expect(report.jsonValue.serialized() == #"{"ok":false,"saver":null,"scope":"","ops":{},"problems":[{"code":"no-saver","message":"the meta graph has no saver_def"}]}"#)
    }

    // MARK: - Diff

    @Test func diffOfAGraphWithItselfIsEmpty() throws {
        let g = try ConversionSamples.metaGraph("graph.meta")
        let diff = try MetaGraphDiff(g, g)
        #expect(diff.isEmpty && diff.text == "identical")
    }

    @Test func diffOfTensorFlowsExportAndOurs() throws {
        let tf = try ConversionSamples.metaGraph("tf_export_net_plain.meta")
        let ours = try MetaGraphTransform.rescope(ConversionSamples.metaGraph("graph.meta"),
                                                  options: RescopeOptions(scope: .strip("net"))).metaGraph
        let diff = try MetaGraphDiff(tf, ours)
        #expect(diff.addedNodes.isEmpty)
        #expect(diff.removedNodes == ["network/v/Initializer/zeros", "network/v",
                                      "network/v/IsInitialized/VarIsInitializedOp", "network/v/Assign",
                                      "network/v/Read/ReadVariableOp"])
        #expect(Set(diff.changedNodes.map(\.name)) == ["Read/ReadVariableOp", "v_copy", "Identity"], "colocated with or reading network/v")
        let read = try #require(diff.changedNodes.first { $0.name == "Read/ReadVariableOp" })
        #expect(read.inputs == .init(a: ["network/v"], b: ["$unbound_inputs_network/v"]))
        let vcopy = try #require(diff.changedNodes.first { $0.name == "v_copy" })
        #expect(vcopy.attrsChanged == ["_class"] && vcopy.op == nil && vcopy.device == nil)
        #expect(diff.saver?.a?.filenameTensorName == "net/save/Const:0")
        #expect(diff.saver?.b?.filenameTensorName == "save/Const:0")
        // cond_context differs only in the order of its external_values map entries
        // (TensorFlow re-serializes from a Python dict); diff compares item bytes.
        #expect(Set(diff.changedCollections.map(\.name))
            == ["notes", "unbound_inputs", "variables", "trainable_variables", "cond_context"])
        let json = diff.jsonValue.serialized()
        #expect(json.hasPrefix(#"{"identical":false,"nodes":{"added":[],"removed":["network/v/Initializer/zeros""#))
        #expect(json.contains(#""saver":{"a":{"filename_tensor_name":"net/save/Const:0""#))
    }

    @Test func diffSeesSignatures() throws {
        let model = try SavedModel(contentsOf: ConversionSamples.path("saved_model"))
        let serve = try model.metaGraph(tags: ["serve"]).message
        let train = try model.metaGraph(tags: ["gpu", "train"]).message
        let diff = try MetaGraphDiff(serve, train)
        #expect(diff.removedSignatures == ["serving_default"])
        let stripped = try MetaGraphTransform.rescope(serve, options: RescopeOptions(scope: .strip("net")))
        #expect(stripped.droppedSignatures == ["serving_default"], "x is outside net/")
        let added = try MetaGraphTransform.rescope(serve, options: RescopeOptions(scope: .add("imp")))
        let sig = try #require(try GraphSnapshot(added.metaGraph).signatureSummaries["serving_default"])
        #expect(sig.inputs.map(\.name) == ["imp/x:0"] && sig.outputs.map(\.name) == ["imp/net/y:0"])
        #expect(try MetaGraphDiff(serve, added.metaGraph).changedSignatures == ["serving_default"])
    }

    // MARK: - SavedModel

    @Test func extractByTagSet() throws {
        let model = try SavedModel(contentsOf: ConversionSamples.path("saved_model/saved_model.pb"))
        #expect(model.tagSets == [["serve"], ["gpu", "train"]])
        let g = try model.metaGraph(tags: ["train", "gpu", "train"])
        #expect(try MetaGraphSummary(g.message).tags.sorted() == ["gpu", "train"])
        do {
            _ = try SavedModel(model.message, path: "sm").metaGraph(tags: ["serve", "gpu"])
            Issue.record("expected an error")
        } catch let error as MetaGraphKitError {
            #expect(error.code == .notFound)
            #expect(error.message.contains("{serve} {gpu,train}"))
        }
        #expect(throws: MetaGraphKitError(.notFound, "")) {
            _ = try SavedModel(contentsOf: ConversionSamples.path("no-such-dir/saved_model.pb"))
        }
    }
}

extension VariableInfo {
    static func jsonValue(_ v: VariableInfo) -> JSONValue { v.jsonValue }
}
