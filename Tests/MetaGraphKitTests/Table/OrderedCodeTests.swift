import Testing
@testable import MetaGraphKit

@Suite("OrderedCode")
struct OrderedCodeTests {
    func signed(_ v: Int64) -> [UInt8] { var o: [UInt8] = []; OrderedCode.appendSignedNumIncreasing(v, to: &o); return o }
    func num(_ v: UInt64) -> [UInt8] { var o: [UInt8] = []; OrderedCode.appendNumIncreasing(v, to: &o); return o }

    @Test func numIncreasing() {
        #expect(num(0) == [0x00])
        #expect(num(2) == [0x01, 0x02])
        #expect(num(256) == [0x02, 0x01, 0x00])
    }

    @Test func string() {
        var o: [UInt8] = []
        OrderedCode.appendString([0x61, 0x00, 0x62, 0xff, 0x63], to: &o)
        #expect(o == [0x61, 0x00, 0xff, 0x62, 0xff, 0x00, 0x63, 0x00, 0x01])
    }

    static let signedExamples: [(Int64, String)] = [
        (0, "80"), (3, "83"), (4, "84"), (7, "87"), (-1, "7f"), (-64, "40"), (63, "bf"),
        (70_000_000, "f4 2c 1d 80"), (8_999_999_990, "fa 18 71 19 f6"),
    ]

    @Test(arguments: signedExamples)
    func signedNumIncreasing(_ value: Int64, _ expected: String) {
        #expect(signed(value) == [UInt8](hex: expected))
    }

    @Test func signedOrderIsPreserved() {
        let values: [Int64] = [.min, -1 << 40, -70_000_000, -65, -64, -1, 0, 1, 63, 64, 1 << 20, 1 << 56, .max]
        let encoded = values.map(signed)
        for i in 1..<encoded.count { #expect(Block.compare(encoded[i - 1], encoded[i]) < 0, "\(values[i - 1]) < \(values[i])") }
        #expect(signed(.max).count == 10 && signed(.min).count == 10)
    }

    @Test func sliceKeys() {
        #expect(OrderedCode.tensorNameSliceKey(name: "x", slice: TensorSlice(extents: [.init()]))
            == [UInt8](hex: "00 78 00 01 01 01 80 7f"))
        #expect(OrderedCode.tensorNameSliceKey(name: "scal", slice: TensorSlice(extents: []))
            == [UInt8](hex: "00 73 63 61 6c 00 01 00"))
        #expect(OrderedCode.tensorNameSliceKey(name: "part", slice: TensorSlice(extents: [.init(start: 4, length: 3), .init(start: 0, length: 3)]))
            == [UInt8](hex: "00 70617274 00 01 01 02 84 83 80 83"))
        #expect(OrderedCode.tensorNameSliceKey(name: "x", slice: TensorSlice(extents: [.init(start: 0, length: 2), .init()]))
            == [UInt8](hex: "00 78 00 01 01 02 80 82 80 7f"))
    }
}
