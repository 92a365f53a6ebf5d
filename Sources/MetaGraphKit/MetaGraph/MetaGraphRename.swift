// Renaming a MetaGraphDef's nodes by a function, and the checkpoint keys its saver
// writes and reads (the string constants feeding SaveV2/RestoreV2), so that a
// `.meta` stays consistent with a checkpoint whose keys were renamed
// (tensorflow/python/training/saver.py BaseSaverBuilder._AddSaveOps /
// _AddRestoreOps: `tensor_names` and `shape_and_slices` are Const inputs 1 and 2).
internal import CProtobufC
internal import CTFProtos

/// What ``MetaGraphTransform/renameNodes(_:nodeName:saverKey:file:)`` did.
public struct NodeRenameResult: Sendable {
    /// The renamed graph.
    public let metaGraph: ProtoMessage
    /// Nodes whose name changed: (old, new), in graph order.
    public let renamedNodes: [(from: String, to: String)]
    /// Saver keys whose name changed: (old, new).
    public let renamedKeys: [(from: String, to: String)]
    /// Saver keys `saverKey` dropped; the saver still reads them (see ``MetaGraphTransform/renameNodes(_:nodeName:saverKey:file:)``).
    public let droppedKeys: [String]
    /// Whether the dropped keys were taken out of the saver (`pruneDropped`).
    public let prunedDroppedKeys: Bool
}

extension MetaGraphTransform {
    /// Renames every node by `nodeName`, everywhere a node is named — inputs, control
    /// inputs, `loc:@` colocation, collections (names inside VariableDef, SaverDef,
    /// QueueRunnerDef and control-flow items too), the SaverDef, signatures — and
    /// the keys in the saver's `tensor_names` constants by `saverKey`.
    ///
    /// - Parameters:
    ///   - metaGraph: A `tensorflow.MetaGraphDef`; it is not modified.
    ///   - nodeName: New op name for an op name (no `^`, `loc:@` or `:N`).
    ///   - saverKey: New checkpoint key for a key the saver writes; nil when the key
    ///     is dropped (then it is listed in ``NodeRenameResult/droppedKeys`` and kept).
    ///   - pruneDropped: Take dropped keys out of the saver (its constants, the save op's
    ///     inputs, the restore op's outputs and the assignments they feed).
    ///   - file: The file, for messages.
    /// - Returns: The new graph and what changed.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when two nodes would get one
    ///   name (both named), or for another message type.
    public static func renameNodes(_ metaGraph: ProtoMessage, nodeName: @escaping (String) -> String,
                                   saverKey: (String) -> String?, pruneDropped: Bool = false,
                                   file: String = "<meta graph>") throws -> NodeRenameResult {
        guard metaGraph.type == .metaGraphDef else {
            throw MetaGraphKitError.wrongMessageType(expected: "tensorflow.MetaGraphDef", got: "\(metaGraph.type)")
        }
        let copy = try ProtoMessage(binary: metaGraph.binary(), as: .metaGraphDef, file: "<copy>")
        var renamed: [(String, String)] = []
        try copy.withStruct(as: Tensorflow__MetaGraphDef.self) { m in
            guard let graph = m.pointee.graph_def, graph.pointee.n_node > 0 else { return }
            var owner: [String: String] = [:]
            for i in 0..<graph.pointee.n_node {
                let name = CString.string(graph.pointee.node[i]?.pointee.name)
                let new = nodeName(name)
                if let other = owner[new] {
                    throw MetaGraphKitError.invalidArgument(file, "nodes \(other) and \(name) would both be named \(new)")
                }
                owner[new] = name
                if new != name { renamed.append((name, new)) }
            }
        }
        let rescoper = Rescoper(options: RescopeOptions(), file: file)
        rescoper.opRenamer = nodeName
        var keys: [(String, String)] = []
        var dropped: [String] = []
        var pruned = false
        try copy.withStruct(as: Tensorflow__MetaGraphDef.self) { m in
            try rescoper.run(m)
            (keys, dropped) = renameSaverKeys(m, saverKey)
            if pruneDropped, !dropped.isEmpty {
                // Names are compared after the renaming: dropped keys were left as they were.
                pruned = pruneSaverKeys(m, dropped: Set(dropped))
            }
        }
        return NodeRenameResult(metaGraph: copy, renamedNodes: renamed, renamedKeys: keys, droppedKeys: dropped, prunedDroppedKeys: pruned)
    }

