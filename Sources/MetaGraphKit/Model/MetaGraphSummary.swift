// A summary of a MetaGraphDef (tensorflow/core/protobuf/meta_graph.proto): what
// `tfmeta meta inspect` reports.
internal import CTFProtos

/// What a MetaGraphDef holds, in a form to print: tags, versions, the op histogram,
/// collections with their kinds and sizes, signatures, the saver, and whether a
/// SavedModel object graph is present.
public struct MetaGraphSummary: Sendable, Hashable, JSONReportable {
    /// The kind of a collection's list (`CollectionDef.kind`).
    public enum CollectionKind: String, Sendable, Hashable {
        case nodeList = "node_list", bytesList = "bytes_list", int64List = "int64_list"
        case floatList = "float_list", anyList = "any_list", empty = "empty"
    }

    /// One collection: its name, kind, and number of items.
    public struct Collection: Sendable, Hashable {
        public var name: String
        public var kind: CollectionKind
        public var count: Int
    }

    /// A signature's input or output.
    public struct TensorInfo: Sendable, Hashable {
        /// The key in the signature's map (`x`, `output_0`).
        public var key: String
        /// The tensor name (`serving_default_x:0`), or a description for sparse and
        /// composite tensors.
        public var name: String
        /// The element type, as TensorFlow names it (`float32`).
        public var dtype: String
        /// Dimensions (-1 unknown); nil when the rank is unknown.
        public var shape: [Int64]?
    }

    /// One signature.
    public struct Signature: Sendable, Hashable {
        public var key: String
        public var methodName: String
        public var inputs: [TensorInfo]
        public var outputs: [TensorInfo]
    }

    /// `meta_info_def.tags` (SavedModel tags such as `serve`).
    public var tags: [String]
    /// `meta_info_def.meta_graph_version`.
    public var metaGraphVersion: String
    /// The TensorFlow version that wrote the graph (`2.21.0`).
    public var tensorflowVersion: String
    /// The TensorFlow git version that wrote the graph.
    public var tensorflowGitVersion: String
    /// `graph_def.versions.producer`.
    public var graphProducer: Int32
    /// Whether default-valued attributes were stripped.
    public var strippedDefaultAttrs: Bool
    /// The number of nodes in the graph.
    public var nodeCount: Int
    /// The number of functions in the graph's library.
    public var functionCount: Int
    /// The number of op definitions in the stripped op list.
    public var strippedOpCount: Int
    /// How many nodes use each op, most used first (then by name).
    public var opHistogram: [OpCount]
    /// The collections, sorted by name.
    public var collections: [Collection]
    /// The signatures, sorted by key.
    public var signatures: [Signature]
    /// The saver, if the graph has one.
    public var saver: SaverDef?
    /// The number of asset files.
    public var assetFileCount: Int
    /// Whether a SavedModel `object_graph_def` is present.
    public var hasObjectGraph: Bool

    /// One op and how many nodes of the graph use it.
    public struct OpCount: Sendable, Hashable {
        /// The op's name (`MatMul`).
        public var op: String
        /// The number of nodes.
        public var count: Int
    }

    /// Summarizes a decoded `tensorflow.MetaGraphDef`.
    ///
    /// - Parameter message: A message of type ``ProtoMessageType/metaGraphDef``.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for another message type.
    public init(_ message: ProtoMessage) throws {
        guard message.type == .metaGraphDef else {
            throw MetaGraphKitError.wrongMessageType(expected: "tensorflow.MetaGraphDef", got: "\(message.type)")
        }
        let bytes = message.binary()
        self = try bytes.withUnsafeBytes { try MetaGraphSummary(scanning: $0, file: "<message>") }
    }

    /// An empty summary that ``init(scanning:file:)`` fills in.
    init() {
        tags = []; metaGraphVersion = ""; tensorflowVersion = ""; tensorflowGitVersion = ""
        graphProducer = 0; strippedDefaultAttrs = false; nodeCount = 0; functionCount = 0
        strippedOpCount = 0; opHistogram = []; collections = []; signatures = []; saver = nil
        assetFileCount = 0; hasObjectGraph = false
    }

    mutating func apply(metaInfo m: UnsafePointer<Tensorflow__MetaGraphDef__MetaInfoDef>) {
        let info = m.pointee
        tags = CString.strings(info.tags, count: info.n_tags)
        metaGraphVersion = CString.string(info.meta_graph_version)
        tensorflowVersion = CString.string(info.tensorflow_version)
        tensorflowGitVersion = CString.string(info.tensorflow_git_version)
        strippedDefaultAttrs = info.stripped_default_attrs != 0
        strippedOpCount = info.stripped_op_list?.pointee.n_op ?? 0
    }

