// What `tfmeta objgraph` prints: the object graph as JSON, or as an indented tree.

extension ObjectGraph: JSONReportable {
    /// `{"nodes": [{"id", "children": [{"node_id", "local_name"}], "attributes":
    /// [{"name", "full_name", "checkpoint_key"}], "slot_variables":
    /// [{"original_variable_node_id", "slot_name", "slot_variable_node_id"}],
    /// "registered_saver" (only when set)}]}`, nodes in id order.
    public var jsonValue: JSONValue {
        .object([("nodes", .array(nodes.map(\.jsonValue)))])
    }

    /// Levels of indentation before ``treeLines(_:)`` stops indenting further.
    public static let maxTreeIndent = 32

    /// The graph as an indented tree of local names from the root, each object with
    /// its attributes (checkpoint key, full name) and slot variables, then any node
    /// the root does not reach; a node met again is marked `[seen above]`.
    ///
    /// Walks depth first on an explicit stack, and indentation stops growing after
    /// ``maxTreeIndent`` levels (deeper lines say their depth): an object graph can
    /// be a chain 100,000 nodes deep, which recursion would turn into a stack
    /// overflow and growing indentation into gigabytes of spaces.
    ///
    /// - Parameter line: Called with each line, in order (without a newline), so a
    ///   big graph is printed as it is walked.
    public func treeLines(_ line: (String) -> Void) {
        var seen = Set<Int>()
        func walk(_ root: Int, _ rootLabel: String) {
            var stack: [(id: Int, label: String, depth: Int)] = [(root, rootLabel, 0)]
            while let (id, label, depth) = stack.popLast() {
                let node = nodes[id]
                let indent = String(repeating: "  ", count: min(depth, Self.maxTreeIndent))
                let deep = depth > Self.maxTreeIndent ? "[depth \(depth)] " : ""
                line("\(indent)\(deep)\(label) (node \(id))\(seen.contains(id) ? " [seen above]" : "")")
                if !seen.insert(id).inserted { continue }
                for a in node.attributes {
                    line("\(indent)  @\(a.name) -> \(a.checkpointKey)\(a.fullName.isEmpty ? "" : "  (full name \(a.fullName))")")
                }
                for s in node.slotVariables {
                    line("\(indent)  slot \(s.slotName): variable node \(s.originalVariableNodeID) -> slot node \(s.slotVariableNodeID)")
                }
                for c in node.children.reversed() { stack.append((c.nodeID, c.localName, depth + 1)) }
            }
        }
        guard !nodes.isEmpty else { return }
        walk(0, "(root)")
        for node in nodes where !seen.contains(node.id) { walk(node.id, "(unreachable)") }
    }
}

extension ObjectGraph.Node: JSONReportable {
    /// `{"id", "children", "attributes", "slot_variables", "registered_saver"?}`
    /// (see ``ObjectGraph/jsonValue``).
    public var jsonValue: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .int(Int64(id))),
            ("children", .array(children.map { .object([("node_id", .int(Int64($0.nodeID))), ("local_name", .string($0.localName))]) })),
            ("attributes", .array(attributes.map {
                .object([("name", .string($0.name)), ("full_name", .string($0.fullName)), ("checkpoint_key", .string($0.checkpointKey))])
            })),
            ("slot_variables", .array(slotVariables.map {
                .object([("original_variable_node_id", .int(Int64($0.originalVariableNodeID))), ("slot_name", .string($0.slotName)),
                         ("slot_variable_node_id", .int(Int64($0.slotVariableNodeID)))])
            })),
        ]
        if let r = registeredSaver { fields.append(("registered_saver", .string(r))) }
        return .object(fields)
    }
}
