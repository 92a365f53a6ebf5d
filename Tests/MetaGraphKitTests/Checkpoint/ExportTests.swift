import Foundation
import Testing
@testable import MetaGraphKit

@Suite("Export")
struct ExportTests {
    func appendixBundle(_ dir: String) throws -> CheckpointReader {
        try Data(AppendixA.bundleIndex).write(to: URL(fileURLWithPath: dir + "/m.index"))
        try Data(AppendixA.bundleData).write(to: URL(fileURLWithPath: dir + "/m.data-00000-of-00001"))
        return try CheckpointReader(path: dir + "/m")
    }

    @Test func safetensors() throws {
        try withTemporaryDirectory { dir in
            let reader = try appendixBundle(dir)
            let report = try reader.export(to: dir + "/out.safetensors")
            #expect(report.written == ["a"])
            #expect(report.skipped.map(\.key) == ["b"])
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/out.safetensors")))
            let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            #expect((8 + length) % 8 == 0)
            let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<8 + length])) as! [String: [String: Any]]
            #expect(header["a"]?["dtype"] as? String == "F32")
            #expect(header["a"]?["shape"] as? [Int] == [2])
            #expect(header["a"]?["data_offsets"] as? [Int] == [0, 8])
            #expect(Array(bytes[(8 + length)...]) == TestTable.floats([1, 2]))
            // Only the output remains: no temporary files.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["m.data-00000-of-00001", "m.index", "out.safetensors"])
        }
    }

    /// Large exports pad the header so the data start on a 64 KiB boundary (the
    /// kernel's copy is fastest aligned); the bytes are the tensors' exactly.
    @Test func largeSafetensorsDataStartAligned() throws {
        try withTemporaryDirectory { dir in
            let big = (0..<600_000).map { Float($0) * 0.25 }
            let w = try BundleWriter(prefix: dir + "/src")
            try big.withUnsafeBytes { try w.add(name: "big", dtype: .float32, shape: [600, 1000], bytes: $0) }
            try [Int32(7)].withUnsafeBytes { try w.add(name: "small", dtype: .int32, shape: [], bytes: $0) }
            try w.finish()
            _ = try CheckpointReader(path: dir + "/src").export(to: dir + "/out.safetensors")
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/out.safetensors")))
            let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            #expect((8 + length) % 65536 == 0)
            #expect(bytes[8 + length - 1] == 0x20)
            let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<8 + length])) as! [String: [String: Any]]
            #expect(header["big"]?["data_offsets"] as? [Int] == [0, 2_400_000])
            let data = Array(bytes[(8 + length)...])
            #expect(data.count == 2_400_004)
            #expect(Array(data[0..<2_400_000]) == big.withUnsafeBytes { Array($0) })
            #expect(Array(data[2_400_000...]) == [7, 0, 0, 0])
        }
    }

    @Test func npz() throws {
        try withTemporaryDirectory { dir in
            let reader = try appendixBundle(dir)
            _ = try reader.export(to: dir + "/out.npz")
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/out.npz")))
            #expect(Array(bytes[0..<4]) == [0x50, 0x4b, 0x03, 0x04])
            let name = Array("a.npy".utf8)
            #expect(Array(bytes[30..<35]) == name)
            let npy = Array(bytes[35...])
            #expect(Array(npy[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
            let headerLength = Int(npy[8]) | Int(npy[9]) << 8
            #expect((10 + headerLength) % 64 == 0)
            let dict = String(decoding: npy[10..<10 + headerLength], as: UTF8.self)
            #expect(dict.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"))
            #expect(Array(npy[(10 + headerLength)..<(18 + headerLength)]) == TestTable.floats([1, 2]))
            // End of central directory: a, the string tensor b as an S array, and the
            // __tfmeta__.json note.
            let end = Array(bytes.suffix(22))
            #expect(Array(end[0..<4]) == [0x50, 0x4b, 0x05, 0x06])
            #expect(end[10] == 3)
        }
    }

    @Test func failedExportLeavesNothingBehind() throws {
        try withTemporaryDirectory { dir in
            let reader = try appendixBundle(dir)
            // Corrupt the data after opening: the export fails on the CRC check.
            var data = AppendixA.bundleData
            data[0] ^= 1
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/m.data-00000-of-00001"))
            try handle.write(contentsOf: Data(data))
            try handle.close()
            #expect(throws: MetaGraphKitError(.badChecksum, "")) { _ = try reader.export(to: dir + "/out.safetensors") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["m.data-00000-of-00001", "m.index"])
        }
    }

    /// Payloads of 1 MiB and more are copied by the kernel while another thread
    /// checks their CRC: the bytes must still be exact, and a bad CRC must still
    /// stop the export with nothing left behind.
    @Test func largePayloadsAreCopiedExactlyAndStillChecked() throws {
        try withTemporaryDirectory { dir in
            let big = (0..<(1 << 19)).map { Float($0) * 0.5 }   // 2 MiB
            let w = try BundleWriter(prefix: dir + "/big")
            try big.withUnsafeBytes { try w.add(name: "big", dtype: .float32, shape: [1 << 19], bytes: $0) }
            try [Float(7)].withUnsafeBytes { try w.add(name: "small", dtype: .float32, shape: [1], bytes: $0) }
            _ = try w.finish()
            let report = try CheckpointReader(path: dir + "/big").export(to: dir + "/out.safetensors")
            #expect(report.written == ["big", "small"])
            let bytes = try FileIO.read(dir + "/out.safetensors")
            let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            let body = Array(bytes[(8 + length)...])
            #expect(sameBytes(body, big.withUnsafeBytes { Array($0) } + TestTable.floats([7])))

            // One flipped bit in the middle of the large payload.
            let data = dir + "/big.data-00000-of-00001"
            var raw = try FileIO.read(data)
            raw[1 << 20] ^= 0x10
            try FileIO.writeAtomically(raw, to: data)
            #expect(throws: MetaGraphKitError(.badChecksum, "")) {
                _ = try CheckpointReader(path: dir + "/big").export(to: dir + "/bad.safetensors")
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/bad.safetensors"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("bad") }.isEmpty)
        }
    }

    @Test func summaryElidesTheMiddleOfLongStrings() {
        let long = Array(repeating: UInt8(ascii: "a"), count: 500) + Array("END".utf8)
        let t = Tensor(dtype: .string, shape: [2], storage: .strings([Array("short".utf8), long]))
        let text = t.summary()
        #expect(text.hasPrefix("[\"short\", \"aaaa"))
        #expect(text.contains("…(505 characters)…"))
        #expect(text.hasSuffix("aaaaaaaaaaaaaaaEND\"]"))
        #expect(text.count < 150)
    }

    @Test func jsonValues() throws {
        let t = Tensor(dtype: .float32, shape: [2, 2], storage: .bytes(TestTable.floats([1.5, .nan, .infinity, -0.25])))
        #expect(t.jsonValues().serialized() == "[[1.5,\"NaN\"],[\"Infinity\",-0.25]]")
        let h = Tensor(dtype: .float16, shape: [3], storage: .bytes([0x00, 0x3c, 0x00, 0xb8, 0x01, 0x00]))
        #expect(h.jsonValues().serialized() == "[1,-0.5,5.9604645e-08]")
        let bf = Tensor(dtype: .bfloat16, shape: [], storage: .bytes([0x80, 0x3f]))
        #expect(bf.jsonValues().serialized() == "1")
        let s = Tensor(dtype: .string, shape: [2], storage: .strings([Array("hé".utf8), [0xff]]))
        #expect(s.jsonValues().serialized() == "[\"hé\",{\"base64\":\"/w==\"}]")
        let c = Tensor(dtype: .complex64, shape: [1], storage: .bytes(TestTable.floats([1, -2])))
        #expect(c.jsonValues().serialized() == "[[1,-2]]")
        let big = Tensor(dtype: .int32, shape: [2000], storage: .bytes([UInt8](repeating: 0, count: 8000)))
        #expect(big.summary() == "[0, 0, 0, ..., 0, 0, 0]")
    }

    @Test func dtypeNames() {
        #expect(DType.float32.name == "float32" && DType.float64.name == "float64")
        #expect(DType.float16.name == "float16" && DType.bfloat16.name == "bfloat16")
        #expect(DType(rawValue: 101).name == "float32_ref")
        #expect(DType(name: "complex128") == .complex128)
        #expect(DType.float8E4M3FN.elementSize == 1 && DType.int4.elementSize == 1)
        #expect(DType.string.elementSize == nil && DType.variant.elementSize == nil)
    }
}
