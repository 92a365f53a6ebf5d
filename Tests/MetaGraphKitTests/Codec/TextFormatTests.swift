import Foundation
import Testing
@testable import MetaGraphKit

/// Samples written by TensorFlow 2.21 / protobuf 7 (see TextFormatSamples/README.md).
enum TextSample {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().appendingPathComponent("TextFormatSamples")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(name)))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try bytes(name), as: UTF8.self)
    }

    /// (text file, binary file, type) triples: the same message written both ways.
    static let pairs: [(String, String, ProtoMessageType)] = [
        ("graph.meta.txt", "graph.meta", .metaGraphDef),
        ("zoo.txt", "zoo.pb", .metaGraphDef),
        ("checkpoint", "checkpoint.pb", .checkpointState),
    ]
}

@Suite("Text format printer")
struct TextFormatPrinterTests {
    @Test(arguments: TextSample.pairs.map { $0.0 })
    func printsWhatPythonPrints(_ textName: String) throws {
        let (_, binaryName, type) = TextSample.pairs.first { $0.0 == textName }!
        let message = try ProtoMessage(binary: try TextSample.bytes(binaryName), as: type, file: binaryName)
        let ours = message.textFormat()
        let python = try TextSample.text(textName)
        if ours != python {
            let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
            let b = python.split(separator: "\n", omittingEmptySubsequences: false)
            let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record("first difference at line \(i + 1): ours \(i < a.count ? String(a[i]) : "<end>") python \(i < b.count ? String(b[i]) : "<end>")")
        }
        #expect(ours == python)
    }

    @Test func floatsAsPythonPrintsThem() {
        #expect(PythonFloatFormat.repr(Float(0.1)) == "0.1")
        #expect(PythonFloatFormat.repr(Float(123456789)) == "123456790.0")
        #expect(PythonFloatFormat.repr(Float(1e-45)) == "1.4013e-45")
        #expect(PythonFloatFormat.repr(-Float.infinity) == "-inf")
        #expect(PythonFloatFormat.repr(1e16) == "1e+16")
        #expect(PythonFloatFormat.repr(1e15) == "1000000000000000.0")
        #expect(PythonFloatFormat.repr(0.0001) == "0.0001")
        #expect(PythonFloatFormat.repr(0.00001) == "1e-05")
        #expect(PythonFloatFormat.repr(-0.0) == "-0.0")
        #expect(PythonFloatFormat.repr(Double.nan) == "nan")
    }

    @Test func emptyMessagePrintsNothing() {
        #expect(ProtoMessage(empty: .saverDef).textFormat() == "")
    }
}
