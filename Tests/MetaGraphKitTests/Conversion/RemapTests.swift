import Foundation
import Testing
@testable import MetaGraphKit

/// Builds small checkpoints for the remap tests: float tensors and, optionally, a
/// hand-encoded TrackableObjectGraph.
enum RemapSample {
    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        return out + [UInt8(v)]
    }
    static func bytes(_ n: UInt64, _ b: [UInt8]) -> [UInt8] { varint(n << 3 | 2) + varint(UInt64(b.count)) + b }
    static func string(_ n: UInt64, _ s: String) -> [UInt8] { bytes(n, Array(s.utf8)) }
    static func int(_ n: UInt64, _ v: Int) -> [UInt8] { varint(n << 3) + varint(UInt64(v)) }

    /// One node: children (id, local name), attributes (full name, key), slots
    /// (original node, slot name, slot node).
    static func node(children: [(Int, String)] = [], attributes: [(String, String)] = [],
                     slots: [(Int, String, Int)] = []) -> [UInt8] {
        var out: [UInt8] = []
        for (id, name) in children { out += bytes(1, int(1, id) + string(2, name)) }
        for (full, key) in attributes { out += bytes(2, string(1, "VARIABLE_VALUE") + string(2, full) + string(3, key)) }
        for (o, s, v) in slots { out += bytes(3, int(1, o) + string(2, s) + int(3, v)) }
        return out
    }

    static func graph(_ nodes: [[UInt8]]) -> [UInt8] { nodes.flatMap { bytes(1, $0) } }

    /// Writes float32 tensors (value i+1 repeated) and an optional object graph.
    static func write(_ prefix: String, _ tensors: [(String, [Int])], graph: [UInt8]? = nil) throws {
        let w = try BundleWriter(prefix: prefix)
        for (i, (name, shape)) in tensors.enumerated() {
            let values = [Float](repeating: Float(i + 1), count: shape.reduce(1, *))
            try values.withUnsafeBytes { try w.add(name: name, dtype: .float32, shape: shape, bytes: $0) }
        }
        if let graph { try w.add(name: ObjectGraph.checkpointKey, shape: [], strings: [graph]) }
        try w.finish()
    }

    /// Three eager variables all called `Variable`, an Adam-style optimizer whose
    /// slots carry non-TF1 full names, and an attribute without a full name.
    static func eagerTemplate(_ prefix: String) throws {
        let g = graph([
            node(children: [(1, "v0"), (2, "v1"), (3, "v2"), (4, "opt"), (7, "e")]),
            node(attributes: [("Variable", "v0/.ATTRIBUTES/VARIABLE_VALUE")]),
            node(attributes: [("Variable", "v1/.ATTRIBUTES/VARIABLE_VALUE")]),
            node(attributes: [("Variable", "v2/.ATTRIBUTES/VARIABLE_VALUE")]),
            node(slots: [(1, "m", 5), (1, "v", 6)]),
            node(attributes: [("slot_m", "v0/.OPTIMIZER_SLOT/opt/m/.ATTRIBUTES/VARIABLE_VALUE")]),
            node(attributes: [("slot_v", "v0/.OPTIMIZER_SLOT/opt/v/.ATTRIBUTES/VARIABLE_VALUE")]),
            node(attributes: [("", "e/.ATTRIBUTES/VARIABLE_VALUE")]),
        ])
        try write(prefix, [("v0/.ATTRIBUTES/VARIABLE_VALUE", [2]), ("v1/.ATTRIBUTES/VARIABLE_VALUE", [3]),
                           ("v2/.ATTRIBUTES/VARIABLE_VALUE", []),
                           ("v0/.OPTIMIZER_SLOT/opt/m/.ATTRIBUTES/VARIABLE_VALUE", [2]),
                           ("v0/.OPTIMIZER_SLOT/opt/v/.ATTRIBUTES/VARIABLE_VALUE", [2]),
                           ("e/.ATTRIBUTES/VARIABLE_VALUE", [1])], graph: g)
    }
}

