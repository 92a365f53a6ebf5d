// A Swift copy of the parts of a MetaGraphDef that diff, variables and saver
// checks compare: nodes, collections, saver and signatures.
internal import CProtobufC
internal import CTFProtos

struct GraphSnapshot: Sendable {
    struct Node: Sendable, Hashable {
        var name: String
        var op: String
        var inputs: [String]
        var device: String
        /// Attr values by key, as serialized AttrValue bytes.
        var attrs: [String: [UInt8]]
    }

    /// One item of a collection.
    enum Item: Sendable, Hashable {
        case name(String)
        case bytes([UInt8])
        case int(Int64)
        case float(Float)
        case any([UInt8])
    }

    struct Collection: Sendable, Hashable {
        var kind: MetaGraphSummary.CollectionKind
        var items: [Item]
    }

    var nodes: [Node] = []
    var nodeIndex: [String: Int] = [:]
    var collections: [String: Collection] = [:]
    var saver: SaverDef?
    /// Signatures by key, as serialized SignatureDef bytes.
    var signatures: [String: [UInt8]] = [:]
    var signatureSummaries: [String: MetaGraphSummary.Signature] = [:]
    var strippedDefaultAttrs = false
    /// OpDefs of `stripped_op_list` by name (serialized).
    var strippedOps: [String: [UInt8]] = [:]

    func node(_ name: String) -> Node? { nodeIndex[name].map { nodes[$0] } }

    init(_ message: ProtoMessage) throws {
        guard message.type == .metaGraphDef else {
            throw MetaGraphKitError.wrongMessageType(expected: "tensorflow.MetaGraphDef", got: "\(message.type)")
        }
        self = message.withStruct(as: Tensorflow__MetaGraphDef.self) { GraphSnapshot(UnsafePointer($0)) }
    }

    init(_ m: UnsafePointer<Tensorflow__MetaGraphDef>) {
        if let graph = m.pointee.graph_def?.pointee, graph.n_node > 0 {
            for i in 0..<graph.n_node {
                guard let n = graph.node[i]?.pointee else { continue }
                var attrs: [String: [UInt8]] = [:]
                for a in 0..<n.n_attr {
                    guard let e = n.attr[a]?.pointee else { continue }
                    attrs[CString.string(e.key)] = e.value.map { CMutation.pack($0) } ?? []
                }
                let node = Node(name: CString.string(n.name), op: CString.string(n.op),
                                inputs: CString.strings(n.input, count: n.n_input),
                                device: CString.string(n.device), attrs: attrs)
                nodeIndex[node.name] = nodes.count
                nodes.append(node)
            }
        }
        for i in 0..<m.pointee.n_collection_def {
            guard let entry = m.pointee.collection_def[i]?.pointee else { continue }
            let key = CString.string(entry.key)
            guard let def = entry.value?.pointee else {
                collections[key] = Collection(kind: .empty, items: []); continue
            }
            var kind = MetaGraphSummary.CollectionKind.empty
            var items: [Item] = []
            switch def.kind_case {
            case TENSORFLOW__COLLECTION_DEF__KIND_NODE_LIST:
                kind = .nodeList
                items = CString.strings(def.node_list.pointee.value, count: def.node_list.pointee.n_value).map { .name($0) }
            case TENSORFLOW__COLLECTION_DEF__KIND_BYTES_LIST:
                kind = .bytesList
                let l = def.bytes_list.pointee
                items = (0..<l.n_value).map { .bytes(CMutation.bytes(l.value[$0])) }
            case TENSORFLOW__COLLECTION_DEF__KIND_INT64_LIST:
                kind = .int64List
                let l = def.int64_list.pointee
                items = (0..<l.n_value).map { .int(l.value[$0]) }
            case TENSORFLOW__COLLECTION_DEF__KIND_FLOAT_LIST:
                kind = .floatList
                let l = def.float_list.pointee
                items = (0..<l.n_value).map { .float(l.value[$0]) }
            case TENSORFLOW__COLLECTION_DEF__KIND_ANY_LIST:
                kind = .anyList
                let l = def.any_list.pointee
                items = (0..<l.n_value).map { i in .any(l.value[i].map { CMutation.pack($0) } ?? []) }
            default:
                break
            }
            collections[key] = Collection(kind: kind, items: items)
        }
        saver = m.pointee.saver_def.map { SaverDef(UnsafePointer($0)) }
        var summary = MetaGraphSummary()
        for i in 0..<m.pointee.n_signature_def {
            guard let p = m.pointee.signature_def[i] else { continue }
            summary.apply(signature: p)
        }
        for s in summary.signatures { signatureSummaries[s.key] = s }
        for i in 0..<m.pointee.n_signature_def {
            guard let entry = m.pointee.signature_def[i]?.pointee else { continue }
            signatures[CString.string(entry.key)] = entry.value.map { CMutation.pack($0) } ?? []
        }
        if let info = m.pointee.meta_info_def?.pointee {
            strippedDefaultAttrs = info.stripped_default_attrs != 0
            if let list = info.stripped_op_list?.pointee, list.n_op > 0 {
                for i in 0..<list.n_op {
                    guard let op = list.op[i] else { continue }
                    strippedOps[CString.string(op.pointee.name)] = CMutation.pack(op)
                }
            }
        }
    }
}

extension GraphSnapshot.Node {
    /// The DataType number of a `type`-valued attr (`dtype`, `T`), if present.
    func typeAttr(_ key: String) -> Int32? {
        guard let bytes = attrs[key], let attr = try? ProtoMessage(binary: bytes, as: .attrValue) else { return nil }
        return attr.withStruct(as: Tensorflow__AttrValue.self) { a in
            a.pointee.value_case == TENSORFLOW__ATTR_VALUE__VALUE_TYPE ? Int32(a.pointee.type.rawValue) : nil
        }
    }

    /// The dimensions of a `shape`-valued attr (-1 unknown); nil if absent, not a
    /// shape, or of unknown rank.
    func shapeAttr(_ key: String) -> [Int64]? {
        guard let bytes = attrs[key], let attr = try? ProtoMessage(binary: bytes, as: .attrValue) else { return nil }
        return attr.withStruct(as: Tensorflow__AttrValue.self) { a in
            guard a.pointee.value_case == TENSORFLOW__ATTR_VALUE__VALUE_SHAPE, let s = a.pointee.shape?.pointee,
                  s.unknown_rank == 0 else { return nil }
            return (0..<s.n_dim).map { s.dim[$0]?.pointee.size ?? -1 }
        }
    }
}
