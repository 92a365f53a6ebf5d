// Reading and writing rules files (Schemas/rules-v1.schema.json).
import Foundation

extension RuleSet {
    /// Reads a rules file.
    ///
    /// - Parameter path: A JSON rules file.
    /// - Returns: Its steps, each marked as coming from `path`.
    /// - Throws: ``MetaGraphKitError`` `notFound`/`io` when it cannot be read,
    ///   `invalidArgument` naming the file and the step that is wrong.
    public static func read(_ path: String) throws -> RuleSet {
        try parse(FileIO.read(path, limit: 64 << 20), origin: path)
    }

    /// Parses rules from JSON text.
    ///
    /// - Parameters:
    ///   - bytes: The JSON.
    ///   - origin: The file or preset it came from, named in messages.
    /// - Returns: The steps.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` naming `origin`, the step
    ///   number and what is wrong.
    public static func parse(_ bytes: [UInt8], origin: String) throws -> RuleSet {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            throw MetaGraphKitError(.invalidArgument, "\(origin): not JSON: \(detail)")
        }
        func bad(_ what: String) -> MetaGraphKitError { MetaGraphKitError(.invalidArgument, "\(origin): \(what)") }
        guard let top = object as? [String: Any] else { throw bad("expected a JSON object with \"steps\"") }
        for key in top.keys where !["$schema", "version", "description", "steps", "comment"].contains(key) {
            throw bad("unknown key \"\(key)\" (expected $schema, version, description, steps)")
        }
        if let v = top["version"] {
            guard let n = v as? Int, n == version else {
                throw bad("version \(v) is not supported (this tfmeta reads version \(version))")
            }
        }
        guard let steps = top["steps"] as? [Any] else { throw bad("\"steps\" must be a list") }
        var set = RuleSet()
        for (i, raw) in steps.enumerated() {
            let place = "step \(i + 1)"
            guard let dict = raw as? [String: Any] else { throw bad("\(place) is not an object") }
            let kinds = dict.keys.filter { $0 != "comment" }
            guard kinds.count == 1, let kind = kinds.first else {
                throw bad("\(place) must have exactly one kind (rename, map, drop, keep, transpose, reshape, merge_partitions, split, promote_ema, cast, slots), found \(kinds.sorted())")
            }
            set.append(try parseStep(kind, dict[kind]!, place: "\(origin): \(place) (\(kind))"), origin: origin)
        }
        return set
    }

    private static func parseStep(_ kind: String, _ body: Any, place: String) throws -> RuleStep {
        func bad(_ what: String) -> MetaGraphKitError { MetaGraphKitError(.invalidArgument, "\(place): \(what)") }
        func regex(_ s: String) throws -> KeyRule {
            do { return try KeyRule(pattern: s, replacement: "") } catch { throw bad("pattern '\(s)' does not compile") }
        }
        func patterns(_ v: Any) throws -> [KeyRule] {
            if let s = v as? String { return [try regex(s)] }
            if let a = v as? [Any], !a.isEmpty, a.allSatisfy({ $0 is String }) { return try a.map { try regex($0 as! String) } }
            throw bad("expected a pattern or a non-empty list of patterns")
        }
        func fields(_ allowed: [String], required: [String]) throws -> [String: Any] {
            guard let d = body as? [String: Any] else { throw bad("expected an object") }
            for k in d.keys where !allowed.contains(k) { throw bad("unknown field \"\(k)\" (expected \(allowed.joined(separator: ", ")))") }
            for k in required where d[k] == nil { throw bad("missing \"\(k)\"") }
            return d
        }
        func ints(_ v: Any?, _ name: String) throws -> [Int] {
            guard let a = v as? [Any], a.allSatisfy({ $0 is Int }) else { throw bad("\"\(name)\" must be a list of integers") }
            return a.map { $0 as! Int }
        }
        func int(_ v: Any?, _ name: String) throws -> Int? {
            guard let v else { return nil }
            // JSON true arrives as a boolean NSNumber, which also casts to Int.
            guard let n = v as? Int, !String(describing: type(of: v)).contains("Boolean") else { throw bad("\"\(name)\" must be an integer") }
            return n
        }
        func string(_ v: Any?, _ name: String) throws -> String? {
            guard let v else { return nil }
            guard let s = v as? String else { throw bad("\"\(name)\" must be a string") }
            return s
        }
        switch kind {
        case "rename":
            let d = try fields(["pattern", "replacement"], required: ["pattern", "replacement"])
            guard let p = d["pattern"] as? String, let r = d["replacement"] as? String else { throw bad("pattern and replacement must be strings") }
            do { return .rename(try KeyRule(pattern: p, replacement: r)) } catch { throw bad("pattern '\(p)' does not compile") }
        case "map":
            guard let d = body as? [String: Any] else { throw bad("expected an object of old name → new name") }
            var m: [String: String] = [:]
            for (k, v) in d {
                guard let s = v as? String else { throw bad("the value of \"\(k)\" is not a string") }
                m[k] = s
            }
            return .map(m)
        case "drop": return .drop(try patterns(body))
        case "keep": return .keep(try patterns(body))
        case "transpose":
            let d = try fields(["pattern", "perm", "rank"], required: ["pattern", "perm"])
            let perm = try ints(d["perm"], "perm")
            guard Set(perm) == Set(0..<perm.count) else { throw bad("\(perm) is not a permutation") }
            let rank = try int(d["rank"], "rank")
            if let rank, rank != perm.count { throw bad("rank \(rank) but a permutation of \(perm.count) axes") }
            return .transpose(try regex(try string(d["pattern"], "pattern")!), perm: perm, rank: rank)
        case "reshape":
            let d = try fields(["pattern", "shape", "rank"], required: ["pattern", "shape"])
            return .reshape(try regex(try string(d["pattern"], "pattern")!), shape: try ints(d["shape"], "shape"), rank: try int(d["rank"], "rank"))
        case "merge_partitions":
            let d = try fields(["pattern", "axis"], required: [])
            return .mergePartitions(try string(d["pattern"], "pattern").map(regex), axis: try int(d["axis"], "axis"))
        case "split":
            let d = try fields(["pattern", "parts", "axis"], required: ["pattern", "parts"])
            guard let parts = try int(d["parts"], "parts"), parts >= 1, parts <= 1 << 20 else { throw bad("\"parts\" must be 1…1048576") }
            return .split(try regex(try string(d["pattern"], "pattern")!), parts: parts, axis: try int(d["axis"], "axis") ?? 0)
        case "promote_ema":
            let d = try fields(["suffix"], required: [])
            let suffix = try string(d["suffix"], "suffix") ?? "/ExponentialMovingAverage"
            guard !suffix.isEmpty else { throw bad("\"suffix\" must not be empty") }
            return .promoteEMA(suffix: suffix)
        case "cast":
            let d = try fields(["pattern", "from", "to"], required: ["from", "to"])
            let floats: [DType] = [.float32, .float64, .float16, .bfloat16]
            guard let f = try string(d["from"], "from").flatMap(DType.init(name:)), floats.contains(f),
                  let t = try string(d["to"], "to").flatMap(DType.init(name:)), floats.contains(t) else {
                throw bad("\"from\" and \"to\" must each be float32, float64, float16 or bfloat16")
            }
            return .cast(try string(d["pattern"], "pattern").map(regex), from: f, to: t)
        case "slots":
            let d = try fields(["optimizer", "from", "to", "tf1_name"], required: ["optimizer", "from", "to"])
            let o = try string(d["optimizer"], "optimizer")!
            guard RuleSlotFamilies.families[o.lowercased()] != nil else {
                throw bad("unknown optimizer '\(o)' (known: \(RuleSlotFamilies.families.keys.sorted().joined(separator: ", ")))")
            }
            let from = try string(d["from"], "from")!, to = try string(d["to"], "to")!
            for c in [from, to] where !RuleSlotFamilies.conventions.contains(c) {
                throw bad("unknown convention '\(c)' (known: \(RuleSlotFamilies.conventions.joined(separator: ", ")))")
            }
            return .slots(optimizer: o, from: from, to: to, tf1Name: try string(d["tf1_name"], "tf1_name"))
        default:
            throw bad("unknown step kind")
        }
    }

    // MARK: - Writing

    /// The rules as a JSON document in the v1 schema, ready for `--rules`.
    ///
    /// - Parameter description: Written as `"description"` when given.
    public func jsonValue(description: String? = nil) -> JSONValue {
        var top: [(String, JSONValue)] = [("$schema", .string(Self.schemaURL)), ("version", .int(Int64(Self.version)))]
        if let description { top.append(("description", .string(description))) }
        top.append(("steps", .array(steps.map(Self.json))))
        return .object(top)
    }

    private static func json(_ step: RuleStep) -> JSONValue {
        func ints(_ a: [Int]) -> JSONValue { .array(a.map { .int(Int64($0)) }) }
        func patterns(_ p: [KeyRule]) -> JSONValue { p.count == 1 ? .string(p[0].pattern) : .array(p.map { .string($0.pattern) }) }
        let body: JSONValue
        switch step {
        case .rename(let r): body = .object([("pattern", .string(r.pattern)), ("replacement", .string(r.replacement))])
        case .map(let m): body = .object(m.keys.sorted().map { ($0, .string(m[$0]!)) })
        case .drop(let p): body = patterns(p)
        case .keep(let p): body = patterns(p)
        case .transpose(let r, let perm, let rank):
            body = .object([("pattern", .string(r.pattern)), ("perm", ints(perm))] + (rank.map { [("rank", .int(Int64($0)))] } ?? []))
        case .reshape(let r, let shape, let rank):
            body = .object([("pattern", .string(r.pattern)), ("shape", ints(shape))] + (rank.map { [("rank", .int(Int64($0)))] } ?? []))
        case .mergePartitions(let r, let axis):
            body = .object((r.map { [("pattern", JSONValue.string($0.pattern))] } ?? []) + (axis.map { [("axis", .int(Int64($0)))] } ?? []))
        case .split(let r, let parts, let axis):
            body = .object([("pattern", .string(r.pattern)), ("parts", .int(Int64(parts))), ("axis", .int(Int64(axis)))])
        case .promoteEMA(let s): body = .object([("suffix", .string(s))])
        case .cast(let r, let from, let to):
            body = .object((r.map { [("pattern", JSONValue.string($0.pattern))] } ?? []) + [("from", .string(from.name)), ("to", .string(to.name))])
        case .slots(let o, let from, let to, let tf1):
            body = .object([("optimizer", .string(o)), ("from", .string(from)), ("to", .string(to))] + (tf1.map { [("tf1_name", .string($0))] } ?? []))
        }
        return .object([(step.kind, body)])
    }
}