@Suite("Remap: key rules")
struct KeyRulesTests {
    @Test func rulesApplyInOrderWithGroups() throws {
        let rules = try KeyRules(rules: ["^old/(.*)$=>new/$1", "kernel=>weights"])
        #expect(rules.apply("old/dense/kernel") == "new/dense/weights")
        #expect(rules.apply("other") == "other")
    }

    @Test func mapWinsOverRulesAndDropsComeFirst() throws {
        try withTemporaryDirectory { dir in
            let map = dir + "/map.json"
            try Data(#"{"old/a": "exact", "old/b/Adam": "kept"}"#.utf8).write(to: URL(fileURLWithPath: map))
            let rules = try KeyRules(rules: ["^old/=>new/"], drops: ["/Adam(_1)?$"], mapFile: map)
            #expect(rules.apply("old/a") == "exact")
            #expect(rules.apply("old/c") == "new/c")
            #expect(rules.apply("old/b/Adam") == nil)
            #expect(rules.apply("old/b/Adam_1") == nil)
        }
    }

    @Test func collisionNamesBothKeys() throws {
        let rules = try KeyRules(rules: ["_1$=>"])
        let error = #expect(throws: MetaGraphKitError.self) { try rules.plan(["a", "a_1", "b"], file: "ck") }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("a and a_1") == true)
        let ok = try rules.plan(["a_1", "b"], file: "ck")
        #expect(ok.kept.map(\.to) == ["a", "b"])
    }

    @Test func badInputIsInvalidArgument() throws {
        #expect(throws: MetaGraphKitError(.invalidArgument, "")) { try KeyRule(parsing: "(unclosed=>x") }
        #expect(throws: MetaGraphKitError(.invalidArgument, "")) { try KeyRule(parsing: "no arrow") }
        try withTemporaryDirectory { dir in
            for (i, text) in [#"["a", "b"]"#, #"{"a": 1}"#, "not json"].enumerated() {
                let path = dir + "/m\(i).json"
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
                #expect(throws: MetaGraphKitError(.invalidArgument, "")) { try KeyRules.readMap(path) }
            }
        }
    }

    @Test func tf1UniqueNamesFollowGraphOrder() {
        #expect(MatchReport.tf1UniqueNames(["Variable", "Variable", "x", "Variable", ""]) == ["Variable", "Variable_1", "x", "Variable_2", ""])
        // A real Variable_1 elsewhere is skipped.
        #expect(MatchReport.tf1UniqueNames(["Variable", "Variable", "Variable_1"]) == ["Variable", "Variable_2", "Variable_1"])
    }

    @Test func slotConventions() {
        #expect(SlotConventions.tf1Names(variable: "w", slot: "m", siblings: ["m", "v"]) == ["w/Adam"])
        #expect(SlotConventions.tf1Names(variable: "w", slot: "v", siblings: ["m", "v"]) == ["w/Adam_1"])
        #expect(SlotConventions.tf1Names(variable: "w", slot: "momentum", siblings: ["momentum"]) == ["w/Momentum"])
        #expect(SlotConventions.tf1Names(variable: "w", slot: "momentum", siblings: ["rms", "momentum"]) == ["w/RMSProp_1"])
        #expect(SlotConventions.tf1Names(variable: "w", slot: "rms", siblings: ["rms", "momentum", "mg"]) == ["w/RMSProp_1"])
        #expect(SlotConventions.tf1Names(variable: "w", slot: "accumulator", siblings: ["accumulator"]) == ["w/Adagrad", "w/ProximalAdagrad"])
        #expect(SlotConventions.tf1Names(variable: "w", slot: "accum", siblings: ["accum", "linear"]) == ["w/Ftrl"])
        let vars = ["tiny_hidden_kernel": "tiny/hidden/kernel"]
        #expect(SlotConventions.keras3TF1Names(fullName: "adam/tiny_hidden_kernel_velocity", variables: vars) == ["tiny/hidden/kernel/Adam_1"])
        #expect(SlotConventions.keras3TF1Names(fullName: "sgd/tiny_hidden_kernel_momentum", variables: vars) == ["tiny/hidden/kernel/Momentum"])
        #expect(SlotConventions.keras3TF1Names(fullName: "adam/unknown_momentum", variables: vars).isEmpty)
    }
}

@Suite("Remap: match, to-object, to-names")
struct RemapConversionTests {
    static let keras = Fixture.path("ckpt/tf2_keras")

