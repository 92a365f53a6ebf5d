import Foundation
import Testing
@testable import MetaGraphKit

@Suite("MetaGraph files")
struct MetaGraphFileTests {
    /// /dev/zero was read up to the 2 GiB limit, a FIFO blocked (hostile suite).
    @Test func aDeviceOrFIFOIsRefusedBeforeReading() throws {
        #expect(throws: MetaGraphKitError(.io, "")) { try MetaGraphFile.read("/dev/zero") }
        try withTemporaryDirectory { dir in
            #expect(mkfifo(dir + "/f.meta", 0o600) == 0)
            #expect(throws: MetaGraphKitError(.io, "")) { try MetaGraphFile.read(dir + "/f.meta") }
        }
    }

    @Test func binaryAndTextOfOneGraphGiveTheSameMessage() throws {
        let binary = try MetaGraphFile.read(Fixture.path("meta/train_graph.meta"))
        let text = try MetaGraphFile.read(Fixture.path("meta/train_graph.pbtxt"))
        #expect(binary.encoding == .binary)
        #expect(text.encoding == .text)
        // Same message: map entries may come in another order in TF's binary, and
        // text lists them sorted, so compare the (sorted) text forms.
        #expect(text.message.textFormat() == binary.message.textFormat())
    }

    @Test func summaryOfTheTrainingGraph() throws {
        let s = try #require(try MetaGraphFile.read(Fixture.path("meta/train_graph.meta")).summaries().first)
        #expect(s.tensorflowVersion == "2.21.0")
        #expect(s.nodeCount == s.opHistogram.reduce(0) { $0 + $1.count })
        let kinds = Dictionary(uniqueKeysWithValues: s.collections.map { ($0.name, $0.kind) })
        #expect(kinds["variables"] == .bytesList)
        #expect(kinds["train_op"] == .nodeList)
        #expect(kinds["custom_ints"] == .int64List)
        #expect(kinds["custom_floats"] == .floatList)
        #expect(kinds["custom_any"] == .anyList)
        let saver = try #require(s.saver)
        #expect(saver.version == .v2)
        #expect(saver.restoreOpName == "save/restore_all")
        #expect(saver.filenameTensorName == "save/Const:0")
        #expect(!s.hasObjectGraph)
    }

    @Test func savedModelListsItsSignatures() throws {
        let file = try MetaGraphFile.read(Fixture.path("saved_model"))
        #expect(file.kind == .savedModel)
        let s = try #require(try file.summaries().first)
        #expect(s.tags == ["serve"])
        #expect(s.hasObjectGraph)
        let serving = try #require(s.signatures.first { $0.key == "serving_default" })
        #expect(serving.inputs.first?.dtype == "float32")
        #expect(serving.inputs.first?.shape == [-1, 2])
    }

    @Test func convertWritesEachEncodingAtomically() throws {
        let file = try MetaGraphFile.read(Fixture.path("meta/train_graph.meta"))
        try withTemporaryDirectory { dir in
            for encoding in ProtoFileEncoding.allCases {
                let out = dir + "/out." + encoding.rawValue
                try file.write(to: out, as: encoding)
                let back = try FileIO.read(out)
                #expect(sameBytes(back, try file.encoded(as: encoding)))
            }
            let text = try MetaGraphFile.read(dir + "/out.text")
            #expect(text.message.textFormat() == file.message.textFormat())
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 3)
        }
    }

    @Test func theInputIsNeverOverwritten() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/g.meta"
            try FileIO.writeAtomically(try Fixture.bytes("meta/train_graph.meta"), to: path)
            let file = try MetaGraphFile.read(path)
            #expect(throws: MetaGraphKitError(.invalidArgument, "")) { try file.write(to: path, as: .text) }
        }
    }

    @Test func extensionsImplyEncodings() {
        #expect(ProtoFileEncoding.implied(by: "a.meta") == .binary)
        #expect(ProtoFileEncoding.implied(by: "a.pb") == .binary)
        #expect(ProtoFileEncoding.implied(by: "a.pbtxt") == .text)
        #expect(ProtoFileEncoding.implied(by: "a.txt") == .text)
        #expect(ProtoFileEncoding.implied(by: "a.json") == .json)
    }

    @Test(arguments: [
        ("garbage", [0xff, 0xfe, 0x00, 0x01] as [UInt8], MetaGraphKitError.Code.notAProtobuf),
        ("bad text", Array("meta_info_def { tags: \"x\" \n  bogus_field: 1 }".utf8), .unknownName),
        ("syntax", Array("meta_info_def { tags: }".utf8), .syntax),
    ])
    func badInputIsAClearError(name: String, bytes: [UInt8], code: MetaGraphKitError.Code) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/bad.meta"
            try FileIO.writeAtomically(bytes, to: path)
            do {
                _ = try MetaGraphFile.read(path)
                Issue.record("\(name) was accepted")
            } catch let error as MetaGraphKitError {
                #expect(error.code == code, "\(error.message)")
                #expect(error.message.contains("bad.meta"))
            }
        }
    }
}
