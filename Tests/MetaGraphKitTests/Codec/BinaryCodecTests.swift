import Foundation
import Testing
@testable import MetaGraphKit

@Suite("Binary codec")
struct BinaryCodecTests {
    /// Binary files TensorFlow wrote: decoding and encoding again gives the same bytes
    /// (field order, packing, map order and unknown fields all kept).
    @Test(arguments: [
        ("meta/train_graph.meta", "tensorflow.MetaGraphDef"),
        ("meta/while_loop.meta", "tensorflow.MetaGraphDef"),
        ("meta/function_library.meta", "tensorflow.MetaGraphDef"),
        ("saved_model/saved_model.pb", "tensorflow.SavedModel"),
    ])
    func tensorflowFilesRoundTripByteForByte(file: String, type: String) throws {
        let bytes = try Fixture.bytes(file)
        let m = try ProtoMessage(binary: bytes, as: ProtoMessageType.named(type)!, file: file)
        #expect(m.binarySize == bytes.count)
        #expect(sameBytes(m.binary(), bytes))
    }

    @Test func unknownFieldsAreKept() throws {
        // SaverDef{max_to_keep: 5} plus field 99 (varint 7) and field 100 (bytes "hi").
        let bytes: [UInt8] = [0x20, 0x05, 0x98, 0x06, 0x07, 0xa2, 0x06, 0x02, 0x68, 0x69]
        let m = try ProtoMessage(binary: bytes, as: .saverDef, file: "x")
        #expect(try SaverDef(m).maxToKeep == 5)
        #expect(sameBytes(m.binary(), bytes))
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        // FullTypeDef.args (field 2) nested 2,000 deep: protobuf-c would recurse.
        var bytes: [UInt8] = []
        for _ in 0..<2_000 { bytes = [0x12] + varint(bytes.count) + bytes }
        let type = ProtoMessageType.named("tensorflow.FullTypeDef")!
        #expect(throws: MetaGraphKitError(.tooDeep, "")) {
            _ = try ProtoMessage(binary: bytes, as: type, file: "deep.pb")
        }
        // Within the limit it decodes.
        var shallow: [UInt8] = []
        for _ in 0..<50 { shallow = [0x12] + varint(shallow.count) + shallow }
        #expect(try ProtoMessage(binary: shallow, as: type).binary() == shallow)
    }

    /// Each hostile input names its problem: a length past the end, a varint that
    /// does not end, a group wire type, a field number 0.
    @Test(arguments: [
        [0x0a, 0x05, 0x01] as [UInt8],
        [0x20, 0xff, 0xff, 0xff],
        [0x0b, 0x00],
        [0x00, 0x01],
        [0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    ])
    func malformedBytesAreAnErrorNotACrash(bytes: [UInt8]) throws {
        #expect(throws: MetaGraphKitError(.notAProtobuf, "")) {
            _ = try ProtoMessage(binary: bytes, as: .saverDef, file: "x")
        }
    }

    @Test func truncatedMetaFileNamesTheFile() throws {
        let bytes = Array(try Fixture.bytes("meta/train_graph.meta").prefix(3000))
        do {
            _ = try ProtoMessage(binary: bytes, as: .metaGraphDef, file: "cut.meta")
            Issue.record("a truncated file decoded")
        } catch let error as MetaGraphKitError {
            #expect(error.code == .notAProtobuf)
            #expect(error.message.hasPrefix("cut.meta: "))
        }
    }
}

func varint(_ value: Int) -> [UInt8] {
    var v = UInt64(value)
    var out: [UInt8] = []
    while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
    out.append(UInt8(v))
    return out
}

@Suite("Binary codec limits")
struct BinaryCodecLimitTests {
    /// protobuf-c strings end at the first NUL: a name with one would be cut short
    /// silently, so it is refused instead (found by the state module's review).
    @Test func aNulByteInAStringFieldIsRefused() {
        // SaverDef.filename_tensor_name = "a\0b"
        let bytes: [UInt8] = [0x0a, 0x03, 0x61, 0x00, 0x62]
        #expect(throws: MetaGraphKitError(.unsupported, "")) {
            _ = try ProtoMessage(binary: bytes, as: .saverDef, file: "x")
        }
    }

    @Test func aNulByteInABytesFieldIsKept() throws {
        // TensorProto.tensor_content = "\0\1"
        let bytes: [UInt8] = [0x22, 0x02, 0x00, 0x01]
        #expect(try ProtoMessage(binary: bytes, as: .tensorProto).binary() == bytes)
    }
}
