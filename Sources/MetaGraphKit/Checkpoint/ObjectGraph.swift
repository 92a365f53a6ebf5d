// The object graph of an object-based checkpoint, the `_CHECKPOINTABLE_OBJECT_GRAPH`
// entry (tensorflow/core/protobuf/trackable_object_graph.proto; key mapping as
// tensorflow/python/training/saver.py object_graph_key_mapping).

/// A typed view of a `TrackableObjectGraph`: node 0 is the root.
public struct ObjectGraph: Sendable, Equatable {
    /// The key under which object-based checkpoints store the graph.
    public static let checkpointKey = "_CHECKPOINTABLE_OBJECT_GRAPH"

    /// A child edge: the node it leads to and the name the parent gave it.
    public struct Child: Sendable, Equatable {
        /// The child's node id.
        public let nodeID: Int
        /// The attribute name under which the parent tracks the child.
        public let localName: String
    }

    /// A saved tensor of a node.
    public struct Attribute: Sendable, Equatable {
        /// The attribute name, for example `VARIABLE_VALUE`.
        public let name: String
        /// The TF1 graph name of the object (may be empty, need not be unique).
        public let fullName: String
        /// The checkpoint key (exact, or a prefix for multi-tensor saveables).
        public let checkpointKey: String
    }

    /// An optimizer slot: which variable it belongs to and which node holds it.
    public struct SlotVariable: Sendable, Equatable {
        /// The node id of the variable the slot is for.
        public let originalVariableNodeID: Int
        /// The slot's name, for example `m`.
        public let slotName: String
        /// The node id of the slot variable itself.
        public let slotVariableNodeID: Int
    }

    /// One trackable object.
    public struct Node: Sendable, Equatable {
        /// The node's index in ``ObjectGraph/nodes``.
        public let id: Int
        /// Its children, in declared order.
        public var children: [Child] = []
        /// Its saved tensors.
        public var attributes: [Attribute] = []
        /// The optimizer slots it owns.
        public var slotVariables: [SlotVariable] = []
        /// The name of the registered saver that saves it, if any.
        public var registeredSaver: String?
    }

    /// Every node; node 0 is the root.
    public let nodes: [Node]

    /// Decodes a serialized `TrackableObjectGraph`.
    ///
    /// - Parameters:
    ///   - bytes: The serialized message (the string value of the graph entry).
    ///   - file: The file name for messages.
    /// - Throws: ``MetaGraphKitError`` with code `notAProtobuf` for malformed bytes,
    ///   `corrupt` for a node reference out of range.
    public init(serialized bytes: [UInt8], file: String = "<bytes>") throws {
        nodes = try bytes.withUnsafeBytes { try Self.parse($0, file: file) }
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws -> [Node] {
        var top = ProtoFieldReader(bytes, file: file, message: "tensorflow.TrackableObjectGraph")
        var nodes: [Node] = []
        while let f = try top.next() {
            guard f.number == 1 else { continue }
            var r = try f.subReader(top, message: "tensorflow.TrackableObjectGraph.TrackableObject")
            var node = Node(id: nodes.count)
            while let g = try r.next() {
                switch g.number {
                case 1:
                    var c = try g.subReader(r, message: "ObjectReference")
                    var id = 0, name = ""
                    while let h = try c.next() {
                        if h.number == 1 { id = Int(try h.int32(c)) }
                        if h.number == 2 { name = try h.string(c) }
                    }
                    node.children.append(Child(nodeID: id, localName: name))
                case 2:
                    var a = try g.subReader(r, message: "SerializedTensor")
                    var name = "", full = "", key = ""
                    while let h = try a.next() {
                        switch h.number {
                        case 1: name = try h.string(a)
                        case 2: full = try h.string(a)
                        case 3: key = try h.string(a)
                        default: break
                        }
                    }
                    node.attributes.append(Attribute(name: name, fullName: full, checkpointKey: key))
                case 3:
                    var s = try g.subReader(r, message: "SlotVariableReference")
                    var original = 0, slot = "", variable = 0
                    while let h = try s.next() {
                        switch h.number {
                        case 1: original = Int(try h.int32(s))
                        case 2: slot = try h.string(s)
                        case 3: variable = Int(try h.int32(s))
                        default: break
                        }
                    }
                    node.slotVariables.append(SlotVariable(originalVariableNodeID: original, slotName: slot, slotVariableNodeID: variable))
                case 4:
                    var s = try g.subReader(r, message: "RegisteredSaver")
                    while let h = try s.next() { if h.number == 1 { node.registeredSaver = try h.string(s) } }
                default: break
                }
            }
            nodes.append(node)
        }
        for node in nodes {
            let refs = node.children.map(\.nodeID) + node.slotVariables.flatMap { [$0.originalVariableNodeID, $0.slotVariableNodeID] }
            if let bad = refs.first(where: { $0 < 0 || $0 >= nodes.count }) {
                throw MetaGraphKitError.corrupt(file, "object graph node \(node.id) refers to node \(bad) of \(nodes.count)")
            }
        }
        return nodes
    }

    // MARK: - Views

    /// `full_name → checkpoint_key` for every attribute of every node, a later
    /// duplicate full name overwriting an earlier one, as TensorFlow's dict does.
    ///
    /// TensorFlow's name for this is `saver.object_graph_key_mapping`.
    public var fullNameToCheckpointKey: [String: String] {
        var map: [String: String] = [:]
        for node in nodes { for a in node.attributes { map[a.fullName] = a.checkpointKey } }
        return map
    }

    /// The path of local names from the root to each node reachable by children,
    /// breadth first (the first discovery wins, as TensorFlow assigns names).
    ///
    /// - Returns: Node id → local names from the root (the root itself: `[]`).
    public func paths() -> [Int: [String]] {
        guard !nodes.isEmpty else { return [:] }
        var paths: [Int: [String]] = [0: []]
        var queue = [0]
        var head = 0
        while head < queue.count {
            let id = queue[head]
            head += 1
            for child in nodes[id].children where paths[child.nodeID] == nil {
                paths[child.nodeID] = paths[id]! + [child.localName]
                queue.append(child.nodeID)
            }
        }
        return paths
    }
}
