import ArgumentParser
import MetaGraphKit

/// `tfmeta objgraph`: the object graph of an object-based checkpoint.
struct ObjGraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "objgraph",
        abstract: "Print the object graph of an object-based checkpoint (_CHECKPOINTABLE_OBJECT_GRAPH).",
        discussion: "A tree of local names from the root, with each object's attributes (checkpoint key, full name) and slot variables.")

    @OptionGroup var checkpoint: CheckpointArgument
    @OptionGroup var output: JSONOption

    func run() throws {
        let reader = try CheckpointReader(path: checkpoint.checkpoint)
        guard let graph = try reader.objectGraph() else {
            throw MetaGraphKitError(.notFound, "\(reader.prefix): a name-based checkpoint (no \(ObjectGraph.checkpointKey))")
        }
        if output.json {
            print(JSONValue.object([("nodes", .array(graph.nodes.map(Self.json)))]).serialized(pretty: true))
            return
        }
        // Depth first, on an explicit stack, with indentation that stops growing at
        // `maxIndent` levels (deeper lines say their depth): an object graph can be a
        // chain 100,000 nodes deep, which recursion turned into a stack overflow and
        // growing indentation into gigabytes of spaces.
        var seen = Set<Int>()
        func walk(_ root: Int, _ rootLabel: String) {
            var stack: [(id: Int, label: String, depth: Int)] = [(root, rootLabel, 0)]
            while let (id, label, depth) = stack.popLast() {
                let node = graph.nodes[id]
                let indent = String(repeating: "  ", count: min(depth, Self.maxIndent))
                let deep = depth > Self.maxIndent ? "[depth \(depth)] " : ""
                print("\(indent)\(deep)\(label) (node \(id))\(seen.contains(id) ? " [seen above]" : "")")
                if !seen.insert(id).inserted { continue }
                for a in node.attributes {
                    print("\(indent)  @\(a.name) -> \(a.checkpointKey)\(a.fullName.isEmpty ? "" : "  (full name \(a.fullName))")")
                }
                for s in node.slotVariables {
                    print("\(indent)  slot \(s.slotName): variable node \(s.originalVariableNodeID) -> slot node \(s.slotVariableNodeID)")
                }
                for c in node.children.reversed() { stack.append((c.nodeID, c.localName, depth + 1)) }
            }
        }
        walk(0, "(root)")
        for node in graph.nodes where !seen.contains(node.id) { walk(node.id, "(unreachable)") }
    }

    /// Levels of indentation before the tree printout stops indenting further.
    static let maxIndent = 32

    static func json(_ n: ObjectGraph.Node) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .int(Int64(n.id))),
            ("children", .array(n.children.map { .object([("node_id", .int(Int64($0.nodeID))), ("local_name", .string($0.localName))]) })),
            ("attributes", .array(n.attributes.map {
                .object([("name", .string($0.name)), ("full_name", .string($0.fullName)), ("checkpoint_key", .string($0.checkpointKey))])
            })),
            ("slot_variables", .array(n.slotVariables.map {
                .object([("original_variable_node_id", .int(Int64($0.originalVariableNodeID))), ("slot_name", .string($0.slotName)),
                         ("slot_variable_node_id", .int(Int64($0.slotVariableNodeID)))])
            })),
        ]
        if let r = n.registeredSaver { fields.append(("registered_saver", .string(r))) }
        return .object(fields)
    }
}
