import Foundation
import Testing
@testable import MetaGraphKit

/// `ckpt rename` from a V2 bundle's compact index (RulePlan+IndexWrite.swift)
/// against the general path: the same files, byte for byte, and the same reports.
@Suite("Remap: rename from the index")
struct RenameFastPathTests {
    func rules(_ json: String) throws -> RuleSet { try RuleSet.parse(Array(json.utf8), origin: "r.json") }

    /// The files of prefix `p` (index, data files, `.meta`) by name after the prefix.
    func files(_ p: String) throws -> [String: [UInt8]] {
        let dir = PathRules.dirname(p), base = PathRules.basename(p)
        var out: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasPrefix(base + ".") {
            out[String(name.dropFirst(base.count))] = try FileIO.read(PathRules.join(dir, name))
        }
        return out
    }

    /// Runs the rename both ways into `dir/fast/out` and `dir/slow/out` and
    /// compares results, reports and files; returns the number of files compared.
    @discardableResult
    func compare(_ source: String, _ set: RuleSet, in dir: String, strict: Bool = false, dryRun: Bool = false,
                 shards: Int = 1, meta: CheckpointRemap.MetaSource = .auto) throws -> Int {
        func run(_ fast: Bool) -> Result<CheckpointRemap.RenameResult, MetaGraphKitError> {
            let to = dir + (fast ? "/fast" : "/slow")
            try? FileManager.default.createDirectory(atPath: to, withIntermediateDirectories: true)
            do {
                return .success(try CheckpointRemap.rename(source: source, destination: to + "/out", ruleSet: set, strict: strict,
                                                           meta: meta, overwrite: false, dryRun: dryRun, shards: shards,
                                                           progress: nil, within: nil, fastPath: fast))
            } catch let e as MetaGraphKitError { return .failure(e) } catch { Issue.record("\(error)"); return .failure(MetaGraphKitError(.io, "")) }
        }
        let fast = run(true), slow = run(false)
        switch (fast, slow) {
        case let (.success(a), .success(b)):
            func same(_ s: String) -> String { s.replacingOccurrences(of: dir + "/fast/", with: dir + "/slow/") }
            #expect(same(a.text) == b.text)
            #expect(same(a.jsonValue.serialized()) == b.jsonValue.serialized())
            for r in [a, b] {
                var streamed: [UInt8] = []
                r.writeJSON { streamed += $0 }
                #expect(String(decoding: streamed, as: UTF8.self) == r.jsonValue.serialized(pretty: true))
            }
            #expect(a.rules.warnings.map(same) == b.rules.warnings)
            #expect(a.warnings.map(same) == b.warnings)
        case let (.failure(a), .failure(b)):
            #expect(a.code == b.code)
            #expect(a.message.replacingOccurrences(of: dir + "/fast/", with: dir + "/slow/") == b.message)
        default:
            Issue.record("\(source): fast \(fast), slow \(slow)")
        }
        let a = try files(dir + "/fast/out"), b = try files(dir + "/slow/out")
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, bytes) in b { #expect(a[name] == bytes, "\(source): \(name) differs") }
        if !dryRun, case .success = slow { #expect(b.keys.contains(".index")) }
        try? FileManager.default.removeItem(atPath: dir + "/fast")
        try? FileManager.default.removeItem(atPath: dir + "/slow")
        return b.count
    }

    @Test(arguments: ["ckpt/v2_dtypes", "ckpt/v2_large_index", "ckpt/v2_sharded", "ckpt/v2_partitioned",
                      "ckpt/v2_sliced_tf2", "ckpt/v2_snappy", "meta/train_graph", "ckpt/tf2_keras", "ckpt/v1_dtypes"])
    func sameFilesAndReports(fixture: String) throws {
        try withTemporaryDirectory { dir in
            let source = Fixture.path(fixture)
            let prefix = try rules(#"{"steps": [{"rename": {"pattern": "^", "replacement": "renamed/"}}]}"#)
            #expect(try compare(source, prefix, in: dir) >= 2)
            // A rename that changes the order, a map, drops, a collision, strict, dry run, shards.
            let mixed = try rules(#"""
                {"steps": [{"map": {"model/w": "a/first"}}, {"rename": {"pattern": "^(.)(.*)$", "replacement": "z$2/$1"}},
                           {"drop": ["Adam_1$", "^zlobal_step"]}]}
                """#)
            try compare(source, mixed, in: dir)
            try compare(source, mixed, in: dir, strict: true)
            try compare(source, mixed, in: dir, dryRun: true)
            try compare(source, prefix, in: dir, shards: 3)
            try compare(source, prefix, in: dir, meta: .none)
            try compare(source, try rules(#"{"steps": [{"rename": {"pattern": ".*", "replacement": "same"}}]}"#), in: dir)
            try compare(source, RuleSet(), in: dir)
        }
    }

    // v2_snappy and tf2_keras mix string tensors (the one copy path) into the runs;
    // train_graph is partitioned, v2_dtypes has a non-ASCII key.
    @Test(arguments: [("ckpt/v2_large_index", 1, true), ("ckpt/v2_snappy", 1, true), ("ckpt/tf2_keras", 1, true),
                      ("ckpt/v2_large_index", 2, false), ("meta/train_graph", 1, false), ("ckpt/v2_dtypes", 1, false),
                      ("ckpt/v1_dtypes", 1, false)])
    func appliesWhereItShould(fixture: String, shards: Int, applies: Bool) throws {
        try withTemporaryDirectory { dir in
            let reader = try CheckpointReader(path: Fixture.path(fixture))
            let set = try rules(#"{"steps": [{"rename": {"pattern": "^", "replacement": "r/"}}]}"#)
            let plan = try set.plan(reader.entries.filter { $0.key != ObjectGraph.checkpointKey }, file: fixture)
            let out = try RemapOutput(destination: dir + "/out", overwrite: false, sources: [reader], shards: shards)
            #expect(try plan.writeFromIndex(reader, to: out, shards: shards) == applies)
            #expect(out.writer.entries.count == (applies ? plan.tensors.count : 0))
            out.writer.abandon()
        }
    }

    @Test func damagedPayloadFailsTheSameWay() throws {
        try withTemporaryDirectory { dir in
            let copy = dir + "/src"
            for (name, bytes) in try files(Fixture.path("ckpt/v2_large_index")) {
                var b = bytes
                // One flipped bit in the middle of the data: a CRC mismatch for one tensor.
                if name.hasPrefix(".data") { b[b.count / 2] ^= 1 }
                try FileIO.writeAtomically(b, to: copy + name)
            }
            try compare(copy, try rules(#"{"steps": [{"rename": {"pattern": "^", "replacement": "r/"}}]}"#), in: dir)
            let error = #expect(throws: MetaGraphKitError.self) {
                try CheckpointRemap.rename(source: copy, destination: dir + "/out",
                                           ruleSet: try rules(#"{"steps": [{"rename": {"pattern": "^", "replacement": "r/"}}]}"#))
            }
            #expect(error?.code == .badChecksum)
            #expect(!FileIO.exists(dir + "/out.index"))
            // A data file cut short: the payloads past its end fail as the general path fails.
            let cut = dir + "/cut"
            for (name, bytes) in try files(Fixture.path("ckpt/v2_large_index")) {
                try FileIO.writeAtomically(name.hasPrefix(".data") ? Array(bytes.prefix(bytes.count / 2)) : bytes, to: cut + name)
            }
            try compare(cut, try rules(#"{"steps": [{"rename": {"pattern": "^", "replacement": "r/"}}]}"#), in: dir)
        }
    }

    @Test func sourceInSeveralDataFiles() throws {
        try withTemporaryDirectory { dir in
            // Three data files, no partitioned tensor: runs break where the data file changes.
            let source = dir + "/three"
            _ = try CheckpointRemap.rename(source: Fixture.path("ckpt/v2_large_index"), destination: source,
                                           ruleSet: RuleSet(), meta: .none, shards: 3)
            let reader = try CheckpointReader(path: source)
            let set = try rules(#"{"steps": [{"rename": {"pattern": "^l", "replacement": "layer_"}}, {"drop": ["bias$"]}]}"#)
            let plan = try set.plan(reader.entries, file: source)
            let out = try RemapOutput(destination: dir + "/probe", overwrite: false, sources: [reader])
            #expect(try plan.writeFromIndex(reader, to: out, shards: 1))
            out.writer.abandon()
            #expect(try compare(source, set, in: dir) == 2)
        }
    }
}
