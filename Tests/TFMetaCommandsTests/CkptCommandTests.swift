import Foundation
import Testing

/// Runs the built `tfmeta` and returns (status, stdout, stderr).
private func tfmeta(_ arguments: [String]) throws -> (Int32, String, String) {
    let r = try runTFMeta(arguments)
    return (r.status, r.stdout, r.stderr)
}

@Suite("tfmeta ckpt")
struct CkptCommandTests {
    @Test func listJSON() throws {
        let (status, out, err) = try tfmeta(["ckpt", "list", fixtures + "/ckpt/v2_partitioned", "--json"])
        #expect(status == 0, "\(err)")
        let list = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [[String: Any]]
        let keys = list.map { $0["key"] as! String }
        #expect(keys == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(list.allSatisfy { Set($0.keys) == ["key", "dtype", "shape"] })
    }

    @Test func showJSON() throws {
        let (status, out, _) = try tfmeta(["ckpt", "show", fixtures + "/ckpt/v2_dtypes", "float32/special", "--json"])
        #expect(status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        #expect(report["key"] as? String == "float32/special")
        #expect(report["dtype"] as? String == "float32")
        let values = report["values"] as! [Any]
        #expect(values.count == 10)
        #expect(out.contains("\"NaN\"") && out.contains("\"Infinity\"") && out.contains("\"-Infinity\""))
    }

    @Test func verifyGoodAndBad() throws {
        let (status, out, _) = try tfmeta(["ckpt", "verify", fixtures + "/ckpt/v2_sharded"])
        #expect(status == 0)
        #expect(out.hasPrefix("OK: V2 checkpoint"))
        try withTemporaryCopy(of: "v2_dtypes") { prefix in
            let data = prefix + ".data-00000-of-00001"
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: data)))
            bytes[0] ^= 0xff
            bytes[bytes.count - 1] ^= 0xff
            try Data(bytes).write(to: URL(fileURLWithPath: data))
            let (status, out, err) = try tfmeta(["ckpt", "verify", prefix])
            #expect(status == 1)
            #expect(out.isEmpty)
            #expect(err.components(separatedBy: "checksum mismatch").count - 1 == 2, "\(err)")
            #expect(err.contains("2 problems found"))
        }
    }

    @Test func exportAndErrors() throws {
        try withTemporaryCopy(of: "v2_dtypes") { prefix in
            let out = prefix + "-export.safetensors"
            let (status, _, err) = try tfmeta(["ckpt", "export", prefix, out])
            #expect(status == 0)
            #expect(err.contains("skipped string/scalar"))
            #expect(FileManager.default.fileExists(atPath: out))
        }
        let (usage, _, _) = try tfmeta(["ckpt", "export", fixtures + "/ckpt/v2_dtypes", "/tmp/x.bin"])
        #expect(usage == 2)
        let (missing, _, err) = try tfmeta(["ckpt", "list", fixtures + "/ckpt/nothing"])
        #expect(missing == 1)
        #expect(err.hasPrefix("Error: "))
    }

    @Test func objgraph() throws {
        let (status, out, _) = try tfmeta(["objgraph", fixtures + "/ckpt/tf2_keras"])
        #expect(status == 0)
        #expect(out.contains("legacy_v/.ATTRIBUTES/VARIABLE_VALUE"))
        #expect(out.contains("slot m:"))
        let (jsonStatus, json, _) = try tfmeta(["objgraph", fixtures + "/ckpt/tf2_keras", "--json"])
        #expect(jsonStatus == 0)
        let graph = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        #expect((graph["nodes"] as! [Any]).count > 40)
    }

    /// Copies a fixture checkpoint's files to a temporary directory.
    private func withTemporaryCopy(of name: String, _ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tfmeta-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for file in try FileManager.default.contentsOfDirectory(atPath: fixtures + "/ckpt") where file.hasPrefix(name + ".") {
            try FileManager.default.copyItem(atPath: fixtures + "/ckpt/" + file, toPath: dir + "/" + file)
        }
        try body(dir + "/" + name)
    }
}
