import Foundation
import Testing
@testable import MetaGraphKit

/// "Slice is listed but not stored" is one condition with one code (`corrupt`) in
/// V1 and V2 sources, so `ckpt migrate --skip-damaged` skips it in both.
@Suite("A slice listed but not stored")
struct SliceNotStoredTests {
    /// Rewrites `table` without its first slice-data key (OrderedCode keys start
    /// with 0x00 in V1 files and V2 indexes alike); returns the key dropped.
    static func dropFirstSlice(from table: String, to output: String) throws -> [UInt8] {
        var entries: [(key: [UInt8], value: [UInt8])] = []
        try TableReader(path: table).forEach { key, value in entries.append((key, value.array)) }
        let index = try #require(entries.firstIndex { $0.key.first == 0 })
        let dropped = entries.remove(at: index).key
        try FileIO.writeAtomically(TestTable.table(entries), to: output)
        return dropped
    }

    static func damagedV1(_ dir: String) throws -> String {
        _ = try dropFirstSlice(from: Fixture.path("ckpt/v1_partitioned"), to: dir + "/v1")
        return dir + "/v1"
    }

    static func damagedV2(_ dir: String) throws -> String {
        let source = Fixture.path("ckpt/v2_partitioned")
        _ = try dropFirstSlice(from: source + ".index", to: dir + "/v2.index")
        try FileIO.writeAtomically(FileIO.read(source + ".data-00000-of-00001"), to: dir + "/v2.data-00000-of-00001")
        return dir + "/v2"
    }

    @Test(arguments: ["V1", "V2"])
    func isCorruptAndSkippedWhenAsked(format: String) throws {
        try withTemporaryDirectory { dir in
            let source = try format == "V1" ? Self.damagedV1(dir) : Self.damagedV2(dir)
            // Read directly: the reader's error has the code and the key as data.
            let reader = try CheckpointReader(path: source)
            var failures: [MetaGraphKitError] = []
            for key in reader.entries.map(\.key) {
                do { _ = try reader.tensor(key) } catch let e as MetaGraphKitError { failures.append(e) }
            }
            let failure = try #require(failures.first, "\(format): no tensor failed to read")
            #expect(failures.count == 1)
            #expect(failure.code == .corrupt)
            #expect(failure.message.hasSuffix("is listed but not stored"), "\(failure.message)")
            #expect(failure.key != nil && failure.file != nil)

            // Without --skip-damaged the migration stops on it, with the same code.
            let stop = #expect(throws: MetaGraphKitError.self) {
                try Migration.migrate(source: source, destination: dir + "/stopped")
            }
            #expect(stop?.code == .corrupt)
            #expect(!FileIO.exists(dir + "/stopped.index"))

            // With it, the tensor is left out and named, and the rest is written.
            var options = Migration.Options()
            options.skipDamaged = true
            let summary = try Migration.migrate(source: source, destination: dir + "/skipped", options: options)
            #expect(summary.sourceFormat.rawValue == format)
            #expect(summary.skipped.map(\.name) == [failure.key!])
            #expect(summary.skipped.first?.reason.hasSuffix("is listed but not stored") == true)
            #expect(summary.tensors == reader.entries.map(\.key).count - 1)
            let written = try CheckpointReader(path: dir + "/skipped")
            #expect(Set(written.entries.map(\.key)) == Set(reader.entries.map(\.key)).subtracting([failure.key!]))
        }
    }
}
