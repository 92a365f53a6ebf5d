import Foundation
import Testing
@testable import MetaGraphKit

@Suite("CheckpointDirectory reading")
struct CheckpointDirectoryTests {
    @Test func relativePathsAreJoinedOntoTheDirectory() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "ckpt-1.index", "ckpt-2.index", "ckpt-2.data-00000-of-00001")
            StateFixture.writeState(dir, StateFixture.managerText)
            let d = try CheckpointDirectory(dir)
            #expect(try d.latestCheckpoint() == dir + "/ckpt-2")
            let state = try d.state()
            #expect(state.modelCheckpointPath == dir + "/ckpt-2")
            #expect(state.allModelCheckpointPaths == [dir + "/ckpt-1", dir + "/ckpt-2"])
            let all = try d.allCheckpoints()
            #expect(all.map(\.path) == ["ckpt-1", "ckpt-2"])
            #expect(all.map(\.format) == [.v2, .v2])
            #expect(all.map(\.timestamp) == [1795555379.5780394, 1795555379.5925772])
        }
    }

    @Test func absolutePathsAreKept() throws {
        try withTemporaryDirectory { (dir: String) throws in
            try withTemporaryDirectory { (other: String) throws in
                StateFixture.touch(other, "model-7.index")
                StateFixture.writeState(dir, "model_checkpoint_path: \"\(other)/model-7\"\n")
                let d = try CheckpointDirectory(dir)
                #expect(try d.latestCheckpoint() == other + "/model-7")
                #expect(try d.allCheckpoints().map(\.timestamp) == [nil])
            }
        }
    }

    @Test func v1PlainFileAndShardedPattern() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "model.ckpt-3-00000-of-00003", "model.ckpt-3-00001-of-00003",
                               "model.ckpt-3-00002-of-00003", "plain-1")
            StateFixture.writeState(dir, """
                model_checkpoint_path: "model.ckpt-3-?????-of-00003"
                all_model_checkpoint_paths: "plain-1"
                all_model_checkpoint_paths: "model.ckpt-3-?????-of-00003"
                """)
            let d = try CheckpointDirectory(dir)
            #expect(try d.latestCheckpoint() == dir + "/model.ckpt-3-?????-of-00003")
            #expect(try d.allCheckpoints().map(\.format) == [.v1, .v1])
        }
    }

    @Test func missingCheckpointIsNamedInTheError() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.writeState(dir, "model_checkpoint_path: \"ckpt-9\"\n")
            let d = try CheckpointDirectory(dir)
            let error = #expect(throws: MetaGraphKitError(.notFound, "")) { try d.latestCheckpoint() }
            #expect(error?.message.contains(dir + "/ckpt-9.index") == true)
            #expect(error?.message.contains("rebase") == false)
            let report = try StateReport(d)
            #expect(report.latest == nil)
            #expect(report.checkpoints.map(\.exists) == [false])
            #expect(report.text().contains("MISSING"))
        }
    }

    @Test func emptyModelCheckpointPathIsAnError() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.writeState(dir, "all_model_checkpoint_paths: \"ckpt-1\"\n")
            let d = try CheckpointDirectory(dir)
            #expect(throws: MetaGraphKitError(.corrupt, "")) { try d.latestCheckpoint() }
            #expect(throws: MetaGraphKitError(.corrupt, "")) { try d.state() }
            // An empty file is an empty message: the same error.
            StateFixture.writeState(dir, "")
            #expect(throws: MetaGraphKitError(.corrupt, "")) { try d.latestCheckpoint() }
        }
    }

    @Test func noStateFileIsNotFound() throws {
        _ = try withTemporaryDirectory { (dir: String) throws in
            #expect(throws: MetaGraphKitError(.notFound, "")) { _ = try CheckpointDirectory(dir).latestCheckpoint() }
        }
    }

    @Test func stateFileNameIsOverridableAndChecked() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "m-1.index")
            StateFixture.writeState(dir, "model_checkpoint_path: \"m-1\"\n", name: "mystate")
            #expect(try CheckpointDirectory(dir, stateFileName: "mystate").latestCheckpoint() == dir + "/m-1")
            for bad in ["a/b", "", "..", "/etc/passwd"] {
                #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
                    _ = try CheckpointDirectory(dir, stateFileName: bad)
                }
            }
        }
    }

    // Hostile inputs: each must be a typed error with the right code, never a crash or a hang.
    @Test(arguments: [
        ("binary garbage", [UInt8]([0x00, 0xff, 0x10, 0x80, 0x0a]), MetaGraphKitError.Code.syntax),
        ("NUL bytes, valid UTF-8", [UInt8]([0x00, 0x01, 0x02]), .syntax),
        ("not UTF-8", [UInt8]([0x6d, 0xc3, 0x28]), .syntax),
        ("unterminated string", Array("model_checkpoint_path: \"abc".utf8), .syntax),
        ("missing colon", Array("model_checkpoint_path \"abc\"".utf8), .syntax),
        ("number for a string", Array("model_checkpoint_path: 12".utf8), .syntax),
        ("string for a number", Array("last_preserved_timestamp: \"x\"".utf8), .syntax),
        ("unknown field", Array("model: \"x\"".utf8), .unknownName),
        ("field given twice", Array("model_checkpoint_path: \"x\" model_checkpoint_path: \"y\"".utf8), .syntax),
        ("path not UTF-8", Array("model_checkpoint_path: \"a\\377b\"".utf8), .unsupported),
        ("deep nesting", Array(("model_checkpoint_path: \"x\" " + String(repeating: "a {", count: 5000)).utf8), .unknownName),
    ])
    func malformedStateIsAnErrorNotACrash(name: String, bytes: [UInt8], code: MetaGraphKitError.Code) throws {
        try withTemporaryDirectory { (dir: String) throws in
            _ = FileManager.default.createFile(atPath: dir + "/checkpoint", contents: Data(bytes))
            let error = #expect(throws: MetaGraphKitError.self, "\(name)") {
                _ = try CheckpointDirectory(dir).latestCheckpoint()
            }
            #expect(error?.code == code, "\(name): \(error?.message ?? "")")
        }
    }

    @Test func stateFileThatIsNotARegularFileIsRefused() throws {
        try withTemporaryDirectory { (dir: String) throws in
            // A directory, a FIFO (would block a plain read) and an endless device.
            try FileManager.default.createDirectory(atPath: dir + "/asdir", withIntermediateDirectories: false)
            #expect(mkfifo(dir + "/fifo", 0o600) == 0)
            try FileManager.default.createSymbolicLink(atPath: dir + "/zero", withDestinationPath: "/dev/zero")
            for name in ["asdir", "fifo", "zero"] {
                #expect(throws: MetaGraphKitError(.io, ""), "\(name)") {
                    _ = try CheckpointDirectory(dir, stateFileName: name).latestCheckpoint()
                }
            }
        }
    }

    @Test func hugeStateFileIsRefused() throws {
        try withTemporaryDirectory { (dir: String) throws in
            let line = "all_model_checkpoint_paths: \"\(String(repeating: "x", count: 1000))\"\n"
            StateFixture.writeState(dir, "model_checkpoint_path: \"m\"\n" + String(repeating: line, count: 2000))
            var d = try CheckpointDirectory(dir)
            d.maxStateFileSize = 1 << 20
            #expect(throws: MetaGraphKitError(.tooLarge, "")) { try d.latestCheckpoint() }
        }
    }

    @Test func stateReportJSONShape() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "ckpt-2.index")
            StateFixture.writeState(dir, StateFixture.managerText)
            let json = try StateReport(CheckpointDirectory(dir)).jsonValue.serialized()
            #expect(json == """
                {"directory":"\(dir)","state_file":"\(dir)/checkpoint","latest":"\(dir)/ckpt-2",\
                "checkpoints":[{"path":"ckpt-1","resolved":"\(dir)/ckpt-1","exists":false,"format":null,\
                "timestamp":{"seconds":1795555379.5780394,"utc":"2026-11-24T21:22:59.578Z"},"step":1,"bytes":0},\
                {"path":"ckpt-2","resolved":"\(dir)/ckpt-2","exists":true,"format":"V2",\
                "timestamp":{"seconds":1795555379.5925772,"utc":"2026-11-24T21:22:59.593Z"},"step":2,"bytes":1}],\
                "last_preserved_timestamp":{"seconds":1795555378.5200078,"utc":"2026-11-24T21:22:58.520Z"},"repair":null,"unlisted":[]}
                """)
        }
    }
}
