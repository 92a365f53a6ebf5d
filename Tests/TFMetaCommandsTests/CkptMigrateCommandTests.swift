import Foundation
import Testing

@Suite("tfmeta ckpt migrate")
struct CkptMigrateCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures").path

    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tfmeta-migrate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func migratesAndPrintsASummary() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runTFMeta(["ckpt", "migrate", Self.fixtures + "/ckpt/v1_partitioned", dir + "/out", "--shards", "2"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(r.stdout.contains("(V1) -> \(dir)/out: "))
        #expect(r.stdout.contains("in 2 data files"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
                == ["out.data-00000-of-00002", "out.data-00001-of-00002", "out.index"])
    }

    @Test func jsonSummaryHasTheDocumentedKeys() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runTFMeta(["ckpt", "migrate", Self.fixtures + "/ckpt/v1_dtypes", dir + "/out", "--json"])
        #expect(r.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(Set(object?.keys.map { $0 } ?? [])
                == ["source", "destination", "source_format", "tensors", "slices", "bytes", "seconds", "files", "skipped", "meta_graph"])
        #expect(object?["source_format"] as? String == "V1")
    }

    @Test func existingDestinationExitsOne() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try runTFMeta(["ckpt", "migrate", Self.fixtures + "/ckpt/v1_partitioned", dir + "/out"])
        let r = try runTFMeta(["ckpt", "migrate", Self.fixtures + "/ckpt/v1_partitioned", dir + "/out"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("Error: \(dir)/out: the destination exists"))
        #expect(r.stderr.contains("--overwrite"))
        #expect(try runTFMeta(["ckpt", "migrate", Self.fixtures + "/ckpt/v1_partitioned", dir + "/out", "--overwrite"]).status == 0)
    }

    @Test func missingSourceExitsOneAndBadUsageTwo() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = try runTFMeta(["ckpt", "migrate", dir + "/nothing", dir + "/out"])
        #expect(missing.status == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        #expect(try runTFMeta(["ckpt", "migrate", dir + "/nothing", dir + "/out", "--shards", "0"]).status == 2)
        #expect(try runTFMeta(["ckpt", "migrate", dir + "/nothing"]).status == 2)
    }

    @Test func directoryModeWritesStateAndMeta() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runTFMeta(["ckpt", "migrate", Self.fixtures + "/migrate/v1_saver", dir + "/dst"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("save node save/save now SaveV2; SaverDef.version V2"))
        let state = try String(contentsOfFile: dir + "/dst/checkpoint", encoding: .utf8)
        #expect(state == "model_checkpoint_path: \"model.ckpt-1\"\nall_model_checkpoint_paths: \"model.ckpt-1\"\n")
    }
}
