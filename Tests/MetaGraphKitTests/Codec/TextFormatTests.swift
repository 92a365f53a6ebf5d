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
        ("spellings.printed.txt", "spellings.pb", .metaGraphDef),
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

    /// The chunked printer (what `MetaGraphFile.write` streams to disk) gives the
    /// same bytes as `textFormat()`, whatever the chunk size.
    @Test(arguments: TextSample.pairs.map { $0.0 })
    func streamingPrintsTheSameBytes(_ textName: String) throws {
        let (_, binaryName, type) = TextSample.pairs.first { $0.0 == textName }!
        let message = try ProtoMessage(binary: try TextSample.bytes(binaryName), as: type, file: binaryName)
        let whole = Array(message.textFormat().utf8)
        for chunkSize in [1, 7, 100, 1 << 20] {
            var streamed: [UInt8] = []
            var chunks = 0
            try message.writeTextFormat(chunkSize: chunkSize) { streamed += $0; chunks += 1 }
            #expect(streamed == whole, "chunk size \(chunkSize)")
            if chunkSize == 1 { #expect(chunks > 1) }
        }
    }

    @Test func streamingStopsWithTheSinksError() throws {
        struct Full: Error {}
        let message = try ProtoMessage(binary: try TextSample.bytes("graph.meta"), as: .metaGraphDef)
        #expect(throws: Full.self) { try message.writeTextFormat(chunkSize: 10) { _ in throw Full() } }
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

    /// The fast paths of PythonFloatFormat agree with the slow ones they replace:
    /// `%g` through Foundation's String(format:), and the full digit re-layout.
    @Test func floatFastPathsMatchTheReference() {
        var generator = SystemRandomNumberGenerator()
        func reference(_ value: Float) -> String {
            var precision = 6
            while true {
                let rounded = Double(String(format: "%.\(precision)g", Double(value)))!
                if Float(rounded) == value || precision >= 17 { return PythonFloatFormat.relaidOut(rounded.description) }
                precision += 1
            }
        }
        for _ in 0..<20_000 {
            let f = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
            if f.isFinite { #expect(PythonFloatFormat.repr(f) == reference(f)) }
            let d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
            if d.isFinite { #expect(PythonFloatFormat.repr(d) == PythonFloatFormat.relaidOut(d.description)) }
            let near = Double.random(in: -1e17...1e17, using: &generator) / Double(10 << Int.random(in: 0...30))
            let typical = Float.random(in: -1e6...1e6, using: &generator) / Float(1 << Int.random(in: 0...20))
            #expect(PythonFloatFormat.repr(typical) == reference(typical))
            #expect(PythonFloatFormat.repr(near) == PythonFloatFormat.relaidOut(near.description))
        }
        for edge: Float in [1e-45, 1.17549435e-38, 1.1754942e-38, 3.4028235e38, 0.1, 99999, 123456.5, 2097152.25, -0.0, 0] {
            #expect(PythonFloatFormat.repr(edge) == reference(edge))
        }
        for _ in 0..<20_000 {
            let nice = Float(Int.random(in: -1_000_000...1_000_000, using: &generator)) / Float([1, 10, 100, 1000, 8, 1024].randomElement(using: &generator)!)
            #expect(PythonFloatFormat.repr(nice) == reference(nice))
        }
        for edge in [1e-4, 1e16, 9999999999999998.0, 0.00009999999999999999, 1e15, 2.0 * 1e15, 123.0, 0.5] {
            #expect(PythonFloatFormat.repr(edge) == PythonFloatFormat.relaidOut(edge.description))
        }
    }

    @Test func emptyMessagePrintsNothing() {
        #expect(ProtoMessage(empty: .saverDef).textFormat() == "")
    }
}

@Suite("Text format parser")
struct TextFormatParserTests {
    @Test(arguments: TextSample.pairs.map { $0.0 })
    func parsesToPythonsBinary(_ textName: String) throws {
        let (_, binaryName, type) = TextSample.pairs.first { $0.0 == textName }!
        let message = try ProtoMessage(text: try TextSample.text(textName), as: type, file: textName)
        #expect(message.binary() == (try TextSample.bytes(binaryName)))
        #expect(message.textFormat() == (try TextSample.text(textName)))
    }

    /// spellings.txt uses every syntax variant; Python parsed it into spellings.pb.
    @Test func parsesEverySpellingAsPythonDoes() throws {
        let message = try ProtoMessage(text: try TextSample.text("spellings.txt"), as: .metaGraphDef, file: "spellings.txt")
        #expect(message.binary() == (try TextSample.bytes("spellings.pb")))
    }

    /// Map entries are checked for key order where they lie in the encoding; keys
    /// and entries longer than 127 bytes move when their lengths are patched in.
    @Test(arguments: [5, 200])
    func mapEntriesAreSortedAndTheLastOfEqualKeysWins(_ length: Int) throws {
        let k = String(repeating: "k", count: length)
        let v = String(repeating: "v", count: length)
        func node(_ attrs: [(String, String)]) -> String {
            "graph_def { node { name: \"n\" " + attrs.map { "attr { key: \"\($0.0)\" value { s: \"\($0.1)\" } } " }.joined() + "} }"
        }
        let given = node([(k + "c", v + "1"), (k + "a", v + "2"), (k + "c", v + "3"), (k + "b", v + "4")])
        let expected = node([(k + "a", v + "2"), (k + "b", v + "4"), (k + "c", v + "3")])
        let parsed = try ProtoMessage(text: given, as: .metaGraphDef)
        #expect(parsed.binary() == (try ProtoMessage(text: expected, as: .metaGraphDef)).binary())
        let inOrder = node([(k + "a", v + "1"), (k + "b", v + "2"), (k + "c", v + "3")])
        let reversed = node([(k + "c", v + "3"), (k + "b", v + "2"), (k + "a", v + "1")])
        #expect(try ProtoMessage(text: inOrder, as: .metaGraphDef).binary()
                == (try ProtoMessage(text: reversed, as: .metaGraphDef)).binary())
    }

    @Test func acceptsEverySpelling() throws {
        let text = """
            # a comment
            filename_tensor_name: 'a' "b" 'c\\'\\x41\\101\\u00e9' ,
            save_tensor_name: "\\U0001F600";
            max_to_keep: 0x10 keep_checkpoint_every_n_hours: 1.5f
            sharded: t
            version: 2
            """
        let m = try ProtoMessage(text: text, as: .saverDef)
        #expect(m.textFormat() == """
            filename_tensor_name: "abc\\'AAé"
            save_tensor_name: "😀"
            max_to_keep: 16
            sharded: true
            keep_checkpoint_every_n_hours: 1.5
            version: V2

            """)
    }

    @Test func listsBlocksAndPointyBrackets() throws {
        let text = """
            node: [ { name: "a" op: "Const" input: ["x", "y"] }, < name: "b" > ]
            node { name: "c" attr { key: "z" value { f: -inf } } attr < key: "a" value: { i: -010 } > }
            versions { producer: 7 }
            """
        let m = try ProtoMessage(text: text, as: .graphDef)
        #expect(m.textFormat() == """
            node {
              name: "a"
              op: "Const"
              input: "x"
              input: "y"
            }
            node {
              name: "b"
            }
            node {
              name: "c"
              attr {
                key: "a"
                value {
                  i: -8
                }
              }
              attr {
                key: "z"
                value {
                  f: -inf
                }
              }
            }
            versions {
              producer: 7
            }

            """)
    }

    @Test func floatsSpelledEveryWay() throws {
        let m = try ProtoMessage(text: "float_val: [inf, -Infinity, nan, 1e3, .5, 2f, -0, 1E-2] dtype: DT_FLOAT",
                                 as: .tensorProto)
        #expect(m.textFormat() == """
            dtype: DT_FLOAT
            float_val: inf
            float_val: -inf
            float_val: nan
            float_val: 1000.0
            float_val: 0.5
            float_val: 2.0
            float_val: -0.0
            float_val: 0.01

            """)
    }

    @Test func anyInBothForms() throws {
        let expanded = try ProtoMessage(
            text: "[type.googleapis.com/tensorflow.SaverDef] { max_to_keep: 3 version: V2 }", as: .any)
        let plain = try ProtoMessage(
            text: #"type_url: "type.googleapis.com/tensorflow.SaverDef" value: "\040\003\070\002""#, as: .any)
        #expect(expanded.binary() == plain.binary())
        #expect(plain.textFormat() == "[type.googleapis.com/tensorflow.SaverDef] {\n  max_to_keep: 3\n  version: V2\n}\n")
    }

    @Test func mapEntriesSortedLastWins() throws {
        let m = try ProtoMessage(text: """
            node { attr { key: "b" value { i: 1 } } attr { key: "a" value { i: 2 } } attr { key: "b" value { i: 3 } } }
            """, as: .graphDef)
        #expect(m.textFormat().filter { $0 != " " && $0 != "\n" } == #"node{attr{key:"a"value{i:2}}attr{key:"b"value{i:3}}}"#)
    }

    @Test(arguments: [
        ("max_to_keep: 1\nversion: V9", MetaGraphKitError.Code.unknownName, "t.txt:2:10:"),
        ("max_to_keep 1", .syntax, "t.txt:1:13:"),
        ("  bogus: 1", .unknownName, "t.txt:1:3:"),
        ("max_to_keep: 1\n  max_to_keep: 2", .syntax, "t.txt:2:3:"),
        ("max_to_keep: 99999999999", .syntax, "t.txt:1:14:"),
        ("filename_tensor_name: \"abc", .syntax, "t.txt:1:23:"),
        ("filename_tensor_name: \"a\\qb\"", .syntax, "t.txt:1:25:"),
        ("é: 1", .syntax, "t.txt:1:1:"),
        ("sharded: maybe", .syntax, "t.txt:1:10:"),
        ("max_to_keep: 1 }", .syntax, "t.txt:1:16:"),
        ("filename_tensor_name: 1", .syntax, "t.txt:1:23:"),
    ])
    func errorsSayWhere(_ text: String, _ code: MetaGraphKitError.Code, _ prefix: String) {
        do {
            _ = try ProtoMessage(text: text, as: .saverDef, file: "t.txt")
            Issue.record("parsed: \(text)")
        } catch let error as MetaGraphKitError {
            #expect(error.code == code)
            #expect(error.message.hasPrefix(prefix), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func unclosedBlock() {
        #expect(throws: MetaGraphKitError(.syntax, "")) {
            _ = try ProtoMessage(text: "node {\n name: \"a\"\n", as: .graphDef)
        }
    }

    @Test func deepNestingIsTooDeep() throws {
        let type = ProtoMessageType.named("tensorflow.FullTypeDef")!
        let ok = String(repeating: "args { ", count: 100) + String(repeating: "} ", count: 100)
        _ = try ProtoMessage(text: ok, as: type)
        let deep = String(repeating: "args { ", count: 101) + String(repeating: "} ", count: 101)
        #expect(throws: MetaGraphKitError(.tooDeep, "")) { _ = try ProtoMessage(text: deep, as: type) }
        let huge = String(repeating: "args { ", count: 100_000)
        #expect(throws: MetaGraphKitError(.tooDeep, "")) { _ = try ProtoMessage(text: huge, as: type) }
    }
}

@Suite("JSON mapping")
struct JSONMappingTests {
    @Test func checkpointState() throws {
        let m = try ProtoMessage(binary: try TextSample.bytes("checkpoint.pb"), as: .checkpointState)
        #expect(try m.json() == #"{"modelCheckpointPath":"/tmp/ck/model-2","allModelCheckpointPaths":["/tmp/ck/model-1","/tmp/ck/model-2"],"allModelCheckpointTimestamps":[1795555379.5780394,1795555379.5925772],"lastPreservedTimestamp":1795555378.5200078}"#)
    }

    @Test func scalarsMapsAndAny() throws {
        let m = try ProtoMessage(text: """
            meta_info_def { any_info { [type.googleapis.com/tensorflow.SaverDef] { max_to_keep: 2 } } }
            graph_def { node { name: "n" attr { key: "v" value { tensor { dtype: DT_FLOAT float_val: [nan, 0.1]
              int64_val: -5 string_val: "\\377a" } } } attr { key: "b" value { b: true } } } }
            collection_def { key: "w" value { any_list { value { [type.googleapis.com/google.protobuf.BoolValue] { value: true } } } } }
            """, as: .metaGraphDef)
        #expect(try m.json() == #"{"metaInfoDef":{"anyInfo":{"@type":"type.googleapis.com/tensorflow.SaverDef","maxToKeep":2}},"#
            + #""graphDef":{"node":[{"name":"n","attr":{"b":{"b":true},"v":{"tensor":{"dtype":"DT_FLOAT","floatVal":["NaN",0.1],"#
            + #""stringVal":["/2E="],"int64Val":["-5"]}}}}]},"#
            + #""collectionDef":{"w":{"anyList":{"value":[{"@type":"type.googleapis.com/google.protobuf.BoolValue","value":true}]}}}}"#)
    }

    @Test func emptyIsEmptyObject() throws {
        #expect(try ProtoMessage(empty: .saverDef).json(pretty: true) == "{}")
    }
}

/// Writes our text and JSON of every sample into `.build/interop/textformat` for
/// `Tests/Interop/test_textformat.py`, which checks them with Python's codecs.
@Suite("Text format interop files")
struct TextFormatInteropFiles {
    @Test func write() throws {
        let out = Fixture.root.deletingLastPathComponent()
            .appendingPathComponent(".build/interop/textformat")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for (textName, binaryName, type) in TextSample.pairs {
            let stem = out.appendingPathComponent(binaryName.replacingOccurrences(of: ".", with: "_")).path
            let binary = try TextSample.bytes(binaryName)
            let fromBinary = try ProtoMessage(binary: binary, as: type, file: binaryName)
            let fromText = try ProtoMessage(text: try TextSample.text(textName), as: type, file: textName)
            try Data(binary).write(to: URL(fileURLWithPath: stem + ".bin"))
            try Data(fromText.binary()).write(to: URL(fileURLWithPath: stem + ".parsed.bin"))
            try fromBinary.textFormat().write(toFile: stem + ".txt", atomically: true, encoding: .utf8)
            // An Any of a type we do not know has no proto3 JSON form: the refusal is
            // written instead, for the Python side to compare with json_format's.
            try? FileManager.default.removeItem(atPath: stem + ".json")
            try? FileManager.default.removeItem(atPath: stem + ".json.error")
            do {
                try fromBinary.json(pretty: true).write(toFile: stem + ".json", atomically: true, encoding: .utf8)
            } catch let error as MetaGraphKitError {
                try error.message.write(toFile: stem + ".json.error", atomically: true, encoding: .utf8)
            }
            try type.fullName.write(toFile: stem + ".type", atomically: true, encoding: .utf8)
        }
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".type") }
        #expect(written.count >= TextSample.pairs.count)
    }
}

@Suite("Text format strings")
struct TextFormatStringTests {
    @Test func stringFieldsKeepUTF8AndEscapeTheRest() throws {
        let m = try ProtoMessage(text: #"filename_tensor_name: "a\377\303\251\n\355\240\200 \t\"\\""#, as: .saverDef)
        #expect(m.textFormat() == #"filename_tensor_name: "a\377é\n\355\240\200 \t\"\\""# + "\n")
    }

    @Test func bytesFieldsEscapeEverythingNonASCII() throws {
        let m = try ProtoMessage(text: #"string_val: "é\x7f\x0""#, as: .tensorProto)
        #expect(m.textFormat() == #"string_val: "\303\251\177\000""# + "\n")
    }

    @Test func nulInAStringFieldIsRefusedNotCut() {
        #expect(throws: MetaGraphKitError(.unsupported, "")) {
            _ = try ProtoMessage(text: #"filename_tensor_name: "a\000b""#, as: .saverDef)
        }
    }

    @Test func badUnicodeEscapes() {
        #expect(throws: MetaGraphKitError(.syntax, "")) {
            _ = try ProtoMessage(text: #"filename_tensor_name: "\ud800""#, as: .saverDef)
        }
        #expect(throws: MetaGraphKitError(.syntax, "")) {
            _ = try ProtoMessage(text: #"filename_tensor_name: "\u12""#, as: .saverDef)
        }
        #expect(throws: MetaGraphKitError(.syntax, "")) {
            _ = try ProtoMessage(text: #"filename_tensor_name: "\400""#, as: .saverDef)
        }
    }
}

@Suite("Text format robustness")
struct TextFormatRobustnessTests {
    /// Mutated text either parses or throws a MetaGraphKitError; whatever parses
    /// prints and parses back to the same message. (Compared as text: a map entry
    /// whose key is given as its default keeps that key's presence in binary, while
    /// the printed text, like Python's, leaves it out.)
    @Test func mutatedTextNeverCrashes() throws {
        let original = Array(try TextSample.text("spellings.txt").utf8)
        let alphabet = Array("{}<>[]:;,\"'\\#-+.0x7e9fnu \n\u{00}\u{ff}aZ_/".utf8)
        var state: UInt64 = 0x9e3779b97f4a7c15
        func random(_ n: Int) -> Int {
            state &+= 0x9e3779b97f4a7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
            z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
        var parsed = 0
        for _ in 0..<1500 {
            var bytes = original
            for _ in 0...random(4) {
                let i = random(bytes.count)
                switch random(3) {
                case 0: bytes[i] = alphabet[random(alphabet.count)]
                case 1: bytes.remove(at: i)
                default: bytes.insert(alphabet[random(alphabet.count)], at: i)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let m = try ProtoMessage(text: text, as: .metaGraphDef, file: "fuzz")
                let again = try ProtoMessage(text: m.textFormat(), as: .metaGraphDef, file: "reprint")
                #expect(again.textFormat() == m.textFormat())
                parsed += 1
            } catch let error as MetaGraphKitError {
                #expect(error.message.hasPrefix("fuzz:"), "\(error.message)")
            }
        }
        #expect(parsed > 0)
    }
}
