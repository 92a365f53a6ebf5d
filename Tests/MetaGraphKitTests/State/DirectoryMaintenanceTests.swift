import Foundation
import Testing
@testable import MetaGraphKit

/// A file that ends with the table magic, so the scan takes it for a V1 checkpoint.
private func v1File(_ dir: String, _ name: String) {
    var bytes = [UInt8](repeating: 0, count: 40)
    withUnsafeBytes(of: TableFooter.magic.littleEndian) { bytes += $0 }
    _ = FileManager.default.createFile(atPath: PathRules.join(dir, name), contents: Data(bytes))
}

private func setMTime(_ dir: String, _ names: [String], _ seconds: Double) throws {
    for name in names {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: seconds)],
                                              ofItemAtPath: PathRules.join(dir, name))
    }
}

/// `ckpt-N.index` and `ckpt-N.data-00000-of-00001` with the given mtime.
private func v2(_ dir: String, _ name: String, at seconds: Double) throws {
    StateFixture.touch(dir, name + ".index", name + ".data-00000-of-00001")
    try setMTime(dir, [name + ".index", name + ".data-00000-of-00001"], seconds)
}

@Suite("Retention policy (CheckpointManager._sweep, Saver._MaybeDeleteOldCheckpoints)")
struct RetentionPolicyTests {
    let base = 1_700_000_000.0
    var times: [Double] { [0, 0.5, 1.0, 1.5, 2.0, 3.0].map { base + $0 * 3600 } }

    @Test func managerPreservesAtOrAfterTheInterval() {
        // timestamp - H >= last_preserved: the first save sits exactly on the boundary.
        let d = RetentionPolicy(keep: 2, keepEveryHours: 1, rule: .manager)
            .decide(timestamps: times, lastPreserved: base - 3600)
        #expect(d.kept == [4, 5])
        #expect(d.preserved == [0, 2])
        #expect(d.deleted == [1, 3])
        #expect(d.lastPreserved == base + 3600)
    }

    @Test func saverPreservesStrictlyAfterAndStepsByTheInterval() {
        // p[1] > _next_checkpoint_time, which starts at build time + H and grows by H.
        let d = RetentionPolicy(keep: 2, keepEveryHours: 1, rule: .saver)
            .decide(timestamps: times, lastPreserved: base)
        #expect(d.kept == [4, 5])
        #expect(d.preserved == [3])
        #expect(d.deleted == [0, 1, 2])
        #expect(d.lastPreserved == base + 7200)
    }

    @Test func withoutHoursOnlyTheNewestStay() {
        for rule in RetentionPolicy.Rule.allCases {
            let d = RetentionPolicy(keep: 3, rule: rule).decide(timestamps: times, lastPreserved: 0)
            #expect(d.kept == [3, 4, 5] && d.preserved.isEmpty && d.deleted == [0, 1, 2])
        }
    }

    @Test func theProtectedLatestIsNeverDeleted() {
        let d = RetentionPolicy(keep: 1, rule: .manager).decide(timestamps: [1, 2, 3, 4], lastPreserved: 0, protected: 1)
        #expect(d.kept == [1, 3])
        #expect(d.deleted == [0, 2])
        let none = RetentionPolicy(keep: 10, rule: .saver).decide(timestamps: [1, 2], lastPreserved: 0)
        #expect(none.kept == [0, 1] && none.deleted.isEmpty)
    }
}

@Suite("Checkpoint directory maintenance: scan, init, set-latest, rebase, prune")
struct DirectoryMaintenanceTests {
    @Test func windowsPathsSplitAtBackslashes() {
        #expect(PathRules.isWindowsAbsolute("C:\\Users\\bob\\m-3"))
        #expect(PathRules.isWindowsAbsolute("\\\\server\\share\\m-3"))
        #expect(!PathRules.isWindowsAbsolute("/home/bob/m-3"))
        #expect(PathRules.relativeSuffixes("C:\\Users\\bob\\m-3") == ["Users/bob/m-3", "bob/m-3", "m-3"])
        #expect(PathRules.relativeSuffixes("\\\\server\\share\\m-3") == ["server/share/m-3", "share/m-3", "m-3"])
        #expect(PathRules.relativeSuffixes("a/../m-3") == ["m-3"])
        #expect(CheckpointFiles.step(of: "model.ckpt-12-?????-of-00003") == 12)
        #expect(CheckpointFiles.step(of: "model.ckpt") == nil)
        #expect(CheckpointFiles.series(of: "/x/model.ckpt-12") == "model.ckpt")
    }

