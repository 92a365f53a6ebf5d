// The work of MetaGraphTransform.rescope on a MetaGraphDef's C structs: which nodes
// stay, and how node names, inputs, colocation and frame names change. Follows
// _node_def, _should_include_node and _find_extraneous_saver_nodes of TensorFlow's
// tensorflow/python/framework/meta_graph.py, with the deviations documented on
// MetaGraphTransform.
internal import CProtobufC
internal import CTFProtos

final class Rescoper {
    let options: RescopeOptions
    /// The file the graph came from, named in errors about its items.
    let file: String
    let scope: NameScope?
    /// Every node name of the input graph.
    var originalNodes: Set<String> = []
    /// The original names of the nodes that stay.
    var keptNodes: Set<String> = []
    var removedNodes: [String] = []
    var unboundInputs: [String] = []
    var unboundSeen: Set<String> = []
    var droppedCollectionItems: [String: Int] = [:]
    var droppedSignatures: [String] = []
    var droppedSaver = false
    var strippedAttrCount = 0
    var clearedDeviceCount = 0
    /// Renames op names (no `^`, `loc:@` or `:N`) instead of the scope: a scope
    /// rename (`--strip-scope A --add-scope B`) or renaming rules.
    var opRenamer: ((String) -> String)?

    init(options: RescopeOptions, file: String) {
        self.options = options
        self.file = file
        switch options.scope {
        case .strip(let s): scope = NameScope(s, .strip)
        case .add(let s): scope = NameScope(s, .add)
        case .rename(let from, let to):
            scope = nil
            let old = NameScope(from, .strip), new = NameScope(to, .add)
            opRenamer = { old.isInside($0) ? new.rename(old.rename($0)) : $0 }
        case nil: scope = nil
        }
    }

    var stripping: Bool { scope?.direction == .strip }

    /// The new spelling of a name (stripped or prefixed), marker kept.
    func rename(_ name: String) -> String {
        guard let opRenamer else { return scope?.rename(name) ?? name }
        let (marker, body) = NameScope.split(name)
        if body.isEmpty || body.hasPrefix(NameScope.unboundPrefix) { return name }
        let op = NameScope.opName(body)
        return marker + opRenamer(op) + body.dropFirst(op.count)
    }

    /// Whether a node, tensor, `^control` or `loc:@` name survives: names of graph
    /// nodes follow their node; other names (context names, stale names) stay when
    /// inside the stripped scope.
    func keeps(_ name: String) -> Bool {
        if name.isEmpty || NameScope.isUnbound(name) { return true }
        let op = NameScope.opName(name)
        if originalNodes.contains(op) { return keptNodes.contains(op) }
        if let scope, scope.direction == .strip { return scope.isInside(name) }
        return true
    }

    // MARK: - The whole pass

    func run(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>) throws {
        let graph = m.pointee.graph_def
        var names: [String] = []
        if let graph, graph.pointee.n_node > 0 {
            for i in 0..<graph.pointee.n_node {
                names.append(CString.string(graph.pointee.node[i]?.pointee.name))
            }
        }
        originalNodes = Set(names)
        let excluded = options.clearExtraneousSavers
            ? Self.extraneousSaverNodes(m) : []
        for name in names where !excluded.contains(name) {
            if let scope, scope.direction == .strip,
               !(scope.isInside(name) || name.hasPrefix(NameScope.unboundPrefix)) { continue }
            keptNodes.insert(name)
        }
        removedNodes = names.filter { !keptNodes.contains($0) }

        if let graph {
            CMutation.removeMessages(graph.pointee.node, count: &graph.pointee.n_node) {
                !keptNodes.contains(CString.string($0.pointee.name))
            }
            for i in 0..<graph.pointee.n_node {
                if let node = graph.pointee.node[i] { rewrite(node) }
            }
        }
        try rewriteCollections(m)
        rewriteSaver(m)
        rewriteSignatures(m)
        if !removedNodes.isEmpty { pruneStrippedOps(m) }
        if options.stripDefaultAttrs { stripDefaultAttrs(m) }
    }

