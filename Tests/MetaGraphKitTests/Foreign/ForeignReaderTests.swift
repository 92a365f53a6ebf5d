import Foundation
import Testing
@testable import MetaGraphKit

/// safetensors, npz and .npy read as checkpoints: good files read back exactly,
/// malformed ones are refused with the file and the problem named.
@Suite("Foreign readers")
struct ForeignReaderTests {
    func safetensors(_ header: String, _ data: [UInt8], length: UInt64? = nil) -> [UInt8] {
        let text = Array(header.utf8)
        let n = length ?? UInt64(text.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + text + data
    }

    func npy(_ dict: String, _ data: [UInt8]) -> [UInt8] {
        var text = Array(dict.utf8)
        while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0a)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xff), UInt8(text.count >> 8)] + text + data
    }

    func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    func refusal(_ path: String) -> MetaGraphKitError? {
        do { _ = try CheckpointReader(path: path); return nil } catch { return error as? MetaGraphKitError }
    }

    @Test func safetensorsReadsBackAndLendsTheMappedBytes() throws {
        try withTemporaryDirectory { dir in
            let floats = TestTable.floats([1, 2, 3, 4])
            try write(safetensors(#"{"__metadata__":{"format":"pt"},"w":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                                  floats[0..<8] + [0x80, 0x3f, 0x00, 0x40]), dir + "/m.safetensors")
            let reader = try CheckpointReader(path: dir + "/m.safetensors")
            #expect(reader.formatName == "safetensors")
            #expect(reader.entries.map(\.key) == ["w", "x"])
            #expect(reader.entries[0].dtype == .bfloat16)
            #expect(try reader.tensor("x").bytes == Array(floats[0..<8]))
            #expect(try reader.tensor("w").bytes == [0x80, 0x3f, 0x00, 0x40])
            #expect(reader.verify().isEmpty)
        }
    }

    @Test(arguments: [
        ("header past the end", #"{}"#, 1000 as UInt64?, MetaGraphKitError.Code.truncated),
        ("offsets past the end", #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, nil, .truncated),
        ("size not the shape's", #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, nil, .corrupt),
        ("not JSON", #"{"w":"#, nil, .corrupt),
        ("unknown dtype", #"{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, nil, .unsupported),
        ("shape overflows", #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, nil, .tooLarge),
    ])
    func safetensorsMalformed(_ what: String, _ header: String, _ length: UInt64?, _ code: MetaGraphKitError.Code) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/m.safetensors"
            try write(safetensors(header, [UInt8](repeating: 0, count: 8), length: length), path)
            let error = refusal(path)
            #expect(error?.code == code, "\(what): \(String(describing: error))")
            #expect(error?.message.hasPrefix(path) == true)
        }
    }

    @Test func npyDirectoryFortranOrderAndStrings() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/w/sub", withIntermediateDirectories: true)
            // [[0, 1, 2], [3, 4, 5]] stored column-major.
            try write(npy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }",
                          [0, 3, 1, 4, 2, 5].flatMap { [UInt8($0), 0, 0, 0] }), dir + "/w/a.npy")
            try write(npy("{'descr': '|S3', 'fortran_order': False, 'shape': (2,), }", Array("ab\0xyz".utf8)), dir + "/w/sub/s.npy")
            let reader = try CheckpointReader(path: dir + "/w")
            #expect(reader.formatName == "npy")
            #expect(reader.entries.map(\.key) == ["a", "sub/s"])
            #expect(try reader.tensor("a").bytes == [0, 1, 2, 3, 4, 5].flatMap { [UInt8($0), 0, 0, 0] })
            #expect(try reader.tensor("sub/s").strings == [Array("ab".utf8), Array("xyz".utf8)])
        }
    }

    @Test(arguments: [
        ("data short", "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", MetaGraphKitError.Code.corrupt),
        ("big-endian", "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", .unsupported),
        ("pickled objects", "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", .unsupported),
        ("zero-width strings", "{'descr': '|S0', 'fortran_order': False, 'shape': (1000000000000,), }", .unsupported),
        ("extra key", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': True}", .corrupt),
        ("not a dict", "[1, 2]", .corrupt),
    ])
    func npyMalformed(_ what: String, _ dict: String, _ code: MetaGraphKitError.Code) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/a.npy"
            try write(npy(dict, [UInt8](repeating: 0, count: 8)), path)
            let error = refusal(path)
            #expect(error?.code == code, "\(what): \(String(describing: error))")
            #expect(error?.message.hasPrefix(path) == true)
        }
    }

    @Test func ownNPZExportReadsBackAndADamagedMemberIsFound() throws {
        try withTemporaryDirectory { dir in
            let w = try BundleWriter(prefix: dir + "/src")
            try TestTable.floats([1, 2, 3]).withUnsafeBytes { try w.add(name: "a/b", dtype: .float32, shape: [3], bytes: $0) }
            try w.finish()
            _ = try CheckpointReader(path: dir + "/src").export(to: dir + "/out.npz")
            let reader = try CheckpointReader(path: dir + "/out.npz")
            #expect(reader.entries.map(\.key) == ["a/b"])
            #expect(try reader.tensor("a/b").bytes == TestTable.floats([1, 2, 3]))
            #expect(reader.verify().isEmpty)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/out.npz")))
            // The last byte of the array's data (the float 3.0).
            let data = TestTable.floats([1, 2, 3])
            let at = (0...(bytes.count - data.count)).first { Array(bytes[$0..<($0 + data.count)]) == data }! + data.count - 1
            bytes[at] ^= 0x01
            try write(bytes, dir + "/bad.npz")
            #expect(try CheckpointReader(path: dir + "/bad.npz").verify().map(\.code) == [.badChecksum])
            // A central directory pointing past the end is refused when opening.
            var cut = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/out.npz")))
            cut[cut.count - 6] = 0xff
            cut[cut.count - 5] = 0xff
            try write(cut, dir + "/cut.npz")
            #expect(refusal(dir + "/cut.npz")?.code == .truncated)
        }
    }
}