    /// Every tensor of `a` under `map[key] ?? key` equals `b`'s.
    func sameValues(_ a: String, _ b: String, map: [String: String]) throws {
        let ra = try CheckpointReader(path: a), rb = try CheckpointReader(path: b)
        for (from, to) in map { #expect(try ra.tensor(from) == rb.tensor(to), "\(from) -> \(to)") }
    }

    @Test func toNamesThenToObjectRestoresEveryKey() throws {
        try withTemporaryDirectory { dir in
            let names = try CheckpointRemap.toNames(source: Self.keras, destination: dir + "/names")
            #expect(names.duplicates.isEmpty && names.emptyFullName.isEmpty && !names.keptObjectGraph)
            #expect(names.renamed.contains { $0.from == "legacy_v/.OPTIMIZER_SLOT/lopt/m/.ATTRIBUTES/VARIABLE_VALUE" && $0.to == "legacy_v/Adam" })
            #expect(try !CheckpointReader(path: dir + "/names").contains(ObjectGraph.checkpointKey))
            try sameValues(Self.keras, dir + "/names", map: Dictionary(uniqueKeysWithValues: names.renamed.map { ($0.from, $0.to) }))

            let back = try CheckpointRemap.toObject(source: dir + "/names", template: Self.keras, destination: dir + "/obj", strict: true)
            #expect(back.report.matched.count == 21 && back.report.missing.isEmpty && back.report.unused.isEmpty)
            let original = try CheckpointReader(path: Self.keras), round = try CheckpointReader(path: dir + "/obj")
            #expect(original.entries == round.entries)
            for e in original.entries { #expect(try original.tensor(e.key) == round.tensor(e.key), "\(e.key)") }
        }
    }

    @Test func scopedNamesNeedARuleAndSlotsMatchByConvention() throws {
        try withTemporaryDirectory { dir in
            _ = try CheckpointRemap.toNames(source: Self.keras, destination: dir + "/names")
            // TF1 names under an old scope, Keras 3 slots under TF1 slot names.
            let tf1 = try KeyRules(rules: ["^tiny/=>old/tiny/",
                                           "^adam/tiny_(hidden|out)_(kernel|bias)_momentum$=>old/tiny/$1/$2/Adam",
                                           "^adam/tiny_(hidden|out)_(kernel|bias)_velocity$=>old/tiny/$1/$2/Adam_1"])
            _ = try CheckpointRemap.rename(source: dir + "/names", destination: dir + "/tf1", rules: tf1)
            let template = try RemapTarget.template(Self.keras)
            let without = try MatchReport.match(CheckpointReader(path: dir + "/tf1"), target: template)
            #expect(without.missing.count == 12)
            #expect(without.missing.first { $0.target.fullName == "tiny/hidden/kernel" }?.suggestion?.source == "old/tiny/hidden/kernel")
            #expect(without.unused.first { $0.source == "old/tiny/out/bias" }?.suggestion?.fullName == "tiny/out/bias")

            let report = try MatchReport.match(CheckpointReader(path: dir + "/tf1"), target: template,
                                               rules: KeyRules(rules: ["^old/=>"]))
            #expect(report.missing.isEmpty && report.unused.isEmpty && report.mismatched.isEmpty)
            #expect(report.matched.filter { $0.via == .slotConvention }.count == 8)
            #expect(report.matched.first { $0.target.fullName == "adam/tiny_out_bias_velocity" }?.source == "old/tiny/out/bias/Adam_1")
            let json = report.jsonValue.serialized()
            #expect(json.hasPrefix(#"{"source":"#) && json.contains(#""via":"slot_convention""#))
        }
    }

    @Test func eagerDuplicatesAndSlotConventions() throws {
        try withTemporaryDirectory { dir in
            try RemapSample.eagerTemplate(dir + "/eager")
            let names = try CheckpointRemap.toNames(source: dir + "/eager", destination: dir + "/names")
            #expect(names.duplicates == [.init(fullName: "Variable",
                keys: ["v0/.ATTRIBUTES/VARIABLE_VALUE", "v1/.ATTRIBUTES/VARIABLE_VALUE", "v2/.ATTRIBUTES/VARIABLE_VALUE"],
                names: ["Variable", "Variable_1", "Variable_2"])])
            #expect(names.emptyFullName == ["e/.ATTRIBUTES/VARIABLE_VALUE"])
            #expect(names.warnings.count == 1)
            #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
                try CheckpointRemap.toNames(source: dir + "/eager", destination: dir + "/strict", strict: true)
            }
            #expect(!FileIO.exists(dir + "/strict.index"))

