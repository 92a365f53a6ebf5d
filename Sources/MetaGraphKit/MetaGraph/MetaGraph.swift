// A MetaGraphDef as a typed value: read from a file, written to one, and asked for
// its variables, its saver's health, a rescoped copy or its difference from
// another, with the message type checked once, when the value is made.

/// A `tensorflow.MetaGraphDef` and the file it came from.
///
/// ```swift
/// let graph = try MetaGraph(contentsOf: "train/model.ckpt-1000.meta")
/// for v in try graph.variables() { print(v.name, v.dtype, v.shape ?? []) }
/// let stripped = try graph.rescoped(RescopeOptions(scope: .strip("tower_0")))
/// try stripped.metaGraph.write(to: "tower.meta")
/// ```
///
/// The source path is kept so that ``write(to:as:)`` refuses to replace the file
/// the graph was read from: inputs are never modified.
public struct MetaGraph: Sendable {
    /// The `tensorflow.MetaGraphDef` message.
    public let message: ProtoMessage
    /// The file the graph was read from (or derived from); empty for a graph made
    /// in memory.
    public let path: String

    /// Reads a `.meta` file, binary or text (told apart by the content).
    ///
    /// - Parameter path: The file to read.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for a SavedModel (take one
    ///   meta graph out with ``SavedModel/metaGraph(tags:)`` first), and what
    ///   ``MetaGraphFile/read(_:)`` throws.
    public init(contentsOf path: String) throws {
        let file = try MetaGraphFile.read(path)
        guard file.kind == .metaGraph else {
            throw MetaGraphKitError.invalidArgument(file.path,
                "is a SavedModel; take one meta graph out with `tfmeta meta extract` first")
        }
        self.message = file.message
        self.path = path
    }

    /// Wraps a decoded message.
    ///
    /// - Parameters:
    ///   - message: A `tensorflow.MetaGraphDef` message.
    ///   - path: The file it came from, if any (``write(to:as:)`` will not replace it).
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for another message type.
    public init(_ message: ProtoMessage, path: String = "") throws {
        guard message.type == .metaGraphDef else {
            throw MetaGraphKitError.wrongMessageType(expected: "tensorflow.MetaGraphDef", got: "\(message.type)", file: path)
        }
        self.message = message
        self.path = path
    }

    /// Writes the graph atomically, in `encoding` or the one `path`'s extension
    /// implies (text for `.pbtxt`/`.txt`, JSON for `.json`, binary otherwise).
    ///
    /// - Parameters:
    ///   - path: The output file.
    ///   - encoding: The encoding; nil takes the one `path`'s extension implies.
    ///   - overwrite: Replace an existing file at `path` (otherwise `exists`).
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when `path` is the file the
    ///   graph was read from, `exists` without `overwrite`, `io`.
    public func write(to path: String, as encoding: ProtoFileEncoding? = nil, overwrite: Bool = false) throws {
        try MetaGraphFile(path: self.path, kind: .metaGraph, encoding: .binary, message: message)
            .write(to: path, as: encoding ?? ProtoFileEncoding.implied(by: path), overwrite: overwrite)
    }

    /// The graph's variables, as `tf.compat.v1.global_variables()` lists them.
    public func variables() throws -> [VariableInfo] {
        try MetaGraphVariables.list(message, file: path.isEmpty ? "<meta graph>" : path)
    }

    /// A rescoped copy (``MetaGraphTransform/rescope(_:options:file:)``), with what
    /// was dropped. The copy keeps this graph's source path, so writing it over
    /// the input is refused.
    public func rescoped(_ options: RescopeOptions) throws -> Rescoped {
        let result = try MetaGraphTransform.rescope(message, options: options, file: path.isEmpty ? "<meta graph>" : path)
        return Rescoped(metaGraph: try MetaGraph(result.metaGraph, path: path), report: result)
    }

    /// A rescoped graph and the report of the edit.
    public struct Rescoped: Sendable {
        /// The new graph.
        public let metaGraph: MetaGraph
        /// What was removed, unbound or cleared.
        public let report: RescopeResult
    }

    /// Checks that the graph's SaverDef names ops and tensors that exist
    /// (``SaverCheck/check(_:saver:)``).
    public func checkSaver(_ saver: SaverDef? = nil) throws -> SaverCheckReport {
        try SaverCheck.check(message, saver: saver)
    }

    /// What changed from `other` (the old graph) to this one.
    public func difference(from other: MetaGraph) throws -> MetaGraphDiff {
        try MetaGraphDiff(other.message, message)
    }
}
