import Foundation
import Testing
internal import CTFProtos
@testable import MetaGraphKit

/// A CondContextDef's names, with the external_values map as a set (TensorFlow
/// writes map entries in no fixed order).
struct CondContextView: Hashable {
    var names: [String]
    var values: [String]
    var external: Set<[String]>

    init(_ bytes: [UInt8]) throws {
        let m = try ProtoMessage(binary: bytes, as: ProtoMessageType.named("tensorflow.CondContextDef")!)
        (names, values, external) = m.withStruct(as: Tensorflow__CondContextDef.self) { c in
            let v = c.pointee.values_def?.pointee
            let ext = (0..<(v?.n_external_values ?? 0)).map { i in
                [CString.string(v!.external_values[i]!.pointee.key), CString.string(v!.external_values[i]!.pointee.value)]
            }
            return ([CString.string(c.pointee.context_name), CString.string(c.pointee.pred_name),
                     CString.string(c.pointee.pivot_name)],
                    CString.strings(v?.values, count: v?.n_values ?? 0), Set(ext))
        }
        #expect(!names[0].hasPrefix("net/"))
    }
}

@Suite("Rescope: strip and add scopes like TensorFlow's export/import_meta_graph")
struct RescopeTests {
    /// TensorFlow keeps `network/…` when exporting `net` (plain prefix test); we
    /// drop it and turn inputs from it into `$unbound_inputs_`.
    static func tfInputAsOurs(_ input: String) -> String {
        let (marker, body) = NameScope.split(input)
        return body.hasPrefix("network/") ? marker + NameScope.unboundPrefix + body : input
    }

    static func rescoped(_ options: RescopeOptions, from name: String = "graph.meta") throws -> (RescopeResult, GraphSnapshot) {
        let result = try MetaGraphTransform.rescope(ConversionSamples.metaGraph(name), options: options)
        // What we write must decode again.
        let again = try ProtoMessage(binary: result.metaGraph.binary(), as: .metaGraphDef)
        return (result, try GraphSnapshot(again))
    }

