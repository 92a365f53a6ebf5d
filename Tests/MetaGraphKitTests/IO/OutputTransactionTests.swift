import Foundation
import Testing
@testable import MetaGraphKit

/// All-or-nothing outputs: what a rollback (as on failure or Ctrl-C) and a commit
/// leave on disk. The interrupt handler undoes the same records (Tests/Interop/
/// test_interrupt.py sends the real signals).
@Suite("OutputTransaction")
struct OutputTransactionTests {
    private func contents(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    }

    private func text(_ path: String) throws -> String { String(decoding: try FileIO.read(path), as: UTF8.self) }

    /// Writes `content` to a new temporary beside `path` within `tx`; returns its name.
    private func temporary(_ content: String, for path: String, in tx: OutputTransaction) throws -> String {
        let temp = FileIO.temporaryName(for: path)
        let file = try tx.createFile(temp)
        try file.write(Array(content.utf8))
        try file.close()
        return temp
    }

    @Test func rollbackPutsBackAReplacedFile() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/out"
            try FileIO.writeAtomically(Array("old".utf8), to: path)
            let tx = OutputTransaction()
            try tx.place(try temporary("new", for: path, in: tx), at: path)
            #expect(try text(path) == "new")
            #expect(try contents(dir).count == 2)   // the old file is kept under a backup name
            tx.rollback()
            #expect(try contents(dir) == ["out"])
            #expect(try text(path) == "old")
            #expect(TemporaryFiles.registered.filter { $0.hasPrefix(dir) }.isEmpty)
        }
    }

    @Test func commitDeletesTheBackup() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/out"
            try FileIO.writeAtomically(Array("old".utf8), to: path)
            let tx = OutputTransaction()
            try tx.place(try temporary("new", for: path, in: tx), at: path)
            tx.commit()
            tx.rollback()   // too late: a no-op
            #expect(try contents(dir) == ["out"])
            #expect(try text(path) == "new")
            #expect(TemporaryFiles.registered.filter { $0.hasPrefix(dir) }.isEmpty)
        }
    }

    @Test func droppedTransactionRemovesItsTemporaries() throws {
        try withTemporaryDirectory { dir in
            do {
                let tx = OutputTransaction()
                _ = try temporary("x", for: dir + "/a", in: tx)
                try tx.makeDirectory(dir + "/sub")
                try tx.moveAside(dir + "/sub")   // a directory can be moved aside too
                #expect(try contents(dir).count == 2)
            }
            #expect(try contents(dir).isEmpty)
            #expect(TemporaryFiles.registered.filter { $0.hasPrefix(dir) }.isEmpty)
        }
    }

    /// A child's commit hands its files to the parent: they stay undoable until the
    /// parent commits, as the checkpoints of a migrated directory do until the state
    /// file is written.
    @Test func childCommitIsUndoneByTheParentsRollback() throws {
        try withTemporaryDirectory { dir in
            let outer = OutputTransaction()
            try outer.makeDirectory(dir + "/d")
            let inner = OutputTransaction(within: outer)
            try inner.place(try temporary("1", for: dir + "/d/f", in: inner), at: dir + "/d/f")
            inner.commit()
            #expect(TemporaryFiles.registered.contains(dir + "/d/f"))
            outer.rollback()
            #expect(try contents(dir).isEmpty)
        }
    }

    @Test func parentCommitMakesChildFilesFinal() throws {
        try withTemporaryDirectory { dir in
            try FileIO.writeAtomically(Array("old".utf8), to: dir + "/f")
            let outer = OutputTransaction()
            let inner = OutputTransaction(within: outer)
            try inner.place(try temporary("new", for: dir + "/f", in: inner), at: dir + "/f")
            inner.commit()
            outer.commit()
            #expect(try contents(dir) == ["f"])
            #expect(try text(dir + "/f") == "new")
            #expect(TemporaryFiles.registered.filter { $0.hasPrefix(dir) }.isEmpty)
        }
    }

    /// `--overwrite` with another shard count: after a rollback of a finished
    /// writer (what Ctrl-C before the commit does) the old checkpoint is back, byte
    /// for byte, stale shards included; after a commit only the new one is there.
    @Test func replacingACheckpointIsAllOrNothing() throws {
        try withTemporaryDirectory { dir in
            let prefix = dir + "/m"
            func write(shards: Int, value: Float, within parent: OutputTransaction? = nil) throws {
                var o = BundleWriter.Options()
                o.shards = shards
                let w = try BundleWriter(prefix: prefix, options: o, within: parent)
                for i in 0..<4 {
                    try [value, value].withUnsafeBytes { try w.add(name: "t\(i)", dtype: .float32, shape: [2], bytes: $0) }
                }
                try w.finish()
            }
            try write(shards: 3, value: 1)
            let old = try contents(dir)
            let oldBytes = try old.map { try FileIO.read(dir + "/" + $0) }
            #expect(old.count == 4)

            let outer = OutputTransaction()
            try write(shards: 2, value: 2, within: outer)
            #expect(try CheckpointReader(path: prefix).tensor("t0").bytes == TestTable.floats([2, 2]))
            outer.rollback()
            #expect(try contents(dir) == old)
            #expect(try old.map { try FileIO.read(dir + "/" + $0) } == oldBytes)

            try write(shards: 2, value: 2)
            #expect(try contents(dir) == ["m.data-00000-of-00002", "m.data-00001-of-00002", "m.index"])
            #expect(try CheckpointReader(path: prefix).tensor("t3").bytes == TestTable.floats([2, 2]))
            #expect(TemporaryFiles.registered.filter { $0.hasPrefix(dir) }.isEmpty)
        }
    }
}