    /// The keys a graph's save ops write (the `tensor_names` constants of its
    /// SaveV2/SaveSlices nodes), with their `shape_and_slices` specs; empty when
    /// the graph has no saver.
    ///
    /// - Parameter metaGraph: A `tensorflow.MetaGraphDef`.
    /// - Returns: (key, spec) pairs, in the order the first save op lists them.
    public static func saverKeys(_ metaGraph: ProtoMessage) -> [(key: String, spec: String)] {
        guard metaGraph.type == .metaGraphDef else { return [] }
        return metaGraph.withStruct(as: Tensorflow__MetaGraphDef.self) { m in
            var out: [(String, String)] = []
            var seen = Set<String>()
            forEachSaveConstant(m, ops: ["SaveV2", "SaveSlices"]) { names, specs in
                let n = names.map { Array(UnsafeBufferPointer(start: $0.pointee.string_val, count: $0.pointee.n_string_val)) } ?? []
                let s = specs.map { Array(UnsafeBufferPointer(start: $0.pointee.string_val, count: $0.pointee.n_string_val)) } ?? []
                for (i, b) in n.enumerated() {
                    let key = String(decoding: CMutation.bytes(b), as: UTF8.self)
                    guard seen.insert(key).inserted else { continue }
                    out.append((key, i < s.count ? String(decoding: CMutation.bytes(s[i]), as: UTF8.self) : ""))
                }
            }
            return out
        }
    }

    /// Calls `body` with the `tensor_names` and `shape_and_slices` constants of
    /// every node whose op is in `ops`.
    static func forEachSaveConstant(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>, ops: Set<String>,
                                    _ body: (UnsafeMutablePointer<Tensorflow__TensorProto>?, UnsafeMutablePointer<Tensorflow__TensorProto>?) -> Void) {
        guard let graph = m.pointee.graph_def, graph.pointee.n_node > 0 else { return }
        var byName: [String: UnsafeMutablePointer<Tensorflow__NodeDef>] = [:]
        for i in 0..<graph.pointee.n_node {
            if let n = graph.pointee.node[i] { byName[CString.string(n.pointee.name)] = n }
        }
        func constant(_ input: String) -> UnsafeMutablePointer<Tensorflow__TensorProto>? {
            guard let node = byName[NameScope.opName(input)], CString.string(node.pointee.op) == "Const",
                  node.pointee.n_attr > 0 else { return nil }
            for i in 0..<node.pointee.n_attr {
                guard let a = node.pointee.attr[i], CString.string(a.pointee.key) == "value", let v = a.pointee.value,
                      v.pointee.value_case == TENSORFLOW__ATTR_VALUE__VALUE_TENSOR else { continue }
                return v.pointee.tensor
            }
            return nil
        }
        for i in 0..<graph.pointee.n_node {
            guard let n = graph.pointee.node[i], ops.contains(CString.string(n.pointee.op)), n.pointee.n_input >= 3 else { continue }
            body(constant(CString.string(n.pointee.input[1])), constant(CString.string(n.pointee.input[2])))
        }
    }

    /// Renames the keys in the save and restore ops' `tensor_names` constants.
    static func renameSaverKeys(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>,
                                _ saverKey: (String) -> String?) -> ([(String, String)], [String]) {
        var renamed: [(String, String)] = []
        var dropped: [String] = []
        var seen = Set<String>()
        forEachSaveConstant(m, ops: ["SaveV2", "RestoreV2", "SaveSlices"]) { names, _ in
            guard let names, names.pointee.n_string_val > 0 else { return }
            var count = names.pointee.n_string_val
            CMutation.mapBytes(names.pointee.string_val, count: &count) { bytes in
                let key = String(decoding: bytes, as: UTF8.self)
                guard let new = saverKey(key) else {
                    if seen.insert(key).inserted { dropped.append(key) }
                    return bytes
                }
                if new != key, seen.insert(key).inserted { renamed.append((key, new)) }
                return Array(new.utf8)
            }
        }
        return (renamed, dropped)
    }
}

