import Foundation
import Testing
internal import CTFProtos
internal import CProtobufC
@testable import MetaGraphKit

/// The mutation layer on its own: every edit leaves a message protobuf-c can pack
/// and free (the AddressSanitizer run with leak detection checks the freeing).
@Suite("Mutation layer (CMutation)")
struct MutationTests {
    static let nodeType = ProtoMessageType.named("tensorflow.NodeDef")!
    static let attrEntryType = ProtoMessageType.named("tensorflow.NodeDef.AttrEntry")!

    @Test func stringsAreReplacedRemovedAndAppended() throws {
        let node = ProtoMessage(empty: Self.nodeType)
        node.withStruct(as: Tensorflow__NodeDef.self) { n in
            CMutation.setString(&n.pointee.name, "a/b")
            CMutation.setString(&n.pointee.name, "c")            // frees "a/b"
            CMutation.setString(&n.pointee.device, "")           // shared empty string, never freed
            CMutation.setString(&n.pointee.device, "/cpu:0")
            for s in ["x", "y", "^z"] { CMutation.appendString(&n.pointee.input, count: &n.pointee.n_input, s) }
            let removed = CMutation.removeStrings(&n.pointee.input, count: &n.pointee.n_input) { $0 == "y" }
            #expect(removed == 1)
            CMutation.mapStrings(n.pointee.input, count: n.pointee.n_input) { $0 + "!" }
            CMutation.mapString(&n.pointee.op) { _ in "Identity" }
        }
        let again = try ProtoMessage(binary: node.binary(), as: Self.nodeType)
        again.withStruct(as: Tensorflow__NodeDef.self) { n in
            #expect(CString.string(n.pointee.name) == "c")
            #expect(CString.string(n.pointee.op) == "Identity")
            #expect(CString.string(n.pointee.device) == "/cpu:0")
            #expect(CString.strings(n.pointee.input, count: n.pointee.n_input) == ["x!", "^z!"])
        }
    }

    @Test func messagesAndBytesAreAppendedAndRemoved() throws {
        let node = ProtoMessage(empty: Self.nodeType)
        node.withStruct(as: Tensorflow__NodeDef.self) { n in
            for key in ["_class", "T", "drop"] {
                let entry = CMutation.newMessage(Self.attrEntryType, as: Tensorflow__NodeDef__AttrEntry.self)
                CMutation.setString(&entry.pointee.key, key)
                let value = CMutation.newMessage(.attrValue, as: Tensorflow__AttrValue.self)
                let list = CMutation.newMessage(ProtoMessageType.named("tensorflow.AttrValue.ListValue")!,
                                                as: Tensorflow__AttrValue__ListValue.self)
                for s in ["loc:@a", "loc:@b"] {
                    CMutation.appendBytes(&list.pointee.s, count: &list.pointee.n_s, Array(s.utf8))
                }
                value.pointee.value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST
                value.pointee.list = list
                CMutation.setMessage(&entry.pointee.value, value)
                CMutation.appendMessage(&n.pointee.attr, count: &n.pointee.n_attr, entry)
            }
            CMutation.removeMessages(n.pointee.attr, count: &n.pointee.n_attr) {
                CString.string($0.pointee.key) == "drop"
            }
            let list = n.pointee.attr[0]!.pointee.value!.pointee.list!
            let dropped = CMutation.mapBytes(list.pointee.s, count: &list.pointee.n_s) { bytes in
                bytes == Array("loc:@a".utf8) ? nil : Array("loc:@bb".utf8)
            }
            #expect(dropped == 1)
        }
        let again = try GraphSnapshotNode(node)
        #expect(again.keys == ["_class", "T"])
        #expect(again.first == ["loc:@bb"])
    }

    @Test func removingEverythingLeavesAnEmptyButValidMessage() throws {
        let graph = try ConversionSamples.metaGraph("graph.meta")
        let result = try MetaGraphTransform.rescope(graph, options: RescopeOptions(scope: .strip("zzz")))
        let again = try ProtoMessage(binary: result.metaGraph.binary(), as: .metaGraphDef)
        #expect(try GraphSnapshot(again).nodes.isEmpty)
    }
}

/// Reads back the attrs of a NodeDef message built by the tests.
struct GraphSnapshotNode {
    var keys: [String] = []
    var first: [String] = []
    init(_ node: ProtoMessage) throws {
        let again = try ProtoMessage(binary: node.binary(), as: MutationTests.nodeType)
        again.withStruct(as: Tensorflow__NodeDef.self) { n in
            for i in 0..<n.pointee.n_attr {
                keys.append(CString.string(n.pointee.attr[i]!.pointee.key))
            }
            if let list = n.pointee.attr[0]?.pointee.value?.pointee.list {
                first = (0..<list.pointee.n_s).map { String(decoding: CMutation.bytes(list.pointee.s[$0]), as: UTF8.self) }
            }
        }
    }
}
