import Foundation
import Testing

@Suite("tfmeta state init, set-latest, prune, show exit status")
struct StateDirectoryCommandTests {
    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func showExitsOneAndNamesTheRepair() throws {
        let dir = try stateDirectory(["checkpoint": "model_checkpoint_path: \"ckpt-2\"\nall_model_checkpoint_paths: \"ckpt-1\"\nall_model_checkpoint_paths: \"ckpt-2\"\n",
                                 "ckpt-1.index": "", "ckpt-1.data-00000-of-00001": "abc"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runTFMeta(["state", "show", dir])
        #expect(r.status == 1)
        #expect(r.stdout.contains("MISSING") && r.stdout.contains("step 1") && r.stdout.contains("3 bytes"))
        #expect(r.stderr.hasPrefix("Error: ") && r.stderr.contains("tfmeta state rebase \(dir) --drop-missing"))
        let json = try runTFMeta(["state", "show", dir, "--json"])
        #expect(json.status == 1)
        #expect((try object(json.stdout)["repair"] as? String)?.contains("--drop-missing") == true)
        #expect(try runTFMeta(["state", "rebase", dir, "--drop-missing"]).status == 0)
        #expect(try runTFMeta(["state", "show", dir]).status == 0)
        #expect(try runTFMeta(["state", "latest", dir]).stdout == dir + "/ckpt-1\n")
    }

    @Test func initThenSetLatestThenPrune() throws {
        let dir = try stateDirectory(["ckpt-1.index": "", "ckpt-1.data-00000-of-00001": "",
                                 "ckpt-2.index": "", "ckpt-2.data-00000-of-00001": "",
                                 "ckpt-3.index": "", "ckpt-3.data-00000-of-00001": ""])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let initialized = try runTFMeta(["state", "init", dir, "--json"])
        #expect(initialized.status == 0)
        #expect(try object(initialized.stdout)["all_model_checkpoint_paths"] as? [String] == ["ckpt-1", "ckpt-2", "ckpt-3"])
        let again = try runTFMeta(["state", "init", dir])
        #expect(again.status == 1 && again.stderr.contains("--overwrite"))

        #expect(try runTFMeta(["state", "set-latest", dir, "ckpt-2"]).status == 0)
        #expect(try runTFMeta(["state", "latest", dir]).stdout == dir + "/ckpt-2\n")

        let dry = try runTFMeta(["state", "prune", dir, "--keep", "1", "--dry-run", "--json"])
        #expect(dry.status == 0)
        let plan = try object(dry.stdout)
        #expect(plan["rule"] as? String == "manager" && plan["dry_run"] as? Bool == true)
        #expect((plan["kept"] as? [[String: Any]])?.map { $0["path"] as? String } == ["ckpt-2"])
        #expect(FileManager.default.fileExists(atPath: dir + "/ckpt-1.index"))

        let done = try runTFMeta(["state", "prune", dir, "--keep", "1"])
        #expect(done.status == 0 && done.stdout.contains("deleted 4 file(s)"))
        #expect(try runTFMeta(["state", "latest", dir]).stdout == dir + "/ckpt-2\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == ["checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index"])
    }

    @Test func pruneUsageErrorsExitTwo() throws {
        #expect(try runTFMeta(["state", "prune", "/tmp", "--keep", "0"]).status == 2)
        #expect(try runTFMeta(["state", "prune", "/tmp", "--keep", "1", "--keep-every-hours", "-1"]).status == 2)
        #expect(try runTFMeta(["state", "prune", "/tmp", "--keep", "1", "--rule", "keras"]).status == 2)
        #expect(try runTFMeta(["state", "prune", "/tmp"]).status == 2)
    }
}
