// What a user of the library can do with `import MetaGraphKit` alone (no
// @testable): losing a `public` here breaks the build of this suite.
import Foundation
import MetaGraphKit
import Testing

private let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures").path

/// The values TensorFlow wrote, from the fixture's JSON (base64 of the raw bytes).
private func expectedRaw(_ fixture: String, _ key: String) throws -> (dtype: String, shape: [Int], raw: [UInt8]) {
    let data = try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/\(fixture).expected.json"))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let tensors = try #require(json["tensors"] as? [String: Any])
    let t = try #require(tensors[key] as? [String: Any])
    let base64 = try #require(t["raw"] as? String)
    let raw = try #require(Data(base64Encoded: base64))
    return (try #require(t["dtype"] as? String), try #require(t["shape"] as? [Int]), [UInt8](raw))
}

@Suite("Public API")
struct PublicAPITests {
    @Test func typedScalarsMatchWhatTensorFlowWrote() throws {
        let reader = try CheckpointReader(path: "\(fixtures)/ckpt/v2_dtypes")
        let floats: [Float] = try reader.tensor("float32/matrix").scalars()
        let expected = try expectedRaw("ckpt/v2_dtypes", "float32/matrix")
        #expect(expected.dtype == "float32")
        #expect(floats.count == expected.shape.reduce(1, *))
        let fromJSON = stride(from: 0, to: expected.raw.count, by: 4).map { i in
            Float(bitPattern: UInt32(expected.raw[i]) | UInt32(expected.raw[i + 1]) << 8
                  | UInt32(expected.raw[i + 2]) << 16 | UInt32(expected.raw[i + 3]) << 24)
        }
        #expect(floats == fromJSON)

        let bools = try reader.tensor("bool/vector").scalars(as: Bool.self)
        #expect(bools == (try expectedRaw("ckpt/v2_dtypes", "bool/vector")).raw.map { $0 != 0 })
        let int64: Int64 = try reader.tensor("int64/scalar").scalar()
        let raw = try expectedRaw("ckpt/v2_dtypes", "int64/scalar").raw
        #expect(int64 == raw.reversed().reduce(Int64(0)) { $0 << 8 | Int64($1) })
    }

    @Test func scalarsCheckTheDType() throws {
        let reader = try CheckpointReader(path: "\(fixtures)/ckpt/v2_dtypes")
        let tensor = try reader.tensor("float32/matrix")
        let e = #expect(throws: MetaGraphKitError.self) { _ = try tensor.scalars(as: Double.self) }
        #expect(e?.code == .invalidArgument)
        #expect(throws: MetaGraphKitError.self) { _ = try tensor.scalar(as: Float.self) }   // six elements, not one
    }

    @Test func errorsCarryTheirContext() throws {
        let reader = try CheckpointReader(path: "\(fixtures)/ckpt/v2_dtypes")
        let e = #expect(throws: MetaGraphKitError.self) { _ = try reader.tensor("no/such/key") }
        #expect(e?.code == .notFound)
        #expect(e?.key == "no/such/key")
        #expect(e?.file != nil)

        let missing = #expect(throws: MetaGraphKitError.self) {
            _ = try MappedFile(path: "\(fixtures)/no-such-file")
        }
        #expect(missing?.code == .notFound)
        #expect(missing?.cause as? Errno == Errno.noSuchFile)
    }

    @Test func migrateAndReadBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mgk-api-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = Migration.Options()
        options.shards = 2
        let summary = try Migration.migrate(source: "\(fixtures)/ckpt/v1_partitioned", destination: dir + "/out", options: options)
        #expect(summary.tensors > 0)
        let before = try CheckpointReader(path: "\(fixtures)/ckpt/v1_partitioned")
        let after = try CheckpointReader(path: dir + "/out")
        #expect(after.format == .v2)
        #expect(Set(after.entries.map(\.key)) == Set(before.entries.map(\.key)))
        for entry in before.entries {
            #expect(try after.tensor(entry.key) == before.tensor(entry.key), "\(entry.key)")
        }
        #expect(after.verify().isEmpty)
    }

    @Test func stateFileRoundTrip() throws {
        let state = CheckpointState(modelCheckpointPath: "ckpt-2", allModelCheckpointPaths: ["ckpt-1", "ckpt-2"],
                                    allModelCheckpointTimestamps: [1, 2], lastPreservedTimestamp: 0.5)
        let again = try CheckpointState(message: state.message())
        #expect(again == state)
    }
}

@Suite("Public API: MetaGraph")
struct MetaGraphAPITests {
    static let train = "\(fixtures)/meta/train_graph.meta"

    @Test func readAskAndWrite() throws {
        let graph = try MetaGraph(contentsOf: Self.train)
        let variables = try graph.variables()
        #expect(!variables.isEmpty)
        #expect(try graph.difference(from: graph).isEmpty)
        #expect(try graph.checkSaver().saver != nil)

        // The file the graph came from is never replaced.
        let e = #expect(throws: MetaGraphKitError.self) { try graph.write(to: Self.train) }
        #expect(e?.code == .invalidArgument)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mgk-api-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try graph.write(to: dir + "/copy.pbtxt")
        let again = try MetaGraph(contentsOf: dir + "/copy.pbtxt")
        #expect(try again.difference(from: graph).isEmpty)
        #expect(try again.variables() == variables)

        let cleared = try graph.rescoped(RescopeOptions(clearDevices: true))
        #expect(cleared.metaGraph.path == Self.train)
        #expect(throws: MetaGraphKitError.self) { try cleared.metaGraph.write(to: Self.train) }
    }
}
