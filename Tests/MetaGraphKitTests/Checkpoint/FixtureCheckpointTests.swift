import Foundation
import Testing
@testable import MetaGraphKit

/// Every TensorFlow-written checkpoint under Fixtures/ckpt, compared tensor by tensor
/// with TensorFlow's own reading (`NAME.expected.json`).
@Suite("Fixture checkpoints")
struct FixtureCheckpointTests {
    /// Every `*.expected.json` under `Fixtures/` (ckpt/, meta/, saved_model/), plus
    /// those in the directories of `MGK_EXTRA_CKPT_DIRS` (colon-separated).
    static func expectationFiles() -> [String] {
        var dirs = [Fixture.root.path]
        if let extra = ProcessInfo.processInfo.environment["MGK_EXTRA_CKPT_DIRS"] {
            dirs += extra.split(separator: ":").map(String.init)
        }
        var out: [String] = []
        for dir in dirs {
            guard let enumerator = FileManager.default.enumerator(atPath: dir) else { continue }
            for case let name as String in enumerator where name.hasSuffix(".expected.json") {
                out.append(dir + "/" + name)
            }
        }
        return out.sorted()
    }

    @Test func fixturesArePresent() {
        #expect(Self.expectationFiles().count >= 13)
    }

    @Test(arguments: expectationFiles())
    func readsLikeTensorFlow(_ expectation: String) throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: expectation))) as! [String: Any]
        let dir = URL(fileURLWithPath: expectation).deletingLastPathComponent().path
        let prefix = dir + "/" + (json["prefix"] as! String)
        let reader = try CheckpointReader(path: prefix)
        if let format = json["format"] as? String { #expect(reader.format.rawValue == format) }
        #expect(reader.entries.map(\.key).sorted() == (json["tensors"] as! [String: Any]).keys.sorted())
        let tensors = json["tensors"] as! [String: [String: Any]]
        for (key, want) in tensors.sorted(by: { $0.key < $1.key }) {
            let entry = try #require(reader.entry(key), "\(key) not listed")
            if let dtype = want["dtype"] as? String { #expect(entry.dtype.name == dtype, "\(key)") }
            let shape = (want["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }
            #expect(entry.shape == shape, "\(key)")
            let tensor = try reader.tensor(key)
            #expect(tensor.shape == shape)
            if let raw = want["raw"] as? String {
                #expect(tensor.bytes == [UInt8](Data(base64Encoded: raw)!), "\(key) bytes differ")
            } else if let strings = want["strings"] as? [String] {
                #expect(tensor.strings == strings.map { [UInt8](Data(base64Encoded: $0)!) }, "\(key) strings differ")
            }
        }
        #expect(reader.verify().isEmpty, "\(reader.verify())")
    }

    static func objectGraphFiles() -> [String] {
        expectationFiles().map { $0.replacingOccurrences(of: ".expected.json", with: ".objgraph.json") }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The decoded object graph equals TensorFlow's (`NAME.objgraph.json`).
    @Test(arguments: objectGraphFiles())
    func objectGraphLikeTensorFlow(_ file: String) throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as! [String: Any]
        let dir = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let reader = try CheckpointReader(path: dir + "/" + (json["prefix"] as! String))
        let graph = try #require(try reader.objectGraph())
        let nodes = json["nodes"] as! [[String: Any]]
        #expect(graph.nodes.count == nodes.count)
        for (node, want) in zip(graph.nodes, nodes) {
            #expect(node.id == want["node_id"] as? Int)
            let children = (want["children"] as! [[String: Any]]).map { ObjectGraph.Child(nodeID: $0["node_id"] as! Int, localName: $0["local_name"] as! String) }
            #expect(node.children == children)
            let attributes = (want["attributes"] as! [[String: Any]]).map {
                ObjectGraph.Attribute(name: $0["name"] as! String, fullName: $0["full_name"] as! String, checkpointKey: $0["checkpoint_key"] as! String)
            }
            #expect(node.attributes == attributes)
            let slots = (want["slot_variables"] as! [[String: Any]]).map {
                ObjectGraph.SlotVariable(originalVariableNodeID: $0["original_variable_node_id"] as! Int, slotName: $0["slot_name"] as! String,
                                         slotVariableNodeID: $0["slot_variable_node_id"] as! Int)
            }
            #expect(node.slotVariables == slots)
        }
        var mapping: [String: String] = [:]
        for n in nodes { for a in n["attributes"] as! [[String: Any]] { mapping[a["full_name"] as! String] = a["checkpoint_key"] as? String } }
        #expect(try reader.fullNameToCheckpointKey() == mapping)
    }
}
