// The earlier, untyped spelling of SavedModel's reading and meta graph choice.

/// Reading the meta graphs of a SavedModel, on untyped messages; ``SavedModel``
/// does the same on a typed value.
public enum SavedModelExtraction {
    /// The tag sets of a SavedModel's meta graphs, each sorted, in file order.
    ///
    /// - Parameter savedModel: A `tensorflow.SavedModel` message.
    /// - Returns: One sorted tag list per meta graph; none for another message type.
    @available(*, deprecated, message: "use SavedModel(contentsOf:).tagSets")
    public static func tagSets(_ savedModel: ProtoMessage) -> [[String]] {
        (try? SavedModel(savedModel))?.tagSets ?? []
    }

    /// Reads a SavedModel from `saved_model.pb` or the directory that holds it.
    ///
    /// - Parameter path: The file, or its directory.
    /// - Returns: The decoded `tensorflow.SavedModel`.
    /// - Throws: As ``SavedModel/init(contentsOf:)``.
    @available(*, deprecated, message: "use SavedModel(contentsOf:)")
    public static func read(_ path: String) throws -> ProtoMessage {
        try SavedModel(contentsOf: path).message
    }

    /// The meta graph whose tag set equals `tags` (order and duplicates ignored).
    ///
    /// - Parameters:
    ///   - savedModel: A `tensorflow.SavedModel` message.
    ///   - tags: The tags, such as `["serve"]`.
    ///   - file: The file name for messages.
    /// - Returns: A copy of the matching `tensorflow.MetaGraphDef`.
    /// - Throws: As ``SavedModel/metaGraph(tags:)``, and `invalidArgument` for
    ///   another message type.
    @available(*, deprecated, message: "use SavedModel(contentsOf:).metaGraph(tags:)")
    public static func metaGraph(_ savedModel: ProtoMessage, tags: [String], file: String = "<saved model>") throws -> ProtoMessage {
        try SavedModel(savedModel, path: file).metaGraph(tags: tags).message
    }
}