    // MARK: - Nodes

    func rewrite(_ node: UnsafeMutablePointer<Tensorflow__NodeDef>) {
        let op = CString.string(node.pointee.op)
        CMutation.mapStrings(node.pointee.input, count: node.pointee.n_input) { input in
            if NameScope.isUnbound(input) { return input }
            if keeps(input) { return rename(input) }
            let (marker, body) = NameScope.split(input)
            let unbound = marker + NameScope.unboundPrefix + body
            if unboundSeen.insert(unbound).inserted { unboundInputs.append(unbound) }
            return unbound
        }
        CMutation.mapString(&node.pointee.name) { rename($0) }
        if options.clearDevices, let device = node.pointee.device, device.pointee != 0 {
            CMutation.setString(&node.pointee.device, "")
            clearedDeviceCount += 1
        }
        guard node.pointee.n_attr > 0 else { return }
        for i in 0..<node.pointee.n_attr {
            guard let entry = node.pointee.attr[i], let value = entry.pointee.value else { continue }
            let key = CString.string(entry.pointee.key)
            if key == "_class", value.pointee.value_case == TENSORFLOW__ATTR_VALUE__VALUE_LIST,
               let list = value.pointee.list {
                CMutation.mapBytes(list.pointee.s, count: &list.pointee.n_s) { bytes in
                    let s = String(decoding: bytes, as: UTF8.self)
                    guard s.hasPrefix("loc:@") else { return bytes }
                    return keeps(s) ? Array(rename(s).utf8) : nil
                }
            } else if key == "frame_name", op == "Enter" || op == "RefEnter",
                      value.pointee.value_case == TENSORFLOW__ATTR_VALUE__VALUE_S {
                let s = String(decoding: CMutation.bytes(value.pointee.s), as: UTF8.self)
                let new = rename(s)
                if new != s { CMutation.setBytes(&value.pointee.s, Array(new.utf8)) }
            }
        }
    }

    // MARK: - Extraneous savers

    /// TensorFlow's save and restore ops (meta_graph.py `SAVE_AND_RESTORE_OPS`).
    static let saveAndRestoreOps: Set<String> = [
        "SaveV2", "Save", "SaveSlice", "SaveSlices", "LegacySave", "LegacySaveSlice",
        "RestoreV2", "Restore", "RestoreSlice", "LegacyRestore", "LegacyRestoreSlice",
    ]

    /// `_get_scope`: everything before the last `/` (marker removed).
    static func parentScope(_ name: String) -> String {
        let body = NameScope.split(name).body
        guard let slash = body.lastIndex(of: "/") else { return "" }
        return String(body[..<slash])
    }

    /// The nodes of savers other than the top-level SaverDef's: every node under
    /// the scope of a save/restore op, except the scopes of the SaverDef's save
    /// tensor and restore op (`_find_extraneous_saver_nodes`).
    static func extraneousSaverNodes(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>) -> Set<String> {
        guard let graph = m.pointee.graph_def?.pointee, graph.n_node > 0 else { return [] }
        var retained: Set<String> = []
        if let saver = m.pointee.saver_def?.pointee {
            retained.insert(parentScope(NameScope.opName(CString.string(saver.save_tensor_name))) + "/")
            retained.insert(parentScope(NameScope.opName(CString.string(saver.restore_op_name))) + "/")
        }
        var names: [String] = []
        var saverNodes: Set<String> = []
        for i in 0..<graph.n_node {
            let name = CString.string(graph.node[i]?.pointee.name)
            names.append(name)
            if saveAndRestoreOps.contains(CString.string(graph.node[i]?.pointee.op)) { saverNodes.insert(name) }
        }
        let scopes = Set(saverNodes.map(parentScope)).subtracting(saverNodes).map { $0 + "/" }
        let extraneous = Set(scopes).subtracting(retained)
        return Set(names.filter { name in extraneous.contains { name.hasPrefix($0) } })
    }
}