    mutating func apply(collection entry: UnsafePointer<Tensorflow__MetaGraphDef__CollectionDefEntry>) {
        let name = CString.string(entry.pointee.key)
        guard let def = entry.pointee.value?.pointee else {
            collections.append(Collection(name: name, kind: .empty, count: 0)); return
        }
        let (kind, count): (CollectionKind, Int) = switch def.kind_case {
        case TENSORFLOW__COLLECTION_DEF__KIND_NODE_LIST: (.nodeList, def.node_list.pointee.n_value)
        case TENSORFLOW__COLLECTION_DEF__KIND_BYTES_LIST: (.bytesList, def.bytes_list.pointee.n_value)
        case TENSORFLOW__COLLECTION_DEF__KIND_INT64_LIST: (.int64List, def.int64_list.pointee.n_value)
        case TENSORFLOW__COLLECTION_DEF__KIND_FLOAT_LIST: (.floatList, def.float_list.pointee.n_value)
        case TENSORFLOW__COLLECTION_DEF__KIND_ANY_LIST: (.anyList, def.any_list.pointee.n_value)
        default: (.empty, 0)
        }
        collections.append(Collection(name: name, kind: kind, count: count))
    }

    mutating func apply(signature entry: UnsafePointer<Tensorflow__MetaGraphDef__SignatureDefEntry>) {
        let sig = entry.pointee.value?.pointee
        func infos(_ n: Int, _ get: (Int) -> (UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Tensorflow__TensorInfo>?)) -> [TensorInfo] {
            (0..<n).map { j in
                let (key, info) = get(j)
                return TensorInfo(key: CString.string(key), info: info)
            }.sorted { $0.key < $1.key }
        }
        let inputs = infos(sig?.n_inputs ?? 0) { (sig!.inputs[$0]!.pointee.key, sig!.inputs[$0]!.pointee.value) }
        let outputs = infos(sig?.n_outputs ?? 0) { (sig!.outputs[$0]!.pointee.key, sig!.outputs[$0]!.pointee.value) }
        signatures.append(Signature(key: CString.string(entry.pointee.key), methodName: CString.string(sig?.method_name),
                                    inputs: inputs, outputs: outputs))
    }
}

extension MetaGraphSummary.TensorInfo {
    init(key: String, info: UnsafeMutablePointer<Tensorflow__TensorInfo>?) {
        self.key = key
        guard let t = info?.pointee else {
            self.name = ""; self.dtype = DType.invalid.name; self.shape = nil; return
        }
        switch t.encoding_case {
        case TENSORFLOW__TENSOR_INFO__ENCODING_NAME: name = CString.string(t.name)
        case TENSORFLOW__TENSOR_INFO__ENCODING_COO_SPARSE:
            name = "sparse(values: \(CString.string(t.coo_sparse.pointee.values_tensor_name)))"
        case TENSORFLOW__TENSOR_INFO__ENCODING_COMPOSITE_TENSOR: name = "composite"
        default: name = ""
        }
        dtype = DType(rawValue: Int32(t.dtype.rawValue)).name
        if let shape = t.tensor_shape?.pointee {
            shape.unknown_rank != 0 ? (self.shape = nil)
                : (self.shape = (0..<shape.n_dim).map { shape.dim[$0]!.pointee.size })
        } else {
            self.shape = nil
        }
    }
}

// MARK: - JSON

extension MetaGraphSummary {
    /// The report shape of `tfmeta meta inspect --json` for one meta graph; see the
    /// README for the documented shape.
    public var jsonValue: JSONValue {
        func info(_ t: TensorInfo) -> JSONValue {
            .object([("key", .string(t.key)), ("name", .string(t.name)), ("dtype", .string(t.dtype)),
                     ("shape", t.shape.map { .array($0.map { .int($0) }) } ?? .null)])
        }
        return .object([
            ("tags", .array(tags.map { .string($0) })),
            ("meta_graph_version", .string(metaGraphVersion)),
            ("tensorflow_version", .string(tensorflowVersion)),
            ("tensorflow_git_version", .string(tensorflowGitVersion)),
            ("graph_producer", .int(Int64(graphProducer))),
            ("stripped_default_attrs", .bool(strippedDefaultAttrs)),
            ("node_count", .int(Int64(nodeCount))),
            ("function_count", .int(Int64(functionCount))),
            ("stripped_op_count", .int(Int64(strippedOpCount))),
            ("ops", .array(opHistogram.map { .object([("op", .string($0.op)), ("count", .int(Int64($0.count)))]) })),
            ("collections", .array(collections.map {
                .object([("name", .string($0.name)), ("kind", .string($0.kind.rawValue)), ("count", .int(Int64($0.count)))])
            })),
            ("signatures", .array(signatures.map {
                .object([("key", .string($0.key)), ("method_name", .string($0.methodName)),
                         ("inputs", .array($0.inputs.map(info))), ("outputs", .array($0.outputs.map(info)))])
            })),
            ("saver", saver?.jsonValue ?? .null),
            ("asset_file_count", .int(Int64(assetFileCount))),
            ("has_object_graph", .bool(hasObjectGraph)),
        ])
    }
}

