import Foundation
import Testing

@Suite("tfmeta state")
struct StateCommandTests {
    @Test func latestPrintsThePrefix() throws {
        let dir = try stateDirectory(["checkpoint": "model_checkpoint_path: \"ckpt-1\"\n", "ckpt-1.index": ""])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runTFMeta(["state", "latest", dir])
        #expect(r.status == 0)
        #expect(r.stdout == dir + "/ckpt-1\n")
        #expect(r.stderr.isEmpty)
    }

    @Test func missingCheckpointExitsOneNamingTheFiles() throws {
        let dir = try stateDirectory(["checkpoint": "model_checkpoint_path: \"ckpt-1\"\n"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runTFMeta(["state", "latest", dir])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("Error: ") && r.stderr.contains(dir + "/ckpt-1.index"))
    }

    @Test func badStateFileNameIsAUsageError() throws {
        let r = try runTFMeta(["state", "latest", "/tmp", "--latest-filename", "a/b"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("a/b"))
    }

    @Test func rebaseDryRunThenWrite() throws {
        let dir = try stateDirectory(["checkpoint": "model_checkpoint_path: \"/moved/m-2\"\n", "m-2.index": ""])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dry = try runTFMeta(["state", "rebase", dir, "--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("/moved/m-2 -> m-2"))
        #expect(try runTFMeta(["state", "latest", dir]).status == 1)
        #expect(try String(contentsOfFile: dir + "/checkpoint", encoding: .utf8) == "model_checkpoint_path: \"/moved/m-2\"\n")
        #expect(try runTFMeta(["state", "rebase", dir]).status == 0)
        #expect(try runTFMeta(["state", "latest", dir]).stdout == dir + "/m-2\n")
        let json = try runTFMeta(["state", "show", dir, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["latest"] as? String == dir + "/m-2")
    }
}