extension MetaGraphTransform {
    /// Takes keys out of a graph's saver, as a `Saver` built without those variables
    /// would have been: their entries in the SaveV2/RestoreV2 `tensor_names` and
    /// `shape_and_slices` constants, the save op's inputs and `dtypes`, the restore
    /// op's `dtypes` and outputs (later outputs renumbered), and the nodes that assign
    /// the removed outputs (with the control inputs naming them).
    ///
    /// - Returns: false, leaving the graph partly changed, when the saver is not laid out as
    ///   TensorFlow's Saver builds it (the caller then discards the copy).
    static func pruneSaverKeys(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>, dropped: Set<String>) -> Bool {
        guard let graph = m.pointee.graph_def, graph.pointee.n_node > 0, !dropped.isEmpty else { return true }
        var byName: [String: UnsafeMutablePointer<Tensorflow__NodeDef>] = [:]
        for i in 0..<graph.pointee.n_node {
            if let n = graph.pointee.node[i] { byName[CString.string(n.pointee.name)] = n }
        }
        func constant(_ input: String) -> UnsafeMutablePointer<Tensorflow__TensorProto>? {
            guard let node = byName[NameScope.opName(input)], CString.string(node.pointee.op) == "Const", node.pointee.n_attr > 0 else { return nil }
            for i in 0..<node.pointee.n_attr {
                guard let a = node.pointee.attr[i], CString.string(a.pointee.key) == "value", let v = a.pointee.value,
                      v.pointee.value_case == TENSORFLOW__ATTR_VALUE__VALUE_TENSOR else { continue }
                return v.pointee.tensor
            }
            return nil
        }
        func dtypes(_ node: UnsafeMutablePointer<Tensorflow__NodeDef>) -> UnsafeMutablePointer<Tensorflow__AttrValue__ListValue>? {
            guard node.pointee.n_attr > 0 else { return nil }
            for i in 0..<node.pointee.n_attr {
                guard let a = node.pointee.attr[i], CString.string(a.pointee.key) == "dtypes", let v = a.pointee.value,
                      v.pointee.value_case == TENSORFLOW__ATTR_VALUE__VALUE_LIST else { continue }
                return v.pointee.list
            }
            return nil
        }
        /// Removes `indices` from a string constant, fixing its 1-D shape.
        func prune(_ t: UnsafeMutablePointer<Tensorflow__TensorProto>, _ indices: Set<Int>) {
            var index = 0
            var count = t.pointee.n_string_val
            CMutation.mapBytes(t.pointee.string_val, count: &count) { b in defer { index += 1 }; return indices.contains(index) ? nil : b }
            t.pointee.n_string_val = count
            if let shape = t.pointee.tensor_shape, shape.pointee.n_dim == 1, let d = shape.pointee.dim[0] { d.pointee.size = Int64(count) }
        }
        func outputShapes(_ node: UnsafeMutablePointer<Tensorflow__NodeDef>?) -> UnsafeMutablePointer<Tensorflow__AttrValue__ListValue>? {
            guard let node, node.pointee.n_attr > 0 else { return nil }
            for i in 0..<node.pointee.n_attr {
                guard let a = node.pointee.attr[i], CString.string(a.pointee.key) == "_output_shapes", let v = a.pointee.value,
                      v.pointee.value_case == TENSORFLOW__ATTR_VALUE__VALUE_LIST else { continue }
                return v.pointee.list
            }
            return nil
        }
        /// A string constant's recorded `_output_shapes` ([n]) follows its new length.
        func fixConstantShape(_ input: String, _ count: Int) {
            guard let list = outputShapes(byName[NameScope.opName(input)]), list.pointee.n_shape == 1,
                  let shape = list.pointee.shape[0], shape.pointee.n_dim == 1, let d = shape.pointee.dim[0] else { return }
            d.pointee.size = Int64(count)
        }
        func pruneTypes(_ list: UnsafeMutablePointer<Tensorflow__AttrValue__ListValue>, _ indices: Set<Int>) {
            var kept = 0
            for i in 0..<list.pointee.n_type where !indices.contains(i) { list.pointee.type[kept] = list.pointee.type[i]; kept += 1 }
            list.pointee.n_type = kept
        }
        var removedNodes = Set<String>()
        for i in 0..<graph.pointee.n_node {
            guard let n = graph.pointee.node[i] else { continue }
            let op = CString.string(n.pointee.op)
            guard op == "SaveV2" || op == "RestoreV2", n.pointee.n_input >= 3,
                  let names = constant(CString.string(n.pointee.input[1])),
                  let specs = constant(CString.string(n.pointee.input[2])), let types = dtypes(n) else { continue }
            let keys = (0..<names.pointee.n_string_val).map { String(decoding: CMutation.bytes(names.pointee.string_val[$0]), as: UTF8.self) }
            let indices = Set(keys.indices.filter { dropped.contains(keys[$0]) })
            guard !indices.isEmpty else { continue }
            guard specs.pointee.n_string_val == keys.count, types.pointee.n_type == keys.count else { return false }
            if op == "SaveV2" {
                guard n.pointee.n_input == 3 + keys.count else { return false }
                var index = 0
                CMutation.removeStrings(&n.pointee.input, count: &n.pointee.n_input) { _ in
                    defer { index += 1 }
                    return index >= 3 && indices.contains(index - 3)
                }
            } else {
                // The restore op's outputs: drop the nodes fed by removed outputs (transitively), renumber the rest.
                let name = CString.string(n.pointee.name)
                var newIndex: [Int: Int] = [:]
                var next = 0
                for k in keys.indices where !indices.contains(k) { newIndex[k] = next; next += 1 }
                func output(_ input: String) -> Int? {
                    if input == name { return 0 }
                    guard input.hasPrefix(name + ":"), let k = Int(input.dropFirst(name.count + 1)) else { return nil }
                    return k
                }
                var changed = true
                while changed {
                    changed = false
                    for j in 0..<graph.pointee.n_node {
                        guard let c = graph.pointee.node[j], c.pointee.n_input > 0 else { continue }
                        let cname = CString.string(c.pointee.name)
                        if removedNodes.contains(cname) { continue }
                        for x in 0..<c.pointee.n_input {
                            let input = CString.string(c.pointee.input[x])
                            if let k = output(input), indices.contains(k) { removedNodes.insert(cname); changed = true; break }
                            if !input.hasPrefix("^"), removedNodes.contains(NameScope.opName(input)) { removedNodes.insert(cname); changed = true; break }
                        }
                    }
                }
                for j in 0..<graph.pointee.n_node {
                    guard let c = graph.pointee.node[j] else { continue }
                    CMutation.mapStrings(c.pointee.input, count: c.pointee.n_input) { input in
                        guard let k = output(input), let new = newIndex[k] else { return input }
                        return new == 0 ? name : "\(name):\(new)"
                    }
                }
            }
            prune(names, indices)
            prune(specs, indices)
            pruneTypes(types, indices)
            fixConstantShape(CString.string(n.pointee.input[1]), keys.count - indices.count)
            fixConstantShape(CString.string(n.pointee.input[2]), keys.count - indices.count)
            if op == "RestoreV2", let shapes = outputShapes(n), shapes.pointee.n_shape == keys.count {
                var index = 0
                CMutation.removeMessages(shapes.pointee.shape, count: &shapes.pointee.n_shape) { _ in
                    defer { index += 1 }
                    return indices.contains(index)
                }
            }
        }
        guard !removedNodes.isEmpty else { return true }
        CMutation.removeMessages(graph.pointee.node, count: &graph.pointee.n_node) { removedNodes.contains(CString.string($0.pointee.name)) }
        for j in 0..<graph.pointee.n_node {
            guard let c = graph.pointee.node[j] else { continue }
            CMutation.removeStrings(&c.pointee.input, count: &c.pointee.n_input) { $0.hasPrefix("^") && removedNodes.contains(String($0.dropFirst())) }
        }
        return true
    }
}
