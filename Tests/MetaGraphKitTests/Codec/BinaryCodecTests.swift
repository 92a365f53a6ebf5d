import Foundation
import Testing
@testable import MetaGraphKit

@Suite("Binary codec")
struct BinaryCodecTests {
    @Test func smoke() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "/tmp/t.meta")))
        let m = try ProtoMessage(binary: bytes, as: .metaGraphDef, file: "t.meta")
        #expect(m.binary() == bytes)
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        // AttrValue.list(1) -> ListValue.func(9) -> NameAttrList.attr(2) map ... build
        // TensorShapeProto-free recursion through FullTypeDef.args (field 2), 100k deep.
        var bytes: [UInt8] = []
        for _ in 0..<100_000 { bytes = [0x12] + varint(bytes.count) + bytes }
        let type = ProtoMessageType.named("tensorflow.FullTypeDef")!
        #expect(throws: MetaGraphKitError(.tooDeep, "")) {
            _ = try ProtoMessage(binary: bytes, as: type, file: "deep.pb")
        }
    }

    @Test func truncatedIsAnError() throws {
        #expect(throws: MetaGraphKitError(.notAProtobuf, "")) {
            _ = try ProtoMessage(binary: [0x0a, 0x05, 0x01], as: .saverDef, file: "x")
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
