// A small editor for the nodes of a GraphDef held as protobuf-c structs: look nodes
// up by name, rewire inputs, drop nodes, insert new ones built from NodeDef bytes.
// Used by the saver rewrites (SaverGraphRewrite, SaverGraphRewrite+Sharded).
internal import CProtobufC
internal import CTFProtos
#if canImport(Glibc)
import Glibc
#endif

final class SaverGraphEditor {
    typealias Node = UnsafeMutablePointer<Tensorflow__NodeDef>

    let graph: UnsafeMutablePointer<Tensorflow__GraphDef>
    let file: String
    private(set) var nodes: [Node] = []
    private var byName: [String: Node] = [:]
    private var used: Set<String> = []
    private var removed: Set<String> = []
    /// New nodes to put in front of an existing node (by its name).
    private var insertions: [String: [Node]] = [:]

    init(_ graph: UnsafeMutablePointer<Tensorflow__GraphDef>, file: String) {
        self.graph = graph
        self.file = file
        for i in 0..<graph.pointee.n_node {
            guard let node = graph.pointee.node[i] else { continue }
            nodes.append(node)
            let name = Self.name(node)
            byName[name] = node
            used.insert(name)
        }
    }

    // MARK: Reading

    static func name(_ node: Node) -> String { CString.string(node.pointee.name) }
    static func op(_ node: Node) -> String { CString.string(node.pointee.op) }
    static func device(_ node: Node) -> String { CString.string(node.pointee.device) }
    static func inputs(_ node: Node) -> [String] { CString.strings(node.pointee.input, count: node.pointee.n_input) }

    func node(_ name: String) -> Node? { byName[name] }

    /// The node an input string names ("x", "x:1", "^x" all name "x").
    static func producer(_ input: String) -> String {
        var s = Substring(input)
        if s.hasPrefix("^") { s = s.dropFirst() }
        if let colon = s.lastIndex(of: ":"), s[s.index(after: colon)...].allSatisfy(\.isNumber),
           s.index(after: colon) != s.endIndex {
            s = s[..<colon]
        }
        return String(s)
    }

    /// The attr value of `key`, if the node has it.
    static func attr(_ node: Node, _ key: String) -> UnsafeMutablePointer<Tensorflow__AttrValue>? {
        for j in 0..<node.pointee.n_attr {
            guard let entry = node.pointee.attr[j] else { continue }
            if CString.string(entry.pointee.key) == key { return entry.pointee.value }
        }
        return nil
    }

    /// The DataType of a `type`-valued attr.
    static func typeAttr(_ node: Node, _ key: String) -> UInt32? {
        guard let a = attr(node, key), a.pointee.value_case == TENSORFLOW__ATTR_VALUE__VALUE_TYPE else { return nil }
        return UInt32(a.pointee.type.rawValue)
    }

    /// The value of a `Const` node holding one string (a scalar or a one-element vector).
    static func stringConstant(_ node: Node) -> [UInt8]? {
        guard op(node) == "Const", let a = attr(node, "value"),
              a.pointee.value_case == TENSORFLOW__ATTR_VALUE__VALUE_TENSOR,
              let t = a.pointee.tensor, t.pointee.dtype == TENSORFLOW__DATA_TYPE__DT_STRING,
              t.pointee.n_string_val == 1 else { return nil }
        return CMutation.bytes(t.pointee.string_val[0])
    }

    /// Names of the nodes that use `name` as a data or control input.
    func consumers(of name: String) -> [String] {
        nodes.filter { !removed.contains(Self.name($0)) && Self.inputs($0).contains { Self.producer($0) == name } }
            .map(Self.name)
    }

    /// Names of every node some kept node uses as a data or control input.
    func referencedNames() -> Set<String> {
        var names: Set<String> = []
        for node in nodes where !removed.contains(Self.name(node)) {
            for input in Self.inputs(node) { names.insert(Self.producer(input)) }
        }
        return names
    }

    // MARK: Editing

    /// `base`, or `base_1`, `base_2`, … — the first name no node has (TensorFlow's
    /// `Graph.unique_name`). The name is reserved.
    func uniqueName(_ base: String) -> String {
        var candidate = base
        var i = 1
        while used.contains(candidate) { candidate = "\(base)_\(i)"; i += 1 }
        used.insert(candidate)
        return candidate
    }

    /// Rewrites inputs of every node: `map(input)` returns the new input string or nil to keep it.
    func rewireInputs(_ map: (String) -> String?) {
        for node in nodes { rewireInputs(of: node, map) }
    }