            // A TF1 checkpoint: unique names and Adam slot names.
            try RemapSample.write(dir + "/tf1", [("Variable", [2]), ("Variable_1", [3]), ("Variable_2", []),
                                                 ("Variable/Adam", [2]), ("Variable/Adam_1", [2]), ("global_step", [])])
            let r = try CheckpointRemap.toObject(source: dir + "/tf1", template: dir + "/eager", destination: dir + "/obj")
            #expect(r.report.matched.map(\.source) == ["Variable", "Variable_1", "Variable_2", "Variable/Adam", "Variable/Adam_1"])
            #expect(r.report.matched.map(\.via) == [.fullName, .tf1UniqueName, .tf1UniqueName, .slotConvention, .slotConvention])
            #expect(r.report.missing.map(\.target.key) == ["e/.ATTRIBUTES/VARIABLE_VALUE"])
            #expect(r.report.unused.map(\.source) == ["global_step"])
            #expect(r.report.unused[0].suggestion?.key == "e/.ATTRIBUTES/VARIABLE_VALUE" || r.report.unused[0].suggestion == nil)
            let out = try CheckpointReader(path: dir + "/obj")
            #expect(out.entries.map(\.key).sorted() == (["_CHECKPOINTABLE_OBJECT_GRAPH"] + r.report.matched.map(\.target.key)).sorted())
            try sameValues(dir + "/tf1", dir + "/obj", map: Dictionary(uniqueKeysWithValues: r.report.matched.map { ($0.source, $0.target.key) }))

