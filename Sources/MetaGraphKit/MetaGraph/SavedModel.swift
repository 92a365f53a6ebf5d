// A SavedModel (saved_model.proto) as a typed value: its meta graphs, chosen by tag
// set as TensorFlow's loader picks one (tensorflow/python/saved_model/loader_impl.py,
// get_meta_graph_def_from_tags), and the checkpoint of its variables beside it
// (saved_model/path_helpers.py: get_variables_path).
internal import CProtobufC
internal import CTFProtos

/// A `tensorflow.SavedModel`: the meta graphs of `saved_model.pb`, and where its
/// variables are.
///
/// ```swift
/// let model = try SavedModel(contentsOf: "export/1")
/// print(model.tagSets)                               // [["serve"]]
/// let graph = try model.metaGraph(tags: ["serve"])   // a MetaGraph
/// let variables = try CheckpointReader(path: model.variablesPrefix)
/// ```
public struct SavedModel: Sendable {
    /// The `tensorflow.SavedModel` message.
    public let message: ProtoMessage
    /// The path as given: the SavedModel directory or its `saved_model.pb`.
    public let path: String
    /// The SavedModel directory (the one holding `saved_model.pb`).
    public let directory: String

    /// Reads `saved_model.pb` from a SavedModel directory, or the file itself.
    ///
    /// - Parameter path: The directory, or its `saved_model.pb`.
    /// - Throws: ``MetaGraphKitError`` `notFound`, `io`, `notAProtobuf`, or
    ///   `unsupported` for a directory with only a text `saved_model.pbtxt`; for an
    ///   input of another kind, a message saying what it is.
    public init(contentsOf path: String) throws {
        var file = path
        if FileIO.isDirectory(path) {
            file = path + (path.hasSuffix("/") ? "" : "/") + "saved_model.pb"
            if !FileIO.exists(file), FileIO.exists(path + "/saved_model.pbtxt") {
                throw MetaGraphKitError.unsupported(path, "has only saved_model.pbtxt; convert it to binary saved_model.pb first")
            }
        }
        let message = try CheckpointReader.explaining(path, as: .graph) {
            try ProtoMessage(binary: FileIO.read(file), as: .savedModel, file: file)
        }
        self.init(checked: message, path: path)
    }

    /// Wraps a decoded message.
    ///
    /// - Parameters:
    ///   - message: A `tensorflow.SavedModel` message.
    ///   - path: The directory or `saved_model.pb` it came from, if any.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for another message type.
    public init(_ message: ProtoMessage, path: String = "") throws {
        guard message.type == .savedModel else {
            throw MetaGraphKitError.wrongMessageType(expected: "tensorflow.SavedModel", got: "\(message.type)", file: path)
        }
        self.init(checked: message, path: path)
    }

    private init(checked message: ProtoMessage, path: String) {
        self.message = message
        self.path = path
        if path.isEmpty || FileIO.isDirectory(path) {
            directory = path
        } else {
            let parent = PathRules.dirname(path)
            directory = parent.isEmpty ? "." : parent
        }
    }

    /// The tag sets of the meta graphs, each sorted, in file order.
    public var tagSets: [[String]] {
        message.withStruct(as: Tensorflow__SavedModel.self) { sm in
            (0..<sm.pointee.n_meta_graphs).map { i in
                let info = sm.pointee.meta_graphs[i]?.pointee.meta_info_def?.pointee
                return CString.strings(info?.tags, count: info?.n_tags ?? 0).sorted()
            }
        }
    }

    /// The meta graph whose tag set equals `tags` (order and duplicates ignored).
    ///
    /// The graph keeps ``path`` as its source, so writing it over the SavedModel's
    /// file is refused.
    ///
    /// - Parameter tags: The tags, such as `["serve"]`.
    /// - Returns: A copy of the matching meta graph.
    /// - Throws: ``MetaGraphKitError`` `notFound` listing the tag sets present.
    public func metaGraph(tags: [String]) throws -> MetaGraph {
        let file = path.isEmpty ? "<saved model>" : path
        let wanted = Set(tags)
        let sets = tagSets
        guard let index = sets.firstIndex(where: { Set($0) == wanted }) else {
            throw MetaGraphKitError.noMetaGraphWithTags(file, wanted: wanted.sorted(), available: sets)
        }
        let bytes = message.withStruct(as: Tensorflow__SavedModel.self) { sm in
            CMutation.pack(sm.pointee.meta_graphs[index]!)
        }
        return try MetaGraph(ProtoMessage(binary: bytes, as: .metaGraphDef, file: "\(file) meta graph \(index)"), path: path)
    }

    /// The prefix of the checkpoint holding the model's variables:
    /// `DIRECTORY/variables/variables` (it need not exist; a model without
    /// variables has none).
    public var variablesPrefix: String {
        PathRules.join(PathRules.join(directory.isEmpty ? "." : directory, "variables"), "variables")
    }
}