    @Test func stripMatchesTensorFlowExportModuloDeviations() throws {
        let (result, ours) = try Self.rescoped(RescopeOptions(
            scope: .strip("net"), clearDevices: true, stripDefaultAttrs: true))
        let tf = try ConversionSamples.snapshot("tf_export_net.meta")

        // Node set: TensorFlow's minus the `network/` prefix trap.
        let tfNames = Set(tf.nodes.map(\.name).filter { !$0.hasPrefix("network/") })
        #expect(Set(ours.nodes.map(\.name)) == tfNames)
        #expect(tf.nodes.contains { $0.name.hasPrefix("network/") }, "TF's prefix trap is in the sample")
        #expect(result.removedNodes.contains("network/v") && result.removedNodes.contains("x"))

        for node in ours.nodes {
            let theirs = try #require(tf.node(node.name))
            #expect(node.op == theirs.op, "\(node.name)")
            #expect(node.inputs == theirs.inputs.map(Self.tfInputAsOurs), "\(node.name)")
            #expect(node.device == "" && theirs.device == "")
            for (key, value) in theirs.attrs {
                if key == "_class", String(decoding: value, as: UTF8.self).contains("loc:@network/") {
                    // We drop colocation with removed nodes (TF keeps `loc:@network/v`).
                    #expect(node.attrs[key] == [0x0a, 0x00], "\(node.name) keeps an empty _class list as TF would")
                    continue
                }
                #expect(node.attrs[key] == value, "\(node.name) attr \(key)")
            }
            #expect(Set(node.attrs.keys) == Set(theirs.attrs.keys), "\(node.name)")
        }
        #expect(ours.strippedDefaultAttrs && tf.strippedDefaultAttrs)
        #expect(result.strippedAttrCount > 0)
        let used = Set(ours.nodes.map(\.op))
        #expect(Set(ours.strippedOps.keys) == used)
        #expect(used.isSubset(of: Set(tf.strippedOps.keys)))

        // Saver: TF leaves it unstripped (dangling); we strip it.
        #expect(tf.saver?.filenameTensorName == "net/save/Const:0")
        #expect(ours.saver?.filenameTensorName == "save/Const:0")
        #expect(ours.saver?.saveTensorName == "save/control_dependency:0")
        #expect(ours.saver?.restoreOpName == "save/restore_all")
        #expect(ours.node("save/restore_all") != nil && ours.node("save/Const") != nil)

        // Collections.
        #expect(ours.strings("outputs") == tf.strings("outputs"))
        #expect(ours.collections["numbers"] == tf.collections["numbers"])
        #expect(ours.collections["ratios"] == tf.collections["ratios"])
        #expect(tf.strings("notes") == ["net/y:0"])
        #expect(ours.strings("notes") == ["hello", "y:0"])
        #expect(ours.items("savers") == tf.items("savers"))
        #expect(ours.items("while_context") == tf.items("while_context"))
        #expect(ours.items("queue_runners") == tf.items("queue_runners"))
        #expect(ours.items("queue_runners").count == 1)
        #expect(try ours.items("cond_context").map(CondContextView.init)
            == tf.items("cond_context").map(CondContextView.init))
        #expect(ours.items("cond_context").count == 2)
        for key in ["variables", "trainable_variables"] {
            let tfItems = try tf.items(key).filter { bytes in
                try ProtoMessage(binary: bytes, as: .variableDef).binary() == bytes
                    && !String(decoding: bytes, as: UTF8.self).contains("network/")
            }
            #expect(ours.items(key) == tfItems, "\(key)")
            #expect(ours.items(key).count == 5)
        }
        #expect(tf.strings("unbound_inputs") == ["$unbound_inputs_x"])
        #expect(ours.strings("unbound_inputs")
            == ["$unbound_inputs_network/v", "$unbound_inputs_x", "^$unbound_inputs_x"])
        #expect(result.unboundInputs == ours.strings("unbound_inputs"))
        let keys = result.metaGraph.withStruct(as: Tensorflow__MetaGraphDef.self) { m in
            (0..<m.pointee.n_collection_def).map { CString.string(m.pointee.collection_def[$0]!.pointee.key) }
        }
        #expect(keys == keys.sorted() && keys.contains("unbound_inputs"), "map entries stay sorted by key")
    }

    @Test func stripAloneKeepsDevicesAndAttrsAsTensorFlow() throws {
        let (_, ours) = try Self.rescoped(RescopeOptions(scope: .strip("net/")))
        let tf = try ConversionSamples.snapshot("tf_export_net_plain.meta")
        for node in ours.nodes {
            let theirs = try #require(tf.node(node.name))
            #expect(node.device == theirs.device, "\(node.name)")
            #expect(node.inputs == theirs.inputs.map(Self.tfInputAsOurs), "\(node.name)")
            #expect(Set(node.attrs.keys) == Set(theirs.attrs.keys), "\(node.name)")
        }
        #expect(ours.node("w")?.device == "/device:CPU:0")
        #expect(!ours.strippedDefaultAttrs)
    }

    @Test func clearExtraneousSaversMatchesTensorFlow() throws {
        let (result, ours) = try Self.rescoped(RescopeOptions(clearExtraneousSavers: true))
        let tf = try ConversionSamples.snapshot("tf_clear_savers.meta")
        #expect(ours.nodes.map(\.name) == tf.nodes.map(\.name))
        #expect(result.removedNodes.allSatisfy { $0.hasPrefix("net/save_1/") } && !result.removedNodes.isEmpty)
        #expect(ours.items("savers") == tf.items("savers"))
        #expect(ours.items("savers").count == 1)
        #expect(ours.saver == tf.saver)
        for node in ours.nodes { #expect(node.inputs == tf.node(node.name)?.inputs) }
        #expect(result.unboundInputs.isEmpty)
    }

    @Test func stripDefaultAttrsMatchesTensorFlow() throws {
        let (result, ours) = try Self.rescoped(RescopeOptions(stripDefaultAttrs: true))
        let tf = try ConversionSamples.snapshot("tf_strip_defaults.meta")
        #expect(ours.nodes.count == tf.nodes.count)
        for node in ours.nodes { #expect(node.attrs == tf.node(node.name)?.attrs, "\(node.name)") }
        #expect(ours.strippedDefaultAttrs)
        #expect(result.strippedAttrCount > 0 && result.removedNodes.isEmpty)
    }

    @Test func addScopePrefixesEveryNameAndStripUndoesIt() throws {
        let original = try ConversionSamples.metaGraph("graph.meta")
        let added = try MetaGraphTransform.rescope(original, options: RescopeOptions(scope: .add("imp")))
        let s = try GraphSnapshot(added.metaGraph)
        #expect(s.nodes.allSatisfy { $0.name.hasPrefix("imp/") })
        #expect(s.nodes.allSatisfy { $0.inputs.allSatisfy { NameScope.split($0).body.hasPrefix("imp/") } })
        #expect(s.node("imp/net/z")?.inputs == ["imp/net/y", "^imp/net/w_copy", "^imp/x"])
        #expect(String(decoding: s.node("imp/net/w_copy")!.attrs["_class"]!, as: UTF8.self).contains("loc:@imp/net/w"))
        #expect(s.saver?.restoreOpName == "imp/net/save/restore_all")
        #expect(s.strings("outputs").first == "imp/net/y:0")
        #expect(s.strings("notes") == ["hello", "imp/net/y:0"])
        let variables = try MetaGraphVariables.list(added.metaGraph)
        #expect(variables.map(\.name).allSatisfy { $0.hasPrefix("imp/") })
        #expect(variables.first { $0.partition != nil }?.partition?.fullName == "imp/net/part")

        let back = try MetaGraphTransform.rescope(added.metaGraph, options: RescopeOptions(scope: .strip("imp")))
        #expect(back.removedNodes.isEmpty && back.unboundInputs.isEmpty)
        #expect(back.metaGraph.binary() == original.binary(), "add then strip is the identity")
    }

    @Test func noOptionsIsTheIdentity() throws {
        let original = try ConversionSamples.metaGraph("graph.meta")
        let result = try MetaGraphTransform.rescope(original, options: RescopeOptions())
        #expect(result.metaGraph.binary() == original.binary())
    }

    @Test func strippingAScopeThatHoldsNothingDropsSaverAndSignatures() throws {
        let (result, ours) = try Self.rescoped(RescopeOptions(scope: .strip("nothing")))
        #expect(ours.nodes.isEmpty)
        #expect(result.droppedSaver && ours.saver == nil)
        #expect(ours.collections["outputs"] == nil)
        #expect(ours.collections["numbers"] != nil, "numbers are kept")
        #expect(ours.strippedOps.isEmpty)
    }

    @Test func badArgumentsAreErrors() throws {
        let g = try ConversionSamples.metaGraph("graph.meta")
        #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
            _ = try MetaGraphTransform.rescope(g, options: RescopeOptions(scope: .strip("/")))
        }
        #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
            _ = try MetaGraphTransform.rescope(ProtoMessage(empty: .saverDef), options: RescopeOptions())
        }
    }

    @Test func aCollectionItemThatIsNotItsProtoIsAnError() throws {
        let g = try ConversionSamples.metaGraph("graph.meta")
        g.withStruct(as: Tensorflow__MetaGraphDef.self) { m in
            for i in 0..<m.pointee.n_collection_def where CString.string(m.pointee.collection_def[i]!.pointee.key) == "variables" {
                let list = m.pointee.collection_def[i]!.pointee.value!.pointee.bytes_list!
                CMutation.setBytes(&list.pointee.value[1], [0x0a, 0x7f])   // a length past the end
            }
        }
        do {
            _ = try MetaGraphTransform.rescope(g, options: RescopeOptions(scope: .strip("net")))
            Issue.record("expected an error")
        } catch let error as MetaGraphKitError {
            #expect(error.code == .notAProtobuf)
            #expect(error.message.contains("collection 'variables' item 1"))
        }
    }

    @Test func theSummaryHasItsDocumentedShape() throws {
        let result = try MetaGraphTransform.rescope(ConversionSamples.metaGraph("graph.meta"),
                                                    options: RescopeOptions(scope: .strip("net"), clearDevices: true))
        let json = result.jsonValue.serialized()
        #expect(json.hasPrefix(#"{"nodes":"#))
        #expect(json.contains(#""removed_nodes":["x","network/v/Initializer/zeros""#))
        #expect(json.contains(#""unbound_inputs":["$unbound_inputs_network/v","$unbound_inputs_x","^$unbound_inputs_x"],"#))
        #expect(json.contains(#""dropped_collection_items":{"trainable_variables":1,"variables":1},"dropped_signatures":[],"dropped_saver":false,"stripped_attrs":0,"cleared_devices":"#))
    }

    @Test(arguments: [
        ("net/w", "w"), ("^net/w", "^w"), ("loc:@net/w", "loc:@w"), ("net/w:1", "w:1"),
        ("network/v", "network/v"), ("net", "net"), ("$unbound_inputs_x", "$unbound_inputs_x"),
    ])
    func stripNames(_ input: String, _ expected: String) {
        #expect(NameScope("net", .strip).rename(input) == expected)
    }

    @Test(arguments: [("w", "imp/w"), ("^w", "^imp/w"), ("loc:@w", "loc:@imp/w"), ("", "")])
    func addNames(_ input: String, _ expected: String) {
        #expect(NameScope("imp", .add).rename(input) == expected)
    }

    @Test func opNames() {
        #expect(NameScope.opName("^a/b") == "a/b")
        #expect(NameScope.opName("a/b:12") == "a/b")
        #expect(NameScope.opName("a:b") == "a:b")
    }
}