            let filled = try CheckpointRemap.toObject(source: dir + "/tf1", template: dir + "/eager", destination: dir + "/filled",
                                                      fillFromTemplate: true)
            #expect(filled.filled == ["e/.ATTRIBUTES/VARIABLE_VALUE"])
            #expect(try CheckpointReader(path: dir + "/filled").entries == CheckpointReader(path: dir + "/eager").entries)
            #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
                try CheckpointRemap.toObject(source: dir + "/tf1", template: dir + "/eager", destination: dir + "/s", strict: true)
            }
        }
    }

    @Test func disagreementsAndBadTemplatesFailBeforeWriting() throws {
        try withTemporaryDirectory { dir in
            _ = try CheckpointRemap.toNames(source: Self.keras, destination: dir + "/names")
            let swap = try KeyRules(rules: ["^tiny/out/bias$=>X", "^tiny/hidden/bias$=>tiny/out/bias", "^X$=>tiny/hidden/bias"])
            let error = #expect(throws: MetaGraphKitError.self) {
                try CheckpointRemap.toObject(source: dir + "/names", template: Self.keras, destination: dir + "/out", rules: swap)
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("tiny/") == true && error?.message.contains("[4]") == true && error?.message.contains("[2]") == true)
            #expect(!FileIO.exists(dir + "/out.index"))
            let dry = try CheckpointRemap.toObject(source: dir + "/names", template: Self.keras, destination: dir + "/out", dryRun: true)
            #expect(dry.written == nil && !FileIO.exists(dir + "/out.index"))
            for notObject in [Fixture.path("meta/train_graph"), Fixture.path("ckpt/v1_dtypes")] {
                let e = #expect(throws: MetaGraphKitError.self) { try RemapTarget.template(notObject) }
                #expect(e?.code == .invalidArgument && e?.message.contains("not an object-based checkpoint") == true)
            }
            #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
                try CheckpointRemap.toNames(source: Fixture.path("meta/train_graph"), destination: dir + "/n2")
            }
        }
    }

    @Test func savedModelTemplate() throws {
        try withTemporaryDirectory { dir in
            let target = try RemapTarget.template(Fixture.path("saved_model"))
            #expect(target.kind == .savedModel)
            #expect(target.tensors.map(\.fullName) == ["w", "b"])
            _ = try CheckpointRemap.toNames(source: Fixture.path("saved_model/variables/variables"), destination: dir + "/tf1")
            let r = try CheckpointRemap.toObject(source: dir + "/tf1", template: Fixture.path("saved_model"), destination: dir + "/obj", strict: true)
            #expect(r.report.matched.count == 2)
            let a = try CheckpointReader(path: Fixture.path("saved_model/variables/variables")), b = try CheckpointReader(path: dir + "/obj")
            for e in a.entries { #expect(try a.tensor(e.key) == b.tensor(e.key)) }
        }
    }

    @Test func metaGraphTarget() throws {
        let target = try RemapTarget.metaGraph(Fixture.path("meta/train_graph.meta"))
        let report = try MatchReport.match(CheckpointReader(path: Fixture.path("meta/train_graph")), target: target)
        #expect(report.targetKind == .metaGraph)
        #expect(report.matched.count == 15 && report.unused.isEmpty && report.mismatched.isEmpty)
        #expect(report.matched.contains { $0.source == "model/part" && $0.shape == [10, 3] })
        // Renamed away: the report pairs each leftover with its likely counterpart.
        let moved = try MatchReport.match(CheckpointReader(path: Fixture.path("meta/train_graph")), target: target,
                                          rules: KeyRules(rules: ["^model/w$=>model/weights"]))
        #expect(moved.missing.first { $0.target.key == "model/w" }?.suggestion?.source == "model/w")
        #expect(moved.unused.map(\.name) == ["model/weights"])
        #expect(moved.unused[0].suggestion?.key == "model/w")
    }
}

