import Foundation
import Testing
@testable import MetaGraphKit

@Suite("CheckpointState writing")
struct StateWriteTests {
    @Test func atomicWriteLeavesNoTemporaryFile() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.writeState(dir, "model_checkpoint_path: \"old\"\n")
            let d = try CheckpointDirectory(dir)
            let state = CheckpointState(modelCheckpointPath: "ckpt-3", allModelCheckpointPaths: ["ckpt-2", "ckpt-3"],
                                        allModelCheckpointTimestamps: [1.5, 2.5], lastPreservedTimestamp: 1)
            try d.write(state)
            #expect(StateFixture.files(dir) == ["checkpoint"])
            #expect(try d.readStoredState() == state)
        }
    }

    @Test func failedWriteLeavesTheOldFile() throws {
        let d = try CheckpointDirectory("/nonexistent-dir-\(UUID().uuidString)")
        #expect(throws: MetaGraphKitError(.io, "")) { try d.write(CheckpointState(modelCheckpointPath: "m")) }
    }

    @Test func tf1SaverKeepsAbsolutePaths() throws {
        let s = try CheckpointState.generate(saveDirectory: "/ckpts", modelCheckpointPath: "/ckpts/m-3",
                                             allModelCheckpointPaths: ["/ckpts/m-2"])
        #expect(s.modelCheckpointPath == "/ckpts/m-3")
        #expect(s.allModelCheckpointPaths == ["/ckpts/m-2", "/ckpts/m-3"])
    }

    @Test func saveRelativePathsMakesThemRelative() throws {
        let s = try CheckpointState.generate(saveDirectory: "/ckpts", modelCheckpointPath: "/ckpts/m-3",
                                             allModelCheckpointPaths: ["/ckpts/m-2", "/ckpts/m-3"],
                                             saveRelativePaths: true)
        #expect(s == CheckpointState(modelCheckpointPath: "m-3", allModelCheckpointPaths: ["m-2", "m-3"]))
    }

    @Test func relativeSaveDirectoryRewritesRelativePaths() throws {
        // FORMATS §4.2, verified against TF: save_dir "reldir", path "reldir/model-5" -> "model-5".
        let s = try CheckpointState.generate(saveDirectory: "reldir", modelCheckpointPath: "reldir/model-5",
                                             allModelCheckpointPaths: ["reldir/model-5"])
        #expect(s.modelCheckpointPath == "model-5")
        #expect(s.allModelCheckpointPaths == ["model-5"])
        let kept = try CheckpointState.generate(saveDirectory: "reldir", modelCheckpointPath: "/abs/model-5")
        #expect(kept.modelCheckpointPath == "/abs/model-5")
        #expect(kept.allModelCheckpointPaths.isEmpty)
    }

    @Test func timestampCountMustMatch() {
        #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
            _ = try CheckpointState.generate(saveDirectory: "/d", modelCheckpointPath: "m-2",
                                             allModelCheckpointPaths: ["m-1", "m-2"],
                                             allModelCheckpointTimestamps: [1])
        }
    }

    @Test func updateRefusesTheStateFileAsSavePath() throws {
        try withTemporaryDirectory { (dir: String) throws in
            let d = try CheckpointDirectory(dir)
            #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
                try d.update(modelCheckpointPath: dir + "/checkpoint")
            }
            try d.update(modelCheckpointPath: dir + "/m-1", allModelCheckpointPaths: [dir + "/m-1"],
                         saveRelativePaths: true)
            #expect(try d.readStoredState().modelCheckpointPath == "m-1")
            #expect(StateFixture.files(dir) == ["checkpoint"])
        }
    }
}
