import Foundation
import Testing
@testable import MetaGraphKit

/// The flat plan of name-only steps (RulePlan+Compact.swift) against
/// `RuleSet.plan`: the same tensors under the same names, the same drops in the
/// same order, the same unmatched lines, and the same first error, over random
/// rule sets on a TF1-like checkpoint.
@Suite("Remap: compact rule plan")
struct RulePlanCompactTests {
    static let keys: [String] = {
        var out = ["beta1_power", "beta2_power", "global_step", "model/embedding", "save_counter/.ATTRIBUTES/VARIABLE_VALUE"]
        for i in 0..<12 {
            for v in ["kernel", "bias"] {
                let base = "model/layer_\(i)/\(v)"
                out += [base, base + "/Adam", base + "/Adam_1", base + "/ExponentialMovingAverage"]
            }
        }
        return out + [ObjectGraph.checkpointKey]
    }()

    /// A V2 checkpoint of float32 scalars under `keys`, written in `dir`.
    func checkpoint(_ keys: [String], in dir: String) throws -> CheckpointReader {
        let writer = try BundleWriter(prefix: dir + "/src")
        for (n, k) in keys.enumerated() {
            var v = Float(n)
            try withUnsafeBytes(of: &v) { try writer.add(name: k, dtype: .float32, shape: [], bytes: $0) }
        }
        _ = try writer.finish()
        return try CheckpointReader(path: dir + "/src")
    }

    static func rule(_ p: String, _ r: String) -> KeyRule { try! KeyRule(pattern: p, replacement: r) }

    /// Steps that only name, some matching nothing, some renaming onto one name or to "".
    static let pool: [(RuleStep, String)] = [
        (.rename(rule("^model/", "net/")), "--rule"),
        (.rename(rule("/kernel$", "/weights")), "r.json"),
        (.rename(rule("^", "x/")), "--rule"),
        (.rename(rule("layer_(\\d+)", "block$1")), "r.json"),
        (.rename(rule("^(.)(.*)$", "$2$1")), "r.json"),
        (.rename(rule("/bias.*$", "/b")), "r.json"),
        (.rename(rule(".*", "same")), "--rule"),
        (.rename(rule("^.*$", "")), "--rule"),
        (.rename(rule("^nothing$", "x")), "--rule"),
        (.map(["model/layer_1/kernel": "a/b", "nothing/here": "x", "global_step": "step"]), "--map"),
        (.map(["global_step": "model/layer_0/bias"]), "m.json"),
        (.drop([rule("Adam(_1)?$", "")]), "--drop"),
        (.drop([rule("^nothing$", ""), rule("power$", "")]), "--drop"),
        (.keep([rule("^model/", ""), rule("^net/", "")]), "r.json"),
        (.keep([rule("^nothing$", "")]), "r.json"),
        (.slots(optimizer: "adam", from: "tf1", to: "slot_names", tf1Name: nil), "r.json"),
    ]

