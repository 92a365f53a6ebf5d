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
    ///   - file: The file, for messages.
    /// - Returns: The new graph and what changed.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when two nodes would get one
    ///   name (both named), or for another message type.
    public static func renameNodes(_ metaGraph: ProtoMessage, nodeName: @escaping (String) -> String,
                                   saverKey: (String) -> String?, file: String = "<meta graph>") throws -> NodeRenameResult {
        guard metaGraph.type == .metaGraphDef else {
            throw MetaGraphKitError(.invalidArgument, "expected a tensorflow.MetaGraphDef, got \(metaGraph.type)")
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
                    throw MetaGraphKitError(.invalidArgument, "\(file): nodes \(other) and \(name) would both be named \(new)")
                }
                owner[new] = name
                if new != name { renamed.append((name, new)) }
            }
        }
        let rescoper = Rescoper(options: RescopeOptions(), file: file)
        rescoper.opRenamer = nodeName
        var keys: [(String, String)] = []
        var dropped: [String] = []
        try copy.withStruct(as: Tensorflow__MetaGraphDef.self) { m in
            try rescoper.run(m)
            (keys, dropped) = renameSaverKeys(m, saverKey)
        }
        return NodeRenameResult(metaGraph: copy, renamedNodes: renamed, renamedKeys: keys, droppedKeys: dropped)
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