    @Test func scanFindsV1AndV2OrderedByStepAndLeavesTheRest() throws {
        try withTemporaryDirectory { (dir: String) throws in
            try v2(dir, "m-10", at: 100)
            try v2(dir, "m-2", at: 300)
            v1File(dir, "m-5")
            v1File(dir, "m-7-00000-of-00002")
            v1File(dir, "m-7-00001-of-00002")
            v1File(dir, "m-2.index.bak")
            StateFixture.touch(dir, "m-5.meta", "orphan.data-00000-of-00001", "events.out.tfevents.1", "checkpoint")
            let scan = try CheckpointDirectory(dir).scan()
            #expect(scan.checkpoints.map(\.name) == ["m-2", "m-5", "m-7-?????-of-00002", "m-10"])
            #expect(scan.checkpoints.map(\.format) == [.v2, .v1, .v1, .v2])
            #expect(scan.checkpoints[1].files.map(PathRules.basename) == ["m-5.meta", "m-5"])
            #expect(scan.checkpoints[0].mtime == 300)
            #expect(scan.unknownFiles == ["events.out.tfevents.1", "m-2.index.bak", "orphan.data-00000-of-00001"])
        }
    }

    @Test func initListsEveryCheckpointAndRefusesToReplace() throws {
        try withTemporaryDirectory { (dir: String) throws in
            try v2(dir, "ckpt-1", at: 1000)
            try v2(dir, "ckpt-2", at: 2000)
            try v2(dir, "ckpt-3", at: 3000)
            let d = try CheckpointDirectory(dir)
            let result = try d.initializeState()
            #expect(try d.readStoredState() == CheckpointState(
                modelCheckpointPath: "ckpt-3", allModelCheckpointPaths: ["ckpt-1", "ckpt-2", "ckpt-3"],
                allModelCheckpointTimestamps: [1000, 2000, 3000], lastPreservedTimestamp: 999))
            #expect(result.latest == dir + "/ckpt-3")
            #expect(throws: MetaGraphKitError(.exists, "")) { try d.initializeState() }
            try d.initializeState(latest: "ckpt-2", absolute: true, overwrite: true)
            let state = try d.readStoredState()
            #expect(state.modelCheckpointPath == dir + "/ckpt-2")
            #expect(state.allModelCheckpointPaths == [dir + "/ckpt-1", dir + "/ckpt-3", dir + "/ckpt-2"])
            #expect(state.allModelCheckpointTimestamps == [1000, 3000, 2000])
        }
    }

    @Test func initInAnEmptyDirectoryIsNotFound() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "notes.txt")
            let error = #expect(throws: MetaGraphKitError(.notFound, "")) { try CheckpointDirectory(dir).initializeState() }
            #expect(error?.message.contains("notes.txt") == true)
            #expect(!FileManager.default.fileExists(atPath: dir + "/checkpoint"))
        }
    }

    @Test func setLatestMovesTheEntryToTheEndWithItsTimestamp() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "ckpt-1.index", "ckpt-2.index")
            StateFixture.writeState(dir, StateFixture.managerText)
            let d = try CheckpointDirectory(dir)
            try d.setLatest("ckpt-1")
            #expect(try d.readStoredState() == CheckpointState(
                modelCheckpointPath: "ckpt-1", allModelCheckpointPaths: ["ckpt-2", "ckpt-1"],
                allModelCheckpointTimestamps: [1795555379.5925772, 1795555379.5780394],
                lastPreservedTimestamp: 1795555378.5200078))
            #expect(try d.latestCheckpoint() == dir + "/ckpt-1")
            #expect(throws: MetaGraphKitError(.notFound, "")) { try d.setLatest("ckpt-7") }
        }
    }

    @Test func windowsStateFileIsRebased() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "model.ckpt-1.index", "model.ckpt-2.index", "model.ckpt-3.index")
            StateFixture.writeState(dir, #"""
                model_checkpoint_path: "C:\\Users\\bob\\train\\model.ckpt-3"
                all_model_checkpoint_paths: "\\\\server\\share\\train\\model.ckpt-1"
                all_model_checkpoint_paths: "train\\model.ckpt-2"
                all_model_checkpoint_paths: "C:\\Users\\bob\\train\\model.ckpt-3"

                """#)
            let d = try CheckpointDirectory(dir)
            #expect(try d.readStoredState().modelCheckpointPath == #"C:\Users\bob\train\model.ckpt-3"#)
            let plan = try d.rebase()
            #expect(plan.changes.map(\.to) == ["model.ckpt-1", "model.ckpt-2", "model.ckpt-3"])
            #expect(try d.latestCheckpoint() == dir + "/model.ckpt-3")
        }
    }

    @Test func doubledRelativePathIsRepaired() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "model.ckpt-1.index")
            StateFixture.writeState(dir, "model_checkpoint_path: \"run/model.ckpt-1\"\n")
            let plan = try CheckpointDirectory(dir).rebase()
            #expect(plan.changes == [.init(from: "run/model.ckpt-1", to: "model.ckpt-1")])
        }
    }

    @Test func dropMissingMakesTheNewestRemainingTheLatest() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "ckpt-1.index")
            StateFixture.writeState(dir, StateFixture.managerText)
            let d = try CheckpointDirectory(dir)
            let report = try StateReport(d)
            #expect(report.latest == nil && report.repair?.contains("--drop-missing") == true)
            #expect(throws: MetaGraphKitError(.notFound, "")) { try d.rebase() }
            let plan = try d.rebase(dropMissing: true)
            #expect(plan.dropped == ["ckpt-2"] && plan.written)
            #expect(try d.readStoredState() == CheckpointState(
                modelCheckpointPath: "ckpt-1", allModelCheckpointPaths: ["ckpt-1"],
                allModelCheckpointTimestamps: [1795555379.5780394], lastPreservedTimestamp: 1795555378.5200078))
            #expect(try StateReport(d).repair == nil)
        }
    }

    @Test func dropMissingWithNothingLeftIsAnError() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.writeState(dir, StateFixture.managerText)
            let error = #expect(throws: MetaGraphKitError(.notFound, "")) {
                try CheckpointDirectory(dir).rebase(dropMissing: true)
            }
            #expect(error?.message.contains("state init") == true)
            #expect(try CheckpointDirectory(dir).readStoredState().modelCheckpointPath == "ckpt-2")
        }
    }

    @Test func pruneDeletesOnlyWhatThePolicyNames() throws {
        try withTemporaryDirectory { (dir: String) throws in
            let t0 = 1_700_000_000.0
            for i in 1...5 { try v2(dir, "ckpt-\(i)", at: t0 + Double(i)) }
            StateFixture.touch(dir, "ckpt-1.meta", "best-9.index", "best-9.data-00000-of-00001", "events.out.1",
                               "stray.data-00000-of-00001")
            // TF1-style: only the latest listed, absolute, no timestamps.
            StateFixture.writeState(dir, "model_checkpoint_path: \"\(dir)/ckpt-5\"\nall_model_checkpoint_paths: \"\(dir)/ckpt-5\"\n")
            let d = try CheckpointDirectory(dir)
            let dry = try d.prune(keep: 2, dryRun: true)
            #expect(dry.policy.rule == .saver)
            #expect(dry.deleted.map(\.path) == ["1", "2", "3"].map { "\(dir)/ckpt-\($0)" })
            #expect(dry.deleted[0].files.map(PathRules.basename) == ["ckpt-1.meta", "ckpt-1.data-00000-of-00001", "ckpt-1.index"])
            #expect(dry.otherCheckpoints == ["best-9"])
            #expect(dry.unknownFiles == ["events.out.1", "stray.data-00000-of-00001"])
            #expect(StateFixture.files(dir).count == 16)

            let plan = try d.prune(keep: 2)
            #expect(plan.stateWritten && plan.deletedFiles.count == 7)
            #expect(StateFixture.files(dir) == ["best-9.data-00000-of-00001", "best-9.index", "checkpoint",
                                                "ckpt-4.data-00000-of-00001", "ckpt-4.index",
                                                "ckpt-5.data-00000-of-00001", "ckpt-5.index", "events.out.1",
                                                "stray.data-00000-of-00001"])
            #expect(try d.readStoredState().allModelCheckpointPaths == ["\(dir)/ckpt-4", "\(dir)/ckpt-5"])
            let again = try d.prune(keep: 2)
            #expect(again.deleted.isEmpty && !again.stateWritten)
        }
    }

    @Test func pruneWithTheManagersRecord() throws {
        try withTemporaryDirectory { (dir: String) throws in
            for i in 1...4 { try v2(dir, "ckpt-\(i)", at: 100) }
            let t = [0.0, 1800, 3600, 3700].map { 1_700_000_000 + $0 }
            StateFixture.writeState(dir, """
                model_checkpoint_path: "ckpt-4"
                all_model_checkpoint_paths: "ckpt-1"
                all_model_checkpoint_paths: "ckpt-2"
                all_model_checkpoint_paths: "ckpt-3"
                all_model_checkpoint_paths: "ckpt-4"
                \(t.map { "all_model_checkpoint_timestamps: \($0)" }.joined(separator: "\n"))
                last_preserved_timestamp: \(t[0] - 3600)

                """)
            let d = try CheckpointDirectory(dir)
            let plan = try d.prune(keep: 1, keepEveryHours: 1)
            #expect(plan.policy.rule == .manager)
            #expect(plan.preserved.map(\.path) == ["ckpt-1", "ckpt-3"])
            #expect(plan.deleted.map(\.path) == ["ckpt-2"])
            #expect(try d.readStoredState() == CheckpointState(
                modelCheckpointPath: "ckpt-4", allModelCheckpointPaths: ["ckpt-4"],
                allModelCheckpointTimestamps: [t[3]], lastPreservedTimestamp: t[2]))
            // What it preserved is not weighed again.
            #expect(try d.prune(keep: 1, keepEveryHours: 1).deleted.isEmpty)
            #expect(StateFixture.files(dir).filter { $0.hasSuffix(".index") } == ["ckpt-1.index", "ckpt-3.index", "ckpt-4.index"])
        }
    }

    @Test func pruneRefusesPathsOutsideAndAMissingLatest() throws {
        try withTemporaryDirectory { (dir: String) throws in
            try withTemporaryDirectory { (other: String) throws in
                try v2(other, "ckpt-1", at: 1)
                try v2(dir, "ckpt-2", at: 2)
                StateFixture.writeState(dir, "model_checkpoint_path: \"ckpt-2\"\nall_model_checkpoint_paths: \"\(other)/ckpt-1\"\nall_model_checkpoint_paths: \"ckpt-2\"\n")
                let error = #expect(throws: MetaGraphKitError(.invalidArgument, "")) { try CheckpointDirectory(dir).prune(keep: 1) }
                #expect(error?.message.contains(other) == true)
                #expect(StateFixture.files(other).count == 2)
                StateFixture.writeState(dir, "model_checkpoint_path: \"ckpt-9\"\n")
                #expect(throws: MetaGraphKitError(.notFound, "")) { try CheckpointDirectory(dir).prune(keep: 1) }
                #expect(throws: MetaGraphKitError(.invalidArgument, "")) { try CheckpointDirectory(dir).prune(keep: 0) }
            }
        }
    }

    @Test func pruneRemovesTheRemainsOfACutShortDeletion() throws {
        try withTemporaryDirectory { (dir: String) throws in
            try v2(dir, "ckpt-2", at: 2)
            try v2(dir, "ckpt-3", at: 3)
            StateFixture.touch(dir, "ckpt-1.index")   // its data file was deleted, the index not yet
            StateFixture.writeState(dir, "model_checkpoint_path: \"ckpt-3\"\nall_model_checkpoint_paths: \"ckpt-2\"\nall_model_checkpoint_paths: \"ckpt-3\"\n")
            let plan = try CheckpointDirectory(dir).prune(keep: 5)
            #expect(plan.deleted.map(\.path) == ["ckpt-1"])
            #expect(!FileManager.default.fileExists(atPath: dir + "/ckpt-1.index"))
            #expect(!plan.stateWritten)
        }
    }
}