    func rewireInputs(of node: Node, _ map: (String) -> String?) {
        CMutation.mapStrings(node.pointee.input, count: node.pointee.n_input) { map($0) ?? $0 }
    }

    /// Drops a node (freed on ``commit()``).
    func remove(_ name: String) { removed.insert(name) }

    /// Builds a node from its fields and puts it in front of `anchor`.
    func insert(_ node: NewNode, before anchor: String) throws {
        let bytes = node.encoded()
        let type = ProtoMessageType.named("tensorflow.NodeDef")!
        let raw = try bytes.withUnsafeBytes { try ProtobufC.unpack($0, as: type, file: file) }
        let made = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: Tensorflow__NodeDef.self)
        insertions[anchor, default: []].append(made)
        byName[node.name] = made
        used.insert(node.name)
    }

    /// Writes the node list back: insertions in front of their anchors, removed nodes freed.
    func commit() {
        var out: [Node] = []
        for node in nodes {
            let name = Self.name(node)
            out += insertions[name] ?? []
            if removed.contains(name) { CMutation.freeMessage(node) } else { out.append(node) }
        }
        let array = malloc(max(out.count, 1) * MemoryLayout<Node?>.stride)!.assumingMemoryBound(to: Node?.self)
        for (i, node) in out.enumerated() { array[i] = node }
        free(graph.pointee.node)
        graph.pointee.node = array
        graph.pointee.n_node = out.count
        nodes = out
        insertions = [:]
        removed = []
    }
}

/// A NodeDef to add, with its attrs as serialized AttrValue bytes.
struct NewNode {
    var name: String
    var op: String
    var inputs: [String] = []
    var device: String = ""
    var attrs: [(String, [UInt8])] = []

    /// The NodeDef's binary encoding (attrs in key order, as TensorFlow writes maps).
    func encoded() -> [UInt8] {
        var out = Proto.text(1, name) + Proto.text(2, op)
        for input in inputs { out += Proto.text(3, input) }
        if !device.isEmpty { out += Proto.text(4, device) }
        for (key, value) in attrs.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }) {
            out += Proto.field(5, Proto.text(1, key) + Proto.field(2, value))
        }
        return out
    }
}

/// Minimal protobuf encoders for the messages the saver rewrites build.
enum Proto {
    static func field(_ n: UInt64, _ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        Varint.append(n << 3 | 2, to: &out)
        Varint.append(UInt64(bytes.count), to: &out)
        return out + bytes
    }
    static func text(_ n: UInt64, _ s: String) -> [UInt8] { field(n, Array(s.utf8)) }
    static func varint(_ n: UInt64, _ v: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        Varint.append(n << 3, to: &out)
        Varint.append(v, to: &out)
        return out
    }

    static let dtString: UInt64 = 7
    static let dtInt32: UInt64 = 3
    static let dtBool: UInt64 = 10

    // AttrValue { list = 1, s = 2, i = 3, b = 5, type = 6, tensor = 8 }
    static func attrType(_ t: UInt64) -> [UInt8] { varint(6, t) }
    static func attrInt(_ i: UInt64) -> [UInt8] { varint(3, i) }
    static func attrBool(_ b: Bool) -> [UInt8] { varint(5, b ? 1 : 0) }
    static func attrString(_ s: String) -> [UInt8] { text(2, s) }
    /// `list { type: … }` (ListValue.type = 6, packed).
    static func attrTypeList(_ types: [UInt64]) -> [UInt8] {
        var packed: [UInt8] = []
        for t in types { Varint.append(t, to: &packed) }
        return field(1, types.isEmpty ? [] : field(6, packed))
    }
    /// `list { s: … }` (ListValue.s = 2).
    static func attrStringList(_ values: [String]) -> [UInt8] {
        field(1, values.flatMap { text(2, $0) })
    }
    /// A string tensor: a scalar when `vector` is false, else shape [n].
    static func stringTensor(_ values: [[UInt8]], vector: Bool) -> [UInt8] {
        // TensorProto { dtype = 1, tensor_shape = 2, string_val = 8 }; TensorShapeProto { dim = 2 { size = 1 } }
        let shape = vector ? field(2, varint(1, UInt64(values.count))) : []
        return field(8, varint(1, dtString) + field(2, shape) + values.flatMap { field(8, $0) })
    }
    /// A DT_STRING `Const` node.
    static func stringConst(_ name: String, _ values: [[UInt8]], vector: Bool, device: String) -> NewNode {
        NewNode(name: name, op: "Const", device: device,
                attrs: [("dtype", attrType(dtString)), ("value", stringTensor(values, vector: vector))])
    }
}
