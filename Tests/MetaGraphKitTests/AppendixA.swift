@testable import MetaGraphKit

/// The annotated hexdumps of FORMATS.md Appendix A, byte for byte (TF 2.21 output).
enum AppendixA {
    /// A.1 `m.index` (138 bytes): `SaveV2(['a','b'], [float32 [1,2], string "hi"])`.
    static let bundleIndex = [UInt8](hex: """
        00 00 06 08 01 1a 02 08 01
        00 01 0f 61 08 01 12 04 12 02 08 02 28 08 35 59 3c e5 35
        00 01 0d 62 08 07 12 00 20 08 28 07 35 09 eb 4d 15
        00 00 00 00 01 00 00 00
        00 1d 60 81 c6
        00 00 00 00 01 00 00 00
        00 c0 f2 a1 b0
        00 01 02 63 00 35
        00 00 00 00 01 00 00 00
        00 7e 2c 7d 04
        3a 08 47 0e
        """) + [UInt8](repeating: 0, count: 36) + [UInt8](hex: "57 fb 80 8b 24 75 47 db")

    /// A.1 `m.data-00000-of-00001` (15 bytes).
    static let bundleData = [UInt8](hex: "00 00 80 3f 00 00 00 40 02 d8 d8 10 73 68 69")

    /// A.2 data block with trailer (71 bytes): `SaveSlices('v1', ['x'], [''], [float32 [1,2]])`.
    static let v1DataBlock = [UInt8](hex: """
        00 00 17 0a 15 0a 0f 0a 01 78 12 04 12 02 08 02 18 01 22 02 0a 00 12 02 08 01
        00 08 15 00 78 00 01 01 01 80 7f
        12 13 0a 01 78 12 02 0a 00 1a 0a 2a 08 00 00 80 3f 00 00 00 40
        00 00 00 00 01 00 00 00
        00 9f d4 a3 07
        """)

    /// A.2 whole (151 bytes): the data block above, then the metaindex, index
    /// (key 01, handle (0, 66)) and footer as the appendix describes them.
    static var v1File: [UInt8] {
        var file = v1DataBlock
        file += [UInt8](hex: "00 00 00 00 01 00 00 00 00 c0 f2 a1 b0")
        _ = TestTable.appendBlock([UInt8](hex: "00 01 02 01 00 42 00 00 00 00 01 00 00 00"), to: &file)
        var footer = [UInt8](hex: "47 08 54 0e")
        footer += [UInt8](repeating: 0, count: 36)
        return file + footer + [UInt8](hex: "57 fb 80 8b 24 75 47 db")
    }
}
