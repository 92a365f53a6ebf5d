// Taking one MetaGraphDef out of a SavedModel (saved_model.proto): the meta graph
// whose tags equal a given set, as TensorFlow's loader picks one
// (tensorflow/python/saved_model/loader_impl.py, get_meta_graph_def_from_tags).
internal import CProtobufC
internal import CTFProtos

/// Reading the meta graphs of a SavedModel.
public enum SavedModelExtraction {
    /// The tag sets of a SavedModel's meta graphs, each sorted, in file order.
    ///
    /// - Parameter savedModel: A `tensorflow.SavedModel` message.
    /// - Returns: One sorted tag list per meta graph.
    public static func tagSets(_ savedModel: ProtoMessage) -> [[String]] {
        guard savedModel.type == .savedModel else { return [] }
        return savedModel.withStruct(as: Tensorflow__SavedModel.self) { sm in
            (0..<sm.pointee.n_meta_graphs).map { i in
                let info = sm.pointee.meta_graphs[i]?.pointee.meta_info_def?.pointee
                return CString.strings(info?.tags, count: info?.n_tags ?? 0).sorted()
            }
        }
    }

    /// Reads a SavedModel from `saved_model.pb` or the directory that holds it.
    ///
    /// - Parameter path: The file, or its directory.
    /// - Returns: The decoded `tensorflow.SavedModel`.
    /// - Throws: ``MetaGraphKitError`` `notFound`, `io`, `notAProtobuf`, or
    ///   `unsupported` for a directory with only a text `saved_model.pbtxt`.
    public static func read(_ path: String) throws -> ProtoMessage {
        var file = path
        if FileIO.isDirectory(path) {
            file = path + (path.hasSuffix("/") ? "" : "/") + "saved_model.pb"
            if !FileIO.exists(file), FileIO.exists(path + "/saved_model.pbtxt") {
                throw MetaGraphKitError.unsupported(path, "has only saved_model.pbtxt; convert it to binary saved_model.pb first")
            }
        }
        return try CheckpointReader.explaining(path, as: .graph) {
            try ProtoMessage(binary: FileIO.read(file), as: .savedModel, file: file)
        }
    }

    /// The meta graph whose tag set equals `tags` (order and duplicates ignored).
    ///
    /// - Parameters:
    ///   - savedModel: A `tensorflow.SavedModel` message.
    ///   - tags: The tags, such as `["serve"]`.
    ///   - file: The file name for messages.
    /// - Returns: A copy of the matching `tensorflow.MetaGraphDef`.
    /// - Throws: ``MetaGraphKitError`` `notFound` listing the tag sets present, or
    ///   `invalidArgument` for another message type.
    public static func metaGraph(_ savedModel: ProtoMessage, tags: [String], file: String = "<saved model>") throws -> ProtoMessage {
        guard savedModel.type == .savedModel else {
            throw MetaGraphKitError(.invalidArgument, "expected a tensorflow.SavedModel, got \(savedModel.type)")
        }
        let wanted = Set(tags)
        let sets = tagSets(savedModel)
        guard let index = sets.firstIndex(where: { Set($0) == wanted }) else {
            let available = sets.map { "{" + $0.joined(separator: ",") + "}" }.joined(separator: " ")
            throw MetaGraphKitError(.notFound,
                "\(file): no meta graph has exactly the tags {\(wanted.sorted().joined(separator: ","))}; "
                + "available tag sets: \(available.isEmpty ? "none" : available)")
        }
        let bytes = savedModel.withStruct(as: Tensorflow__SavedModel.self) { sm in
            CMutation.pack(sm.pointee.meta_graphs[index]!)
        }
        return try ProtoMessage(binary: bytes, as: .metaGraphDef, file: "\(file) meta graph \(index)")
    }
}