@Suite("Remap: rename")
struct RenameTests {
    @Test(arguments: ["ckpt/v2_partitioned", "ckpt/v1_partitioned", "ckpt/v2_sliced_tf2", "ckpt/v2_dtypes", "ckpt/v1_dtypes", "ckpt/v2_sharded"])
    func renameKeepsValuesAndSlices(fixture: String) throws {
        try withTemporaryDirectory { dir in
            let source = Fixture.path(fixture)
            let result = try CheckpointRemap.rename(source: source, destination: dir + "/out",
                                                    rules: KeyRules(rules: ["^=>renamed/"]))
            let a = try CheckpointReader(path: source), b = try CheckpointReader(path: dir + "/out")
            #expect(b.entries.count == a.entries.count && result.renamed.count == a.entries.count)
            for e in a.entries {
                // The object graph entry keeps its name.
                let name = e.key == ObjectGraph.checkpointKey ? e.key : "renamed/" + e.key
                guard let f = b.entry(name) else { Issue.record("\(e.key) missing"); continue }
                #expect(f.dtype == e.dtype && f.shape == e.shape)
                #expect(f.slices.count == (a.format == .v1 && e.slices.count == 1 ? 0 : e.slices.count), "\(e.key)")
                if e.dtype == .string || e.dtype.elementSize != nil { #expect(try a.tensor(e.key) == b.tensor(f.key), "\(e.key)") }
            }
            #expect(try b.verify().isEmpty)
        }
    }

    @Test func dropsDryRunAndExistingDestination() throws {
        try withTemporaryDirectory { dir in
            let source = Fixture.path("meta/train_graph")
            let rules = try KeyRules(rules: [], drops: ["/Adam(_1)?$", "^beta[12]_power$"])
            let dry = try CheckpointRemap.rename(source: source, destination: dir + "/out", rules: rules, dryRun: true)
            #expect(dry.dropped.count == 10 && dry.written == nil && !FileIO.exists(dir + "/out.index"))
            let done = try CheckpointRemap.rename(source: source, destination: dir + "/out", rules: rules)
            #expect(try CheckpointReader(path: dir + "/out").entries.map(\.key) == ["global_step", "model/b", "model/part", "model/scale", "model/w"])
            #expect(done.written?.files.count == 2)
            #expect(throws: MetaGraphKitError(.exists, "")) { try CheckpointRemap.rename(source: source, destination: dir + "/out", rules: rules) }
            _ = try CheckpointRemap.rename(source: source, destination: dir + "/out", rules: KeyRules(), overwrite: true)
            #expect(try CheckpointReader(path: dir + "/out").entries.count == 15)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.contains("tempstate") })
        }
    }

    @Test func damagedPayloadFailsAndLeavesNothing() throws {
        try withTemporaryDirectory { dir in
            for f in ["index", "data-00000-of-00001"] {
                try FileManager.default.copyItem(atPath: Fixture.path("meta/train_graph.\(f)"), toPath: dir + "/src.\(f)")
            }
            let data = dir + "/src.data-00000-of-00001"
            var bytes = try FileIO.read(data)
            bytes[bytes.count / 2] ^= 0x40
            try Data(bytes).write(to: URL(fileURLWithPath: data))
            let e = #expect(throws: MetaGraphKitError.self) {
                try CheckpointRemap.rename(source: dir + "/src", destination: dir + "/out", rules: KeyRules())
            }
            #expect(e?.code == .badChecksum)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["src.data-00000-of-00001", "src.index"])
        }
    }

    /// Payloads of 1 MiB or more are copied by the kernel while the CRC is checked
    /// on another core: the copy is exact, and a flipped byte fails the rename.
    @Test func largePayloadsAreCopiedExactlyAndChecked() throws {
        try withTemporaryDirectory { dir in
            let big = (0..<(600_000)).map { Float($0) * 0.5 }
            let w = try BundleWriter(prefix: dir + "/src")
            try big.withUnsafeBytes { try w.add(name: "big", dtype: .float32, shape: [600, 1000], bytes: $0) }
            try [Int64(7)].withUnsafeBytes { try w.add(name: "small", dtype: .int64, shape: [], bytes: $0) }
            try w.finish()
            _ = try CheckpointRemap.rename(source: dir + "/src", destination: dir + "/out", rules: KeyRules(rules: ["^=>x/"]))
            let out = try CheckpointReader(path: dir + "/out")
            #expect(try out.tensor("x/big") == CheckpointReader(path: dir + "/src").tensor("big"))
            #expect(out.verify().isEmpty)

            let data = dir + "/src.data-00000-of-00001"
            var bytes = try FileIO.read(data)
            bytes[1_000_000] ^= 1
            try Data(bytes).write(to: URL(fileURLWithPath: data))
            let e = #expect(throws: MetaGraphKitError.self) {
                try CheckpointRemap.rename(source: dir + "/src", destination: dir + "/bad", rules: KeyRules())
            }
            #expect(e?.code == .badChecksum && e?.message.contains("big") == true)
            #expect(try !FileManager.default.contentsOfDirectory(atPath: dir).contains { $0.hasPrefix("bad") })
        }
    }
}
