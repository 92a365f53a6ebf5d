import Foundation
import Testing
@testable import MetaGraphKit

@Suite("Rebase of moved checkpoint directories")
struct RebaseTests {
    @Test func movedDirectoryIsRepaired() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "m-2.index", "m-3.index", "m-3.data-00000-of-00001")
            StateFixture.writeState(dir, """
                model_checkpoint_path: "/old/home/m-3"
                all_model_checkpoint_paths: "/old/home/m-2"
                all_model_checkpoint_paths: "/old/home/m-3"
                all_model_checkpoint_timestamps: 10.5
                all_model_checkpoint_timestamps: 11.5
                """)
            let d = try CheckpointDirectory(dir)
            let hint = #expect(throws: MetaGraphKitError(.notFound, "")) { try d.latestCheckpoint() }
            #expect(hint?.message.contains("rebase") == true)

            let dry = try d.rebase(dryRun: true)
            #expect(dry.changes == [.init(from: "/old/home/m-2", to: "m-2"), .init(from: "/old/home/m-3", to: "m-3")])
            #expect(!dry.written)
            #expect(try d.readStoredState().modelCheckpointPath == "/old/home/m-3")

            let plan = try d.rebase(overwrite: true)
            #expect(plan.written)
            #expect(plan.stillMissing.isEmpty)
            #expect(try d.readStoredState() == CheckpointState(
                modelCheckpointPath: "m-3", allModelCheckpointPaths: ["m-2", "m-3"],
                allModelCheckpointTimestamps: [10.5, 11.5]))
            #expect(try d.latestCheckpoint() == dir + "/m-3")
            #expect(StateFixture.files(dir).filter { $0.hasPrefix("checkpoint") } == ["checkpoint"])

            let again = try d.rebase(overwrite: true)
            #expect(again.changes.isEmpty && !again.written)
        }
    }

    @Test func existingPathsAreKeptAndUnfixableOnesReported() throws {
        try withTemporaryDirectory { (dir: String) throws in
            try withTemporaryDirectory { (other: String) throws in
                StateFixture.touch(other, "keep-1.index")
                StateFixture.touch(dir, "m-3-00000-of-00002", "m-3-00001-of-00002")
                StateFixture.writeState(dir, """
                    model_checkpoint_path: "/gone/m-3-?????-of-00002"
                    all_model_checkpoint_paths: "\(other)/keep-1"
                    all_model_checkpoint_paths: "/gone/lost-2"
                    all_model_checkpoint_paths: "/gone/m-3-?????-of-00002"
                    """)
                let plan = try CheckpointDirectory(dir).rebase(overwrite: true)
                #expect(plan.changes == [.init(from: "/gone/m-3-?????-of-00002", to: "m-3-?????-of-00002")])
                #expect(plan.stillMissing == ["/gone/lost-2"])
                #expect(plan.after.allModelCheckpointPaths == ["\(other)/keep-1", "/gone/lost-2", "m-3-?????-of-00002"])
            }
        }
    }

    @Test func nothingRepairableIsAnError() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.writeState(dir, "model_checkpoint_path: \"/gone/m-1\"\n")
            let error = #expect(throws: MetaGraphKitError(.notFound, "")) { try CheckpointDirectory(dir).rebase() }
            #expect(error?.message.contains("/gone/m-1") == true)
        }
    }
}
