import Foundation
import Testing
@testable import MetaGraphKit

@Suite("Rules files and presets")
struct RuleSetTests {
    func entry(_ key: String, _ shape: [Int], _ dtype: DType = .float32) -> TensorEntry {
        TensorEntry(key: key, dtype: dtype, shape: shape, slices: [])
    }

    func parse(_ json: String) throws -> RuleSet { try RuleSet.parse(Array(json.utf8), origin: "r.json") }

    @Test func stepsApplyInOrderAndMapPinsNames() throws {
        let set = try parse("""
            {"version": 1, "steps": [
              {"map": {"old/a": "kept/a"}},
              {"rename": {"pattern": "^old/", "replacement": "new/"}},
              {"drop": ["/Adam(_1)?$"]},
              {"keep": "^(new|kept)/"}
            ]}
            """)
        let plan = try set.plan([entry("old/a", [2]), entry("old/b", [2]), entry("old/b/Adam", [2]), entry("step", [])], file: "f")
        #expect(plan.renamed.map(\.to) == ["kept/a", "new/b"])
        #expect(plan.dropped == ["old/b/Adam", "step"])
        #expect(plan.unmatched.isEmpty)
        #expect(set.renameNode("old/b/Assign") == "new/b/Assign")
        #expect(set.renameNode("old/a") == "kept/a")
    }

