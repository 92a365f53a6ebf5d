import Foundation
import Testing
@testable import MetaGraphKit

/// What the Python binding's fast path relies on (CheckpointReader+Payloads.swift):
/// a payload the bulk check passes is exactly what `lendTensorBytes` lends, one it
/// fails is one `lendTensorBytes` refuses or does not lend from the mapping, and
/// `lendTensor` gives the entry and bytes of a lazily opened reader.
@Suite("Payload tables and bulk checks for bindings")
struct PayloadTableTests {
    static let fixtures = ["ckpt/v2_dtypes", "ckpt/v2_large_index", "ckpt/v2_partitioned", "ckpt/v2_sharded",
                           "ckpt/v2_sliced_tf2", "ckpt/v2_snappy", "ckpt/tf2_keras", "ckpt/v1_dtypes", "ckpt/v1_partitioned"]

    /// Runs the bulk check over every entry of `reader`: (entry, ok) pairs.
    static func check(_ reader: CheckpointReader) throws -> (CheckpointReader.PayloadTable, [UInt8]) {
        let table = try reader.payloadTable()
        var ok = [UInt8](repeating: 7, count: reader.entries.count)
        ok.withUnsafeMutableBufferPointer { reader.checkPayloads(table, 0..<table.shards.count, into: $0.baseAddress!) }
        return (table, ok)
    }

    @Test(arguments: fixtures) func checkedPayloadsAreWhatReadingLends(_ fixture: String) throws {
        let reader = try CheckpointReader(path: Fixture.path(fixture), lazy: true)
        let (table, ok) = try Self.check(reader)
        #expect(table.shards.count == reader.entries.count)
        for (i, e) in reader.entries.enumerated() {
            #expect(ok[i] == 0 || ok[i] == 1)
            let lent = try? reader.lendTensorBytes(e.key)
            if ok[i] == 1 {
                guard case .mapped(let b)? = lent else {
                    Issue.record("\(fixture): \(e.key) passed the bulk check but is not lent from the mapping")
                    continue
                }
                let file = try reader.lendDataFile(Int(table.shards[i]))
                let at = UnsafeRawBufferPointer(rebasing: file[Int(table.offsets[i])..<Int(table.offsets[i] + table.sizes[i])])
                #expect(at.baseAddress == b.baseAddress && at.count == b.count, "\(fixture): \(e.key)")
            } else if case .mapped? = lent {
                // Only empty tensors are left to the one-call path while mapped.
                #expect(e.shape.contains(0), "\(fixture): \(e.key) is mapped but failed the bulk check")
            }
            guard e.dtype.elementSize != nil || e.dtype == .string else { continue }  // variant, resource
            let (entry, bytes) = try reader.lendTensor(e.key)
            #expect(entry.dtype == e.dtype && entry.shape == e.shape, "\(fixture): \(e.key)")
            #expect((bytes == nil) == (e.dtype == .string), "\(fixture): \(e.key)")
        }
        if fixture.hasPrefix("ckpt/v1") { #expect(ok.allSatisfy { $0 == 0 }) } else { #expect(ok.contains(1)) }
    }

    /// A flipped byte in one payload fails that entry's check only.
    @Test func aBadChecksumFailsOnlyItsEntry() throws {
        let source = Fixture.path("ckpt/v2_large_index")
        let original = try CheckpointReader(path: source)
        let (table, _) = try Self.check(original)
        let victim = 2500
        try withTemporaryDirectory { dir in
            var data = try Fixture.bytes("ckpt/v2_large_index.data-00000-of-00001")
            data[Int(table.offsets[victim])] ^= 1
            try Data(data).write(to: URL(fileURLWithPath: dir + "/c.data-00000-of-00001"))
            try FileManager.default.copyItem(atPath: source + ".index", toPath: dir + "/c.index")
            let reader = try CheckpointReader(path: dir + "/c", lazy: true)
            let (_, ok) = try Self.check(reader)
            #expect(ok[victim] == 0)
            #expect(ok.enumerated().allSatisfy { $0.offset == victim || $0.element == 1 })
            #expect(throws: MetaGraphKitError(.badChecksum, "")) {
                _ = try reader.lendTensorBytes(reader.entries[victim].key)
            }
        }
    }

    @Test func dataFilesOutOfRangeAreRefused() throws {
        let reader = try CheckpointReader(path: Fixture.path("ckpt/v2_sharded"))
        #expect(try reader.lendDataFile(2).count > 0)
        #expect(throws: MetaGraphKitError(.invalidArgument, "")) { _ = try reader.lendDataFile(3) }
        #expect(throws: MetaGraphKitError(.invalidArgument, "")) { _ = try reader.lendDataFile(-1) }
        let v1 = try CheckpointReader(path: Fixture.path("ckpt/v1_dtypes"))
        #expect(throws: MetaGraphKitError(.invalidArgument, "")) { _ = try v1.lendDataFile(0) }
    }
}
