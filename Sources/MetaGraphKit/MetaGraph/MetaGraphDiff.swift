// Differences between two MetaGraphDefs: nodes (by name), collections, the saver
// and signatures, compared field by field (attrs by serialized AttrValue).

/// What differs between meta graph A and meta graph B.
public struct MetaGraphDiff: Sendable, Hashable, JSONReportable {
    /// A before/after pair of a scalar field.
    public struct Change<Value: Sendable & Hashable>: Sendable, Hashable {
        /// The value in graph A.
        public var a: Value
        /// The value in graph B.
        public var b: Value
    }

    /// A node present in both graphs whose definition differs.
    public struct NodeChange: Sendable, Hashable {
        /// The node's name.
        public var name: String
        /// The op, when it differs.
        public var op: Change<String>?
        /// The inputs, when they differ (order matters).
        public var inputs: Change<[String]>?
        /// The device, when it differs.
        public var device: Change<String>?
        /// Attr keys only B has.
        public var attrsAdded: [String]
        /// Attr keys only A has.
        public var attrsRemoved: [String]
        /// Attr keys whose serialized values differ.
        public var attrsChanged: [String]
    }

    /// A collection present in both graphs whose kind or items differ.
    public struct CollectionChange: Sendable, Hashable {
        /// The collection's key.
        public var name: String
        /// The kinds (`node_list`, `bytes_list`, …) in A and B.
        public var kind: Change<String>
        /// The item counts in A and B.
        public var count: Change<Int>
    }

    /// Node names only B has, in B's order.
    public var addedNodes: [String]
    /// Node names only A has, in A's order.
    public var removedNodes: [String]
    /// Nodes in both that differ, in A's order.
    public var changedNodes: [NodeChange]
    /// Collection keys only B has, sorted.
    public var addedCollections: [String]
    /// Collection keys only A has, sorted.
    public var removedCollections: [String]
    /// Collections in both that differ, sorted by key.
    public var changedCollections: [CollectionChange]
    /// The top-level SaverDefs, when they differ.
    public var saver: Change<SaverDef?>?
    /// Signature keys only B has, sorted.
    public var addedSignatures: [String]
    /// Signature keys only A has, sorted.
    public var removedSignatures: [String]
    /// Signatures in both whose serialized SignatureDefs differ, sorted.
    public var changedSignatures: [String]

    /// Whether the graphs agree in everything compared.
    public var isEmpty: Bool {
        addedNodes.isEmpty && removedNodes.isEmpty && changedNodes.isEmpty && addedCollections.isEmpty
            && removedCollections.isEmpty && changedCollections.isEmpty && saver == nil
            && addedSignatures.isEmpty && removedSignatures.isEmpty && changedSignatures.isEmpty
    }

    /// Compares two `tensorflow.MetaGraphDef` messages.
    ///
    /// - Parameters:
    ///   - a: The first (old) meta graph.
    ///   - b: The second (new) meta graph.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for another message type.
    public init(_ a: ProtoMessage, _ b: ProtoMessage) throws {
        let ga = try GraphSnapshot(a)
        let gb = try GraphSnapshot(b)
        addedNodes = gb.nodes.map(\.name).filter { ga.node($0) == nil }
        removedNodes = ga.nodes.map(\.name).filter { gb.node($0) == nil }
        changedNodes = ga.nodes.compactMap { na in
            guard let nb = gb.node(na.name), nb != na else { return nil }
            let keysA = Set(na.attrs.keys), keysB = Set(nb.attrs.keys)
            return NodeChange(
                name: na.name,
                op: na.op == nb.op ? nil : Change(a: na.op, b: nb.op),
                inputs: na.inputs == nb.inputs ? nil : Change(a: na.inputs, b: nb.inputs),
                device: na.device == nb.device ? nil : Change(a: na.device, b: nb.device),
                attrsAdded: keysB.subtracting(keysA).sorted(),
                attrsRemoved: keysA.subtracting(keysB).sorted(),
                attrsChanged: keysA.intersection(keysB).filter { na.attrs[$0] != nb.attrs[$0] }.sorted())
        }
        addedCollections = Set(gb.collections.keys).subtracting(ga.collections.keys).sorted()
        removedCollections = Set(ga.collections.keys).subtracting(gb.collections.keys).sorted()
        changedCollections = Set(ga.collections.keys).intersection(gb.collections.keys).sorted().compactMap { key in
            let ca = ga.collections[key]!, cb = gb.collections[key]!
            guard ca != cb else { return nil }
            return CollectionChange(name: key, kind: Change(a: ca.kind.rawValue, b: cb.kind.rawValue),
                                    count: Change(a: ca.items.count, b: cb.items.count))
        }
        saver = ga.saver == gb.saver ? nil : Change(a: ga.saver, b: gb.saver)
        addedSignatures = Set(gb.signatures.keys).subtracting(ga.signatures.keys).sorted()
        removedSignatures = Set(ga.signatures.keys).subtracting(gb.signatures.keys).sorted()
        changedSignatures = Set(ga.signatures.keys).intersection(gb.signatures.keys)
            .filter { ga.signatures[$0] != gb.signatures[$0] }.sorted()
    }

