import Foundation
import Testing
@testable import MetaGraphKit

/// What the C ABI (TFMetaC) relies on: SavedModel directories open as their
/// variables, mapped payloads are lent without a copy and stay valid, others are
/// copied, and `BundleWriter.save` keeps the output rules.
@Suite("Lending tensor bytes and saving for bindings")
struct CheckpointLendingTests {
    @Test func savedModelDirectoryOpensItsVariables() throws {
        let r = try CheckpointReader(path: Fixture.path("saved_model"))
        #expect(r.prefix.hasSuffix("saved_model/variables/variables"))
        #expect(r.format == .v2)
        #expect(!r.entries.isEmpty)
    }

    @Test func v2PayloadIsLentFromTheMapping() throws {
        let r = try CheckpointReader(path: Fixture.path("ckpt/v2_dtypes"))
        guard case .mapped(let b) = try r.lendTensorBytes("float32/matrix") else {
            Issue.record("a V2 tensor stored whole should be lent from the mapped file")
            return
        }
        let copy = try r.tensor("float32/matrix").bytes
        #expect(Array(b) == copy)
    }

    @Test func slicedAndV1TensorsAreCopies() throws {
        let v1 = try CheckpointReader(path: Fixture.path("ckpt/v1_partitioned"))
        guard case .owned(let b) = try v1.lendTensorBytes("scope/part") else {
            Issue.record("a V1 tensor has no mapped payload to lend")
            return
        }
        #expect(b.count == 10 * 3 * 4)
        #expect(throws: MetaGraphKitError(.unsupported, "")) {
            _ = try CheckpointReader(path: Fixture.path("ckpt/v2_dtypes")).lendTensorBytes("string/scalar")
        }
        #expect(throws: MetaGraphKitError(.notFound, "")) { _ = try v1.lendTensorBytes("nope") }
    }

    @Test func saveRefusesAnExistingCheckpointAndLeavesNothingOnFailure() throws {
        try withTemporaryDirectory { dir in
            let prefix = dir + "/c"
            let one: [Float] = [1, 2, 3]
            try BundleWriter.save(prefix: prefix, overwrite: false) { w in
                try one.withUnsafeBytes { try w.add(name: "a", dtype: .float32, shape: [3], bytes: $0) }
            }
            #expect(throws: MetaGraphKitError(.exists, "")) {
                try BundleWriter.save(prefix: prefix, overwrite: false) { _ in }
            }
            #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
                try BundleWriter.save(prefix: prefix, overwrite: true) { w in
                    try one.withUnsafeBytes { try w.add(name: "a", dtype: .float32, shape: [4], bytes: $0) }
                }
            }
            // The first checkpoint is still there, whole, and nothing else is.
            #expect(try CheckpointReader(path: prefix).tensor("a").bytes?.count == 12)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["c.data-00000-of-00001", "c.index"])
        }
    }
}