    @Test func unmatchedStepsAreReportedAndStrictFails() throws {
        let set = try parse(#"{"steps": [{"rename": {"pattern": "^x/", "replacement": "y/"}}, {"map": {"absent": "b"}}]}"#)
        let plan = try set.plan([entry("a", [1])], file: "f")
        #expect(plan.unmatched.count == 2)
        #expect(throws: MetaGraphKitError.self) { try set.plan([entry("a", [1])], file: "f", strict: true) }
        // A preset counts as one rule: silent while any of its steps matched.
        let preset = try RulePresets.ruleSet("tf1-rnn-1.2")
        #expect(try preset.plan([entry("rnn/basic_lstm_cell/weights", [4, 8])], file: "f").unmatched.isEmpty)
        #expect(try preset.plan([entry("a", [1])], file: "f").unmatched == ["preset tf1-rnn-1.2 matched nothing"])
    }

    @Test func mergeInfersTheAxisAndRejectsGaps() throws {
        let set = try parse(#"{"steps": [{"merge_partitions": {}}]}"#)
        let plan = try set.plan([entry("e/part_0", [2, 5]), entry("e/part_1", [2, 3]), entry("b", [3])], file: "f")
        #expect(plan.tensors.first?.name == "e")
        #expect(plan.tensors.first?.shape == [2, 8])
        #expect(plan.tensors.first?.mergeAxis == 1)
        #expect(plan.tensors.first?.sources == ["e/part_0", "e/part_1"])
        #expect(throws: MetaGraphKitError.self) {
            try set.plan([entry("e/part_0", [2]), entry("e/part_2", [2])], file: "f")
        }
    }

    @Test func collisionsNameBothKeys() throws {
        let set = try parse(#"{"steps": [{"rename": {"pattern": "[ab]$", "replacement": "c"}}]}"#)
        let error = #expect(throws: MetaGraphKitError.self) { try set.plan([entry("a", [1]), entry("b", [1])], file: "f") }
        #expect(error?.message.contains("a and b would both be renamed to c") == true)
    }

    @Test func badFilesNameTheStep() throws {
        for (json, expected) in [
            (#"{"steps": [{"transpose": {"pattern": "k", "perm": [0, 0]}}]}"#, "step 1 (transpose): [0, 0] is not a permutation"),
            (#"{"steps": [{"cast": {"from": "int32", "to": "float16"}}]}"#, "step 1 (cast)"),
            (#"{"steps": [{"rename": {"pattern": "(", "replacement": ""}}]}"#, "does not compile"),
            (#"{"version": 2, "steps": []}"#, "version 2 is not supported"),
            (#"{"steps": [{"drop": "a", "keep": "b"}]}"#, "exactly one kind"),
            (#"{"steps": [{"split": {"pattern": "a", "parts": 2, "axis": true}}]}"#, "\"axis\" must be an integer"),
        ] {
            let error = #expect(throws: MetaGraphKitError.self) { try parse(json) }
            #expect(error?.message.contains(expected) == true, "\(json): \(error?.message ?? "")")
        }
    }

    @Test func jsonRoundTrips() throws {
        let set = try parse("""
            {"steps": [{"rename": {"pattern": "^a/", "replacement": "b/"}}, {"drop": ["x", "y"]},
              {"transpose": {"pattern": "k$", "perm": [1, 0], "rank": 2}}, {"split": {"pattern": "e", "parts": 3, "axis": 0}},
              {"cast": {"from": "float32", "to": "bfloat16"}}, {"promote_ema": {}}, {"merge_partitions": {"axis": 1}},
              {"slots": {"optimizer": "adam", "from": "tf1", "to": "slot_names"}}]}
            """)
        let text = set.jsonValue().serialized(pretty: true)
        let again = try RuleSet.parse(Array(text.utf8), origin: "again")
        #expect(again.jsonValue().serialized(pretty: true) == text)
        #expect(again.steps.map(\.kind) == ["rename", "drop", "transpose", "split", "cast", "promote_ema", "merge_partitions", "slots"])
    }

    @Test func everyPresetParses() throws {
        for p in RulePresets.all {
            let set = try RulePresets.ruleSet(p.name)
            #expect(!set.steps.isEmpty, "\(p.name)")
        }
        #expect(throws: MetaGraphKitError.self) { try RulePresets.named("nope") }
    }

    @Test func dropOptimizerKeepsModelVariables() throws {
        let set = try RulePresets.ruleSet("drop-optimizer")
        let keys = ["bert/k", "bert/k/adam_m", "bert/k/adam_v", "d/kernel/Adam", "d/kernel/Adam_1", "beta1_power", "beta2_power_1",
                    "d/kernel/Momentum", "d/kernel/RMSProp_1", "v/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE",
                    "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE", "optimizer/vars/3", "bn/moving_mean", "layer/momentum_scale"]
        let plan = try set.plan(keys.map { entry($0, [1]) }, file: "f")
        #expect(plan.renamed.map(\.to) == ["bert/k", "bn/moving_mean", "layer/momentum_scale"])
    }

    @Test func slotFamiliesConvert() {
        #expect(RuleSlotFamilies.rename("d/k/Adam_1", optimizer: "adam", from: "tf1", to: "slot_names", tf1Name: nil) == "d/k/v")
        #expect(RuleSlotFamilies.rename("d/k/m", optimizer: "adam", from: "slot_names", to: "object", tf1Name: nil)
                == "d/k/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE")
        #expect(RuleSlotFamilies.rename("d/k/MyAdam", optimizer: "adam", from: "tf1", to: "slot_names", tf1Name: "MyAdam") == "d/k/m")
        #expect(RuleSlotFamilies.rename("d/k", optimizer: "adam", from: "tf1", to: "slot_names", tf1Name: nil) == nil)
    }

    @Test func castsRoundToNearestEven() {
        // 1 + 2^-8 is halfway between two bfloat16 values: ties go to the even one (1.0).
        #expect(TensorBytes.floatToBFloat16(1 + 1.0 / 256) == 0x3F80)
        #expect(TensorBytes.floatToBFloat16(1 + 3.0 / 256) == 0x3F82)
        #expect(TensorBytes.floatToBFloat16(.infinity) == 0x7F80)
        #expect(TensorBytes.floatToBFloat16(.nan) & 0x7FC0 == 0x7FC0)
        for f: Float in [0, 1, -2.5, 65504, 1e-7, 6.1e-5, 3.14159, 70000, -1e-9, 0.1] {
            #expect(TensorBytes.floatToHalf(f) == Float16(f).bitPattern, "\(f)")
            #expect(TensorBytes.halfToFloat(Float16(f).bitPattern) == Float(Float16(f)), "\(f)")
        }
    }

    @Test func transposeConcatenateAndSliceAgree() {
        // A 2×3 int8 matrix: transpose, then split and join along axis 1.
        let m: [UInt8] = [1, 2, 3, 4, 5, 6]
        #expect(TensorBytes.transpose(m, shape: [2, 3], elementSize: 1, perm: [1, 0]) == [1, 4, 2, 5, 3, 6])
        let a = TensorBytes.slice(m, shape: [2, 3], axis: 1, start: 0, length: 2, elementSize: 1)
        let b = TensorBytes.slice(m, shape: [2, 3], axis: 1, start: 2, length: 1, elementSize: 1)
        #expect(a == [1, 2, 4, 5] && b == [3, 6])
        #expect(TensorBytes.concatenate([(a, [2, 2]), (b, [2, 1])], axis: 1, elementSize: 1) == m)
        #expect(TensorBytes.partitionSizes(10, parts: 4) == [3, 3, 2, 2])
    }
}

@Suite("Rules: hostile values")
struct RuleSetHostileTests {
    @Test func hugeReshapeAndSplitAreErrorsNotTraps() throws {
        let e = TensorEntry(key: "w", dtype: .float32, shape: [4], slices: [])
        let reshape = try RuleSet.parse(Array(#"{"steps": [{"reshape": {"pattern": "w", "shape": [9223372036854775807, 2, -1]}}]}"#.utf8), origin: "r")
        #expect(throws: MetaGraphKitError.self) { try reshape.plan([e], file: "f") }
        let split = try RuleSet.parse(Array(#"{"steps": [{"split": {"pattern": "w", "parts": 5}}]}"#.utf8), origin: "r")
        #expect(throws: MetaGraphKitError.self) { try split.plan([e], file: "f") }
        let perm = try RuleSet.parse(Array(#"{"steps": [{"transpose": {"pattern": "w", "perm": [1, 0]}}]}"#.utf8), origin: "r")
        #expect(throws: MetaGraphKitError.self) { try perm.plan([e], file: "f") }
    }
}
