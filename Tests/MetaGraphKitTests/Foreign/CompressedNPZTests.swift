import Foundation
import Testing
@testable import MetaGraphKit

/// npz files written by `np.savez_compressed` (deflated members): read by every
/// command through the same reader, each tensor inflated when asked for, the
/// sizes checked before anything is allocated.
@Suite("Compressed npz")
struct CompressedNPZTests {
    static let path = Fixture.path("npz/compressed.npz")

    /// numpy's own reading of the fixture (Fixtures/generate.py, section npz).
    static func expected() throws -> [String: (dtype: String, shape: [Int], values: [Any])] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixture.path("npz/compressed.values.json"))))
        var out: [String: (String, [Int], [Any])] = [:]
        for (k, v) in json as! [String: [String: Any]] {
            out[k] = (v["dtype"] as! String, v["shape"] as! [Int], v["values"] as! [Any])
        }
        return out
    }

    @Test func everyTensorEqualsNumpysValues() throws {
        let reader = try CheckpointReader(path: Self.path)
        #expect(reader.formatName == "npz")
        let expected = try Self.expected()
        #expect(Set(reader.entries.map(\.key)) == Set(expected.keys))
        for e in reader.entries {
            let want = try #require(expected[e.key])
            #expect(e.shape == want.shape, "\(e.key)")
            let t = try reader.tensor(e.key)
            switch want.dtype {
            case "float32":
                let got = (t.bytes ?? []).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                #expect(got == want.values.map { Float(($0 as! NSNumber).doubleValue) }, "\(e.key)")
            case "float64":
                let got = (t.bytes ?? []).withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
                // As repr strings: Foundation's JSON parser rounds some doubles.
                #expect(got == want.values.map { Double($0 as! String)! }, "\(e.key) (Fortran order in the file)")
            case "int64":
                let got = (t.bytes ?? []).withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
                #expect(got == want.values.map { ($0 as! NSNumber).int64Value }, "\(e.key)")
            case "bool":
                #expect(t.bytes == want.values.map { ($0 as! Bool) ? 1 : 0 }, "\(e.key)")
            default:   // |S and <U strings
                let got = (t.strings ?? []).map { String(decoding: $0, as: UTF8.self) }
                let wanted = want.values.map { $0 as! String }
                if want.dtype.hasPrefix("|S") {
                    #expect(got == wanted.map { String(decoding: $0.unicodeScalars.map { UInt8($0.value) }, as: UTF8.self) })
                } else {
                    #expect(got == wanted, "\(e.key)")
                }
            }
            if e.dtype.elementSize != nil {
                // Lent bytes are the tensor's bytes.
                #expect(try reader.withTensorBytes(e.key) { Array($0) } == t.bytes, "\(e.key)")
            }
        }
        #expect(reader.verify().isEmpty)
    }

    @Test func exportImportAndDiffAgreeWithTheSource() throws {
        try withTemporaryDirectory { dir in
            // Stored npz and V2 copies of the deflated one are equal to it, byte for byte.
            _ = try CheckpointReader(path: Self.path).export(to: dir + "/stored.npz")
            let diff = try CheckpointDiff.compare(Self.path, dir + "/stored.npz")
            #expect(diff.equal)
            #expect(diff.tensors.allSatisfy { $0.status == .identical })
            _ = try CheckpointRemap.importForeign(source: Self.path, destination: dir + "/ckpt")
            let back = try CheckpointDiff.compare(Self.path, dir + "/ckpt")
            #expect(back.equal, "\(back.tensors.filter { $0.status != .identical }.map(\.key))")
        }
    }

    /// The message of the first problem: opening, or a full check of every member.
    func problem(_ path: String) -> String? {
        do {
            return try CheckpointReader(path: path).verify().first?.message
        } catch {
            return (error as? MetaGraphKitError)?.message ?? "\(error)"
        }
    }

    @Test func damagedMembersAreFoundAndNothingHugeIsAllocated() throws {
        try withTemporaryDirectory { dir in
            let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path)))
            #expect(problem(Self.path) == nil)
            // A flipped byte inside the first member's deflated bytes.
            var flipped = original
            let nameLength = Int(original[26]) | Int(original[27]) << 8
            let extraLength = Int(original[28]) | Int(original[29]) << 8
            flipped[30 + nameLength + extraLength + 40] ^= 0x55
            try Data(flipped).write(to: URL(fileURLWithPath: dir + "/flipped.npz"))
            #expect(problem(dir + "/flipped.npz")?.contains("flipped.npz") == true)
            // Cut short: no end of the central directory.
            try Data(original[..<(original.count / 2)]).write(to: URL(fileURLWithPath: dir + "/cut.npz"))
            #expect(problem(dir + "/cut.npz")?.contains("cut.npz") == true)
            // The first member's uncompressed size, in the central directory, set to
            // 4 GiB - 2: refused before that size is allocated.
            var huge = original
            let first = try #require((0..<(huge.count - 4)).first { huge[$0..<($0 + 4)] == [0x50, 0x4b, 0x01, 0x02] })
            for (i, b) in [0xfe, 0xff, 0xff, 0xff].enumerated() { huge[first + 24 + i] = UInt8(b) }
            try Data(huge).write(to: URL(fileURLWithPath: dir + "/huge.npz"))
            #expect(problem(dir + "/huge.npz")?.contains("huge.npz") == true)
        }
    }
}
