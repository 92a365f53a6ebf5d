// The stripped op list and default-valued attrs under a rescope: TensorFlow's
// stripped_op_list_for_graph (only ops the graph uses) and
// _strip_graph_default_valued_attrs (meta_graph.py), with the file's own
// `meta_info_def.stripped_op_list` standing in for TensorFlow's op registry.
internal import CProtobufC
internal import CTFProtos

extension Rescoper {
    /// The names of the graph's library functions.
    static func functionNames(_ graph: UnsafeMutablePointer<Tensorflow__GraphDef>?) -> Set<String> {
        guard let lib = graph?.pointee.library, lib.pointee.n_function > 0 else { return [] }
        return Set((0..<lib.pointee.n_function).map {
            CString.string(lib.pointee.function[$0]?.pointee.signature?.pointee.name)
        })
    }

    /// Calls `body` on every NodeDef of the graph and of its library's functions.
    static func forEachNode(
        _ graph: UnsafeMutablePointer<Tensorflow__GraphDef>?,
        _ body: (UnsafeMutablePointer<Tensorflow__NodeDef>) -> Void
    ) {
        guard let graph else { return }
        for i in 0..<graph.pointee.n_node { if let n = graph.pointee.node[i] { body(n) } }
        guard let lib = graph.pointee.library, lib.pointee.n_function > 0 else { return }
        for f in 0..<lib.pointee.n_function {
            guard let fn = lib.pointee.function[f], fn.pointee.n_node_def > 0 else { continue }
            for i in 0..<fn.pointee.n_node_def { if let n = fn.pointee.node_def[i] { body(n) } }
        }
    }

    /// Removes from `stripped_op_list` the ops no remaining node uses.
    func pruneStrippedOps(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>) {
        guard let list = m.pointee.meta_info_def?.pointee.stripped_op_list else { return }
        var used: Set<String> = []
        Self.forEachNode(m.pointee.graph_def) { used.insert(CString.string($0.pointee.op)) }
        CMutation.removeMessages(list.pointee.op, count: &list.pointee.n_op) {
            !used.contains(CString.string($0.pointee.name))
        }
    }

    /// Removes attrs whose serialized value equals their OpDef default, for nodes
    /// whose op the stripped op list defines (library functions are skipped, as
    /// TensorFlow does), and sets `stripped_default_attrs`.
    func stripDefaultAttrs(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>) {
        if m.pointee.meta_info_def == nil {
            m.pointee.meta_info_def = CMutation.newMessage(
                ProtoMessageType.named("tensorflow.MetaGraphDef.MetaInfoDef")!,
                as: Tensorflow__MetaGraphDef__MetaInfoDef.self)
        }
        guard let info = m.pointee.meta_info_def else { return }
        info.pointee.stripped_default_attrs = 1
        var defaults: [String: [String: [UInt8]]] = [:]
        if let list = info.pointee.stripped_op_list, list.pointee.n_op > 0 {
            for i in 0..<list.pointee.n_op {
                guard let op = list.pointee.op[i], op.pointee.n_attr > 0 else { continue }
                var attrs: [String: [UInt8]] = [:]
                for a in 0..<op.pointee.n_attr {
                    guard let def = op.pointee.attr[a], let value = def.pointee.default_value else { continue }
                    attrs[CString.string(def.pointee.name)] = CMutation.pack(value)
                }
                defaults[CString.string(op.pointee.name)] = attrs
            }
        }
        let functions = Self.functionNames(m.pointee.graph_def)
        Self.forEachNode(m.pointee.graph_def) { node in
            let op = CString.string(node.pointee.op)
            guard !functions.contains(op), let attrs = defaults[op], !attrs.isEmpty else { return }
            strippedAttrCount += CMutation.removeMessages(node.pointee.attr, count: &node.pointee.n_attr) { entry in
                guard let value = entry.pointee.value,
                      let def = attrs[CString.string(entry.pointee.key)] else { return false }
                return CMutation.pack(value) == def
            }
        }
    }
}