    /// Random name-only rule sets, with presets mixed in.
    static func ruleSets(count: Int, seed: UInt64) throws -> [RuleSet] {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % n
        }
        let presets = try ["drop-optimizer", "drop-step", "drop-ema"].map { try RulePresets.ruleSet($0) }
        var out: [RuleSet] = []
        for _ in 0..<count {
            var set = RuleSet()
            for _ in 0..<(1 + next(4)) {
                if next(5) == 0 {
                    set.append(contentsOf: presets[next(presets.count)])
                } else {
                    let (step, origin) = pool[next(pool.count)]
                    set.append(step, origin: origin)
                }
            }
            out.append(set)
        }
        return out
    }

    func compare(_ reader: CheckpointReader, _ set: RuleSet, strict: Bool) throws {
        let index = try #require(reader.bundle?.compact)
        let general = Result { try set.plan(reader.entries.filter { $0.key != ObjectGraph.checkpointKey }, file: "f", strict: strict) }
        let flat = Result { try set.compactPlan(index, excluding: ObjectGraph.checkpointKey, file: "f", strict: strict) }
        let steps = set.steps.map(\.summary)
        switch (general, flat) {
        case let (.success(g), .success(c?)):
            #expect(c.count == g.tensors.count, "\(steps)")
            #expect((0..<c.count).map(c.name) == g.tensors.map(\.name), "\(steps)")
            #expect((0..<c.count).map(c.source) == g.tensors.map { $0.sources[0] }, "\(steps)")
            #expect(c.droppedKeys == g.dropped, "\(steps)")
            #expect(c.unmatched == g.unmatched, "\(steps)")
            #expect(Array(c.renamed.map { "\($0.from)>\($0.to)" }) == g.renamed.map { "\($0.from)>\($0.to)" })
            #expect(c.renamed.indices.map(c.renamed.keepsName) == g.renamed.map { $0.from == $0.to })
        case (.success, .success(nil)):
            Issue.record("the compact plan did not apply: \(steps)")
        case let (.failure(a as MetaGraphKitError), .failure(b as MetaGraphKitError)):
            #expect(a.code == b.code, "\(steps)")
            #expect(a.message == b.message, "\(steps)")
        default:
            Issue.record("\(steps): general \(general), compact \(flat)")
        }
    }

    @Test func randomRuleSetsPlanAlike() throws {
        try withTemporaryDirectory { dir in
            let reader = try checkpoint(Self.keys, in: dir)
            for (n, set) in try Self.ruleSets(count: 400, seed: 7).enumerated() {
                try compare(reader, set, strict: n % 3 == 0)
            }
        }
    }

    /// Clashes: the first tensor (in key order) whose new name is taken or empty is
    /// the one reported, with the earliest tensor holding the name.
    @Test func firstClashIsTheGeneralPlansFirstError() throws {
        try withTemporaryDirectory { dir in
            let reader = try checkpoint(["a/1", "a/2", "b/1", "b/2", "c", "d/1"], in: dir)
            let sets: [[RuleStep]] = [
                [.rename(Self.rule("^[ab]/", ""))],            // 1 and 2 twice: b/1 is where it fails, a/1 holds it
                [.rename(Self.rule("^d/1$", "a/1"))],          // the last key onto the first
                [.rename(Self.rule("^c$", "")), .rename(Self.rule("^b/", "a/"))],  // b/1 clashes before c empties
                [.rename(Self.rule("^a/1$", "")), .rename(Self.rule("^b/", "a/"))], // a/1 empties first
                [.map(["a/2": "z", "c": "z"])],
                [.rename(Self.rule("^(a|b)/(.)$", "k$2")), .map(["d/1": "k1"])],
            ]
            for steps in sets { try compare(reader, RuleSet(steps: steps), strict: false) }
        }
    }

    /// Where the flat plan does not apply, it says so before doing anything.
    @Test func declinesWhatItCannotPlan() throws {
        try withTemporaryDirectory { dir in
            let reader = try checkpoint(["a", "b"], in: dir)
            let index = try #require(reader.bundle?.compact)
            let nonASCII = RuleSet(steps: [.rename(Self.rule("^a$", "ä"))])
            #expect(try nonASCII.compactPlan(index, excluding: "", file: "f", strict: false) == nil)
            let cast = RuleSet(steps: [.cast(nil, from: .float32, to: .bfloat16)])
            #expect(try cast.compactPlan(index, excluding: "", file: "f", strict: false) == nil)
            #expect(!(try RulePresets.ruleSet("promote-ema")).onlyNames)
            let partitioned = try CheckpointReader(path: Fixture.path("ckpt/v2_partitioned"))
            #expect(try RuleSet(steps: [.rename(Self.rule("^", "x/"))])
                .compactPlan(try #require(partitioned.bundle?.compact), excluding: "", file: "f", strict: false) == nil)
        }
    }
}
