import Foundation
@testable import MetaGraphKit

/// Builds small tables and protobuf bytes for tests (one data block, restart
/// interval 16, optional Snappy literal-only compression), the layout of FORMATS §1.
enum TestTable {
    static func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    static func block(_ entries: [(key: [UInt8], value: [UInt8])], interval: Int = 16) -> [UInt8] {
        var out: [UInt8] = []
        var restarts: [UInt32] = []
        var previous: [UInt8] = []
        for (i, e) in entries.enumerated() {
            var shared = 0
            if i % interval == 0 { restarts.append(UInt32(out.count)) } else {
                while shared < min(previous.count, e.key.count) && previous[shared] == e.key[shared] { shared += 1 }
            }
            out += varint(shared) + varint(e.key.count - shared) + varint(e.value.count)
            out += e.key[shared...] + e.value
            previous = e.key
        }
        if restarts.isEmpty { restarts = [0] }
        for r in restarts { out += u32(r) }
        return out + u32(UInt32(restarts.count))
    }

    static func handle(_ offset: Int, _ size: Int) -> [UInt8] { varint(offset) + varint(size) }

    /// A literal-only Snappy stream of `bytes` (< 60 bytes per literal chunk).
    static func snappy(_ bytes: [UInt8]) -> [UInt8] {
        var out = varint(bytes.count)
        var i = 0
        while i < bytes.count {
            let n = min(60, bytes.count - i)
            out.append(UInt8((n - 1) << 2))
            out += bytes[i..<i + n]
            i += n
        }
        return out
    }

    static func appendBlock(_ contents: [UInt8], type: UInt8 = 0, to file: inout [UInt8]) -> (Int, Int) {
        let offset = file.count
        file += contents
        file.append(type)
        file += u32(CRC32C.mask(CRC32C.extend(CRC32C.checksum(contents), [type])))
        return (offset, contents.count)
    }

    static func table(_ entries: [(key: [UInt8], value: [UInt8])], snappy useSnappy: Bool = false) -> [UInt8] {
        var file: [UInt8] = []
        let raw = block(entries)
        let data = useSnappy ? appendBlock(snappy(raw), type: 1, to: &file) : appendBlock(raw, to: &file)
        let meta = appendBlock(block([]), to: &file)
        let indexKey = entries.last?.key ?? []
        let index = appendBlock(block([(indexKey, handle(data.0, data.1))], interval: 1), to: &file)
        var footer = handle(meta.0, meta.1) + handle(index.0, index.1)
        footer += [UInt8](repeating: 0, count: 40 - footer.count)
        footer += [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]
        return file + footer
    }

    // MARK: - Protobuf bytes

    static func field(_ number: Int, varint value: UInt64) -> [UInt8] {
        varint(number << 3) + u64varint(value)
    }

    static func field(_ number: Int, bytes: [UInt8]) -> [UInt8] {
        varint(number << 3 | 2) + varint(bytes.count) + bytes
    }

    static func field(_ number: Int, fixed32 value: UInt32) -> [UInt8] {
        varint(number << 3 | 5) + u32(value)
    }

    static func u64varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        out.append(UInt8(v))
        return out
    }

    static func shape(_ dims: [Int64]) -> [UInt8] {
        dims.flatMap { field(2, bytes: field(1, varint: UInt64(bitPattern: $0))) }
    }

    /// A BundleEntryProto.
    static func entry(dtype: Int, shape dims: [Int64], shard: Int = 0, offset: Int = 0, size: Int, crc: UInt32,
                      slices: [[UInt8]] = []) -> [UInt8] {
        field(1, varint: UInt64(dtype)) + field(2, bytes: shape(dims)) + (shard == 0 ? [] : field(3, varint: UInt64(shard)))
            + field(4, varint: UInt64(offset)) + field(5, varint: UInt64(size)) + field(6, fixed32: crc)
            + slices.flatMap { field(7, bytes: $0) }
    }

    static let header: [UInt8] = [0x08, 0x01, 0x1a, 0x02, 0x08, 0x01]

    /// Writes a V2 bundle `dir/name` from index entries and one data file.
    static func writeBundle(_ dir: String, _ name: String, entries: [(String, [UInt8])], data: [UInt8],
                            header: [UInt8] = header) throws -> String {
        let prefix = dir + "/" + name
        let sorted = entries.map { (Array($0.0.utf8), $0.1) }.sorted { Block.compare($0.0, $1.0) < 0 }
        try Data(table([([], header)] + sorted)).write(to: URL(fileURLWithPath: prefix + ".index"))
        try Data(data).write(to: URL(fileURLWithPath: prefix + ".data-00000-of-00001"))
        return prefix
    }

    static func floats(_ values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 { CRC32C.mask(CRC32C.checksum(bytes)) }
}

extension Array where Element == UInt8 {
    init(hex: String) {
        let digits = hex.filter { $0.isHexDigit }
        var out: [UInt8] = []
        var i = digits.startIndex
        while i < digits.endIndex {
            let j = digits.index(i, offsetBy: 2)
            out.append(UInt8(digits[i..<j], radix: 16)!)
            i = j
        }
        self = out
    }
}
