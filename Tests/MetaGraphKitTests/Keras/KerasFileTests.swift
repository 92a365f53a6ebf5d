import Foundation
import Testing
@testable import MetaGraphKit

/// Keras 3 files read as checkpoints, compared with h5py's reading
/// (`Fixtures/keras/small.values.json`), and the checks on archive names.
@Suite("Keras 3 files")
struct KerasFileTests {
    static let dir = Fixture.root.appendingPathComponent("keras").path

    @Test(arguments: ["small.weights.h5", "small.keras"])
    func readsLikeH5py(_ name: String) throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.dir + "/small.values.json")))
            as! [String: [String: [String: Any]]]
        let want = try #require(json[name])
        let reader = try CheckpointReader(path: Self.dir + "/" + name)
        #expect(reader.formatName == (name.hasSuffix(".keras") ? "keras" : "keras-h5"))
        #expect(reader.entries.map(\.key).sorted() == want.keys.sorted())
        for (key, w) in want {
            let t = try reader.tensor(key)
            #expect(t.shape == (w["shape"] as! [NSNumber]).map(\.intValue), "\(key)")
            let values = (w["values"] as! [NSNumber])
            if t.dtype == .float32 {
                let got = t.bytes!.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                #expect(got == values.map(\.floatValue), "\(key)")
            } else {
                #expect(t.dtype == .int64)
                let got = t.bytes!.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
                #expect(got == values.map(\.int64Value), "\(key)")
            }
        }
        #expect(reader.verify().isEmpty)
    }

    @Test func annotatesLayerClassesAndVariableNames() throws {
        let reader = try CheckpointReader(path: Self.dir + "/small.keras")
        let notes = Dictionary(uniqueKeysWithValues: reader.annotations("layers/batch_normalization/vars/3").map { ($0.0, $0.1) })
        #expect(notes["layer_class"] == "BatchNormalization")
        #expect(notes["variable"] == "moving_variance")
        let dense = Dictionary(uniqueKeysWithValues: reader.annotations("layers/dense/vars/0").map { ($0.0, $0.1) })
        #expect(dense["layer_name"] == "hidden")
        #expect(dense["variable"] == "kernel")
    }

    @Test func archiveNamesThatEscapeAreRefused() {
        #expect(Zip.isSafe("model.weights.h5"))
        #expect(Zip.isSafe("assets/vocab.txt"))
        #expect(!Zip.isSafe("../x"))
        #expect(!Zip.isSafe("a/../../x"))
        #expect(!Zip.isSafe("/etc/passwd"))
        #expect(!Zip.isSafe("a\\..\\b"))
        #expect(!Zip.isSafe(""))
    }

    @Test func layerOrderIsNatural() {
        let scopes = ["dense_10", "dense_2", "dense", "dense_1", "conv2d"].sorted(by: KerasMatcher.naturalLess)
        #expect(scopes == ["conv2d", "dense", "dense_1", "dense_2", "dense_10"])
        #expect(KerasLayers.classFromPath("layers/lstm/cell") == "LSTMCell")
        #expect(KerasLayers.classFromPath("layers/conv2d_transpose_3") == "Conv2DTranspose")
    }

    @Test func toKerasRoundTripsAKerasFile() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("mgk-keras-\(getpid()).weights.h5").path
        defer { unlink(out) }
        let src = Self.dir + "/small.keras"
        let result = try KerasConversion.toKeras(source: src, template: Self.dir + "/small.weights.h5", destination: out)
        #expect(result.report.complete)
        let a = try CheckpointReader(path: src), b = try CheckpointReader(path: out)
        for e in b.entries { #expect(try a.tensor(e.key) == b.tensor(e.key), "\(e.key)") }
        #expect(throws: MetaGraphKitError(.exists, "")) {
            try KerasConversion.toKeras(source: src, template: Self.dir + "/small.weights.h5", destination: out)
        }
    }
}
