import Foundation
import Testing
@testable import MetaGraphKit

/// Rules files and presets on export, import, diff and to-keras: the same steps as
/// `ckpt rename`, values changed included (they were once silently ignored there).
@Suite("Rules on every command")
struct RulesEverywhereTests {
    /// A V2 checkpoint of float32 tensors; values are 0, 1, 2, … per tensor plus `base`.
    func write(_ prefix: String, _ tensors: [(String, [Int])], base: Float = 0) throws {
        let w = try BundleWriter(prefix: prefix)
        for (name, shape) in tensors {
            let values = (0..<shape.reduce(1, *)).map { Float($0) + base }
            try values.withUnsafeBytes { try w.add(name: name, dtype: .float32, shape: shape, bytes: $0) }
        }
        try w.finish()
    }

    func floats(_ t: Tensor) -> [Float] {
        (t.bytes ?? []).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    @Test func exportAppliesTransposeMergeCastAndStrict() throws {
        try withTemporaryDirectory { dir in
            try write(dir + "/src", [("dense/kernel", [2, 3]), ("emb/part_0", [2, 2]), ("emb/part_1", [1, 2]), ("x", [2])])
            let reader = try CheckpointReader(path: dir + "/src")
            var options = CheckpointExportOptions()
            options.ruleSet = try RulePresets.ruleSet("to-torch")
            options.ruleSet.append(contentsOf: try RuleSet.parse(Array(#"""
                {"steps": [{"merge_partitions": {}}, {"cast": {"pattern": "^x$", "from": "float32", "to": "float16"}}]}
                """#.utf8), origin: "r.json"))
            let report = try reader.export(to: dir + "/out.safetensors", options: options)
            #expect(report.written == ["dense/kernel", "emb", "x"])
            #expect(Set(report.rules.transformed) == ["dense/kernel", "emb", "x"])
            #expect(report.rules.unmatched.isEmpty)
            let out = try CheckpointReader(path: dir + "/out.safetensors")
            let kernel = try out.tensor("dense/kernel")
            #expect(kernel.shape == [3, 2])
            #expect(floats(kernel) == [0, 3, 1, 4, 2, 5])   // numpy: arange(6).reshape(2, 3).T
            let emb = try out.tensor("emb")
            #expect(emb.shape == [3, 2])
            #expect(floats(emb) == [0, 1, 2, 3, 0, 1])
            #expect(try out.tensor("x").dtype == .float16)
            #expect(out.entry("emb/part_0") == nil)

            // A step matching nothing: reported, and an error under strict (nothing written).
            var unmatched = CheckpointExportOptions()
            unmatched.ruleSet = try RuleSet.parse(Array(#"{"steps": [{"rename": {"pattern": "^absent/", "replacement": "y/"}}]}"#.utf8),
                                                  origin: "r.json")
            let warned = try reader.export(to: dir + "/w.npz", options: unmatched)
            #expect(warned.rules.unmatched.count == 1)
            unmatched.strict = true
            #expect(throws: MetaGraphKitError.self) { try reader.export(to: dir + "/strict.npz", options: unmatched) }
            #expect(!FileManager.default.fileExists(atPath: dir + "/strict.npz"))
        }
    }

    @Test func importTransposesBackAndDiffProvesTheRoundTrip() throws {
        try withTemporaryDirectory { dir in
            try write(dir + "/src", [("conv/kernel", [3, 3, 2, 4]), ("dense/kernel", [4, 5]), ("dense/bias", [5])])
            let reader = try CheckpointReader(path: dir + "/src")
            var options = CheckpointExportOptions()
            options.ruleSet = try RulePresets.ruleSet("to-torch")
            _ = try reader.export(to: dir + "/torch.safetensors", options: options)
            let torch = try CheckpointReader(path: dir + "/torch.safetensors")
            #expect(torch.entry("conv/kernel")?.shape == [4, 2, 3, 3])

            // Without the rules the layouts differ; with from-torch the diff is exact.
            let plain = try CheckpointDiff.compare(dir + "/src", dir + "/torch.safetensors")
            #expect(!plain.equal)
            var back = CheckpointDiff.Options()
            back.ruleSet = try RulePresets.ruleSet("from-torch")
            let diff = try CheckpointDiff.compare(dir + "/src", dir + "/torch.safetensors", options: back)
            #expect(diff.equal)
            #expect(diff.tensors.allSatisfy { $0.status == .identical })

            let result = try CheckpointRemap.importForeign(source: dir + "/torch.safetensors", destination: dir + "/back",
                                                           ruleSet: try RulePresets.ruleSet("from-torch"))
            #expect(result.sourceFormatName == "safetensors")
            #expect(Set(result.rules.transformed) == ["conv/kernel", "dense/kernel"])
            #expect(try CheckpointDiff.compare(dir + "/src", dir + "/back").tensors.allSatisfy { $0.status == .identical })

            // Strict: a preset that matches nothing is an error.
            #expect(throws: MetaGraphKitError.self) {
                try CheckpointRemap.importForeign(source: dir + "/torch.safetensors", destination: dir + "/none",
                                                  ruleSet: try RulePresets.ruleSet("drop-ema"), strict: true)
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/none.index"))
        }
    }

    @Test func diffUnderRulesStillFindsOneULP() throws {
        try withTemporaryDirectory { dir in
            try write(dir + "/a", [("dense/kernel", [2, 3])])
            // B: the transposed kernel with the element at A's [1, 2] one ULP up.
            var values: [Float] = [0, 3, 1, 4, 2, 5]
            values[5] = values[5].nextUp
            let w = try BundleWriter(prefix: dir + "/b")
            try values.withUnsafeBytes { try w.add(name: "dense/kernel", dtype: .float32, shape: [3, 2], bytes: $0) }
            try w.finish()
            var options = CheckpointDiff.Options()
            options.ruleSet = try RulePresets.ruleSet("from-torch")
            options.rtol = 0
            options.atol = 0
            let diff = try CheckpointDiff.compare(dir + "/a", dir + "/b", options: options)
            #expect(!diff.equal)
            let t = try #require(diff.tensors.first)
            #expect(t.differing == 1)
            #expect(t.maxAt == [1, 2])
            #expect(t.maxAbsDiff == Double(Float(5).nextUp - 5))
        }
    }
}