    /// The shape of `tfmeta meta diff --json`:
    /// `{"identical": Bool,
    ///   "nodes": {"added": [String], "removed": [String], "changed": [{"name": String,
    ///     "op": null | {"a": String, "b": String}, "inputs": null | {"a": [String], "b": [String]},
    ///     "device": null | {"a": String, "b": String},
    ///     "attrs": {"added": [String], "removed": [String], "changed": [String]}}]},
    ///   "collections": {"added": [String], "removed": [String], "changed": [{"name": String,
    ///     "kind": {"a": String, "b": String}, "count": {"a": Int, "b": Int}}]},
    ///   "saver": null | {"a": saver or null, "b": saver or null},
    ///   "signatures": {"added": [String], "removed": [String], "changed": [String]}}`.
    public var jsonValue: JSONValue {
        func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }
        func pair(_ c: Change<String>?) -> JSONValue {
            c.map { .object([("a", .string($0.a)), ("b", .string($0.b))]) } ?? .null
        }
        return .object([
            ("identical", .bool(isEmpty)),
            ("nodes", .object([
                ("added", strings(addedNodes)), ("removed", strings(removedNodes)),
                ("changed", .array(changedNodes.map { n in
                    .object([
                        ("name", .string(n.name)), ("op", pair(n.op)),
                        ("inputs", n.inputs.map { .object([("a", strings($0.a)), ("b", strings($0.b))]) } ?? .null),
                        ("device", pair(n.device)),
                        ("attrs", .object([("added", strings(n.attrsAdded)), ("removed", strings(n.attrsRemoved)),
                                           ("changed", strings(n.attrsChanged))])),
                    ])
                })),
            ])),
            ("collections", .object([
                ("added", strings(addedCollections)), ("removed", strings(removedCollections)),
                ("changed", .array(changedCollections.map { c in
                    .object([("name", .string(c.name)), ("kind", pair(c.kind)),
                             ("count", .object([("a", .int(Int64(c.count.a))), ("b", .int(Int64(c.count.b)))]))])
                })),
            ])),
            ("saver", saver.map { .object([("a", $0.a?.jsonValue ?? .null), ("b", $0.b?.jsonValue ?? .null)]) } ?? .null),
            ("signatures", .object([("added", strings(addedSignatures)), ("removed", strings(removedSignatures)),
                                    ("changed", strings(changedSignatures))])),
        ])
    }

    /// A line-per-difference text report (`+ node`, `- node`, `~ node: …`).
    public var text: String {
        var lines: [String] = []
        for n in addedNodes { lines.append("+ node \(n)") }
        for n in removedNodes { lines.append("- node \(n)") }
        for c in changedNodes {
            var parts: [String] = []
            if let op = c.op { parts.append("op \(op.a) -> \(op.b)") }
            if let i = c.inputs { parts.append("inputs [\(i.a.joined(separator: ", "))] -> [\(i.b.joined(separator: ", "))]") }
            if let d = c.device { parts.append("device '\(d.a)' -> '\(d.b)'") }
            if !c.attrsAdded.isEmpty { parts.append("attrs added \(c.attrsAdded.joined(separator: ","))") }
            if !c.attrsRemoved.isEmpty { parts.append("attrs removed \(c.attrsRemoved.joined(separator: ","))") }
            if !c.attrsChanged.isEmpty { parts.append("attrs changed \(c.attrsChanged.joined(separator: ","))") }
            lines.append("~ node \(c.name): " + parts.joined(separator: "; "))
        }
        for c in addedCollections { lines.append("+ collection \(c)") }
        for c in removedCollections { lines.append("- collection \(c)") }
        for c in changedCollections {
            lines.append("~ collection \(c.name): \(c.kind.a) x\(c.count.a) -> \(c.kind.b) x\(c.count.b)")
        }
        if let s = saver {
            func d(_ s: SaverDef?) -> String { s.map { "\($0.restoreOpName) (\($0.version)\($0.sharded ? ", sharded" : ""))" } ?? "none" }
            lines.append("~ saver: \(d(s.a)) -> \(d(s.b))")
        }
        for s in addedSignatures { lines.append("+ signature \(s)") }
        for s in removedSignatures { lines.append("- signature \(s)") }
        for s in changedSignatures { lines.append("~ signature \(s)") }
        return lines.isEmpty ? "identical" : lines.joined(separator: "\n")
    }
}
