// Reading and writing `.meta` files (binary or text MetaGraphDef) and SavedModel
// `saved_model.pb` files, as TensorFlow's meta_graph.read_meta_graph_file and
// loader do, with the encoding detected from the content.
import Foundation

/// The encodings a MetaGraphDef or SavedModel file can be written in.
public enum ProtoFileEncoding: String, Sendable, CaseIterable {
    /// Protobuf binary (`.meta`, `.pb`).
    case binary
    /// Protobuf text format, as TensorFlow's `as_text=True` writes (`.pbtxt`, `.txt`).
    case text
    /// The proto3 JSON mapping (`.json`), for inspection; not read back.
    case json

    /// The encoding a file name's extension implies: `.pbtxt`/`.txt` text,
    /// `.json` JSON, anything else binary.
    ///
    /// - Parameter path: A file name.
    /// - Returns: The encoding.
    public static func implied(by path: String) -> ProtoFileEncoding {
        switch (path as NSString).pathExtension.lowercased() {
        case "pbtxt", "txt", "prototxt": .text
        case "json": .json
        default: .binary
        }
    }
}

/// A `.meta` file or a SavedModel's `saved_model.pb`, decoded.
public struct MetaGraphFile: Sendable {
    /// What the file holds.
    public enum Kind: String, Sendable {
        /// One `tensorflow.MetaGraphDef` (a `.meta` file).
        case metaGraph = "meta_graph"
        /// A `tensorflow.SavedModel` with one or more meta graphs.
        case savedModel = "saved_model"
    }

    /// The path the file was read from.
    public let path: String
    /// Whether it is a MetaGraphDef or a SavedModel.
    public let kind: Kind
    /// The encoding it was read in (binary or text).
    public let encoding: ProtoFileEncoding
    /// The decoded message: a MetaGraphDef or a SavedModel.
    public let message: ProtoMessage

    /// Wraps a message to write it.
    ///
    /// - Parameters:
    ///   - path: Where it came from ("" for a new message).
    ///   - kind: MetaGraphDef or SavedModel; must match `message`'s type.
    ///   - encoding: The encoding it was read in.
    ///   - message: A `tensorflow.MetaGraphDef` or `tensorflow.SavedModel`.
    public init(path: String, kind: Kind, encoding: ProtoFileEncoding, message: ProtoMessage) {
        self.path = path
        self.kind = kind
        self.encoding = encoding
        self.message = message
    }

    /// The bytes of a binary source, kept so that writing an unchanged message back
    /// in binary gives the source byte for byte even when its writer did not use
    /// field-number order (TF builds that write MetaGraphDef field 7 before field 1).
    var sourceBinary: [UInt8]?

    /// Reads a `.meta` (binary or text, told apart by the content), a
    /// `saved_model.pb`/`saved_model.pbtxt`, or a SavedModel directory.
    ///
    /// - Parameter path: A file, or a directory holding `saved_model.pb`.
    /// - Returns: The decoded file.
    /// - Throws: ``MetaGraphKitError`` naming the file: `notFound`, `notAProtobuf`,
    ///   `syntax`, `unknownName`, `tooDeep`.
    public static func read(_ path: String) throws -> MetaGraphFile {
        try explainingGraph(path) { try readUnexplained(path) }
    }

    private static func readUnexplained(_ path: String) throws -> MetaGraphFile {
        let (path, kind, bytes) = try load(path)
        let type: ProtoMessageType = kind == .savedModel ? .savedModel : .metaGraphDef
        if looksLikeText(bytes) {
            try checkUTF8(bytes, path)
            return MetaGraphFile(path: path, kind: kind, encoding: .text,
                                 message: try ProtoMessage(textUTF8: consume bytes, as: type, file: path))
        }
        var file = MetaGraphFile(path: path, kind: kind, encoding: .binary,
                                 message: try ProtoMessage(binary: bytes, as: type, file: path))
        file.sourceBinary = bytes
        return file
    }

    /// Summarizes a `.meta`, `saved_model.pb` or SavedModel directory without
    /// decoding every node: what `tfmeta meta inspect` prints.
    ///
    /// A binary file is checked whole (every length, nesting, UTF-8-safe strings)
    /// and then walked once; a text file is parsed first.
    ///
    /// - Parameter path: As for ``read(_:)``.
    /// - Returns: The file's path, kind and encoding, and one summary per meta graph.
    /// - Throws: ``MetaGraphKitError`` as ``read(_:)`` does.
    public static func inspect(_ path: String) throws -> MetaGraphInspection {
        try explainingGraph(path) { try inspectUnexplained(path) }
    }

    private static func inspectUnexplained(_ path: String) throws -> MetaGraphInspection {
        let (path, kind, loaded) = try load(path)
        let type: ProtoMessageType = kind == .savedModel ? .savedModel : .metaGraphDef
        var bytes = loaded
        var encoding = ProtoFileEncoding.binary
        if looksLikeText(loaded) {
            try checkUTF8(loaded, path)
            bytes = try ProtoMessage(textUTF8: loaded, as: type, file: path).binary()
            encoding = .text
        }
        let summaries = try bytes.withUnsafeBytes { raw in
            try ProtoMessage.checkWire(raw, as: type, file: path)
            return kind == .savedModel
                ? try MetaGraphSummary.scanningSavedModel(raw, file: path)
                : [try MetaGraphSummary(scanning: raw, file: path)]
        }
        return MetaGraphInspection(path: path, kind: kind, encoding: encoding, summaries: summaries)
    }

    /// Finds the file (a SavedModel directory means its saved_model.pb or .pbtxt),
    /// tells a SavedModel from a MetaGraphDef by name, and reads it.
    private static func load(_ path: String) throws -> (String, Kind, [UInt8]) {
        var path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            let pb = (path as NSString).appendingPathComponent("saved_model.pb")
            let pbtxt = (path as NSString).appendingPathComponent("saved_model.pbtxt")
            if FileIO.exists(pb) { path = pb } else if FileIO.exists(pbtxt) { path = pbtxt } else {
                throw MetaGraphKitError.notFound(path, "a directory without saved_model.pb or saved_model.pbtxt")
            }
        }
        let bytes = try FileIO.read(path)
        // Zero bytes decode as an empty message, but an empty file is an unfinished copy.
        if bytes.isEmpty { throw MetaGraphKitError(.truncated, InputIdentification.identify(path).message) }
        let name = (path as NSString).lastPathComponent
        return (path, name.hasPrefix("saved_model.") ? .savedModel : .metaGraph, bytes)
    }

    /// Runs an open of `path` as a graph; a failure on an input of another kind (a
    /// checkpoint, an archive, an LFS pointer…) says what it is.
    static func explainingGraph<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MetaGraphKitError {
            throw InputIdentification.explain(path, as: .graph, error: error)
        }
    }

    /// Checks that text-format bytes are UTF-8.
    private static func checkUTF8(_ bytes: [UInt8], _ path: String) throws {
        guard TextFormatUTF8.isValid(bytes) else {
            throw MetaGraphKitError(.syntax, "\(path): text format that is not valid UTF-8")
        }
    }

    /// Whether bytes are protobuf text rather than binary: UTF-8 without control
    /// characters whose first token starts a field name, an extension, or a comment.
    /// A binary MetaGraphDef or SavedModel starts with a field tag (`0x08`, `0x0a`,
    /// `0x12`), never with a letter.
    static func looksLikeText(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0a || $0 == 0x0d) }) else {
            return !bytes.isEmpty
        }
        let startsLikeText = (first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a)
            || first == 0x5f || first == 0x23 || first == 0x5b
        guard startsLikeText else { return false }
        return !bytes.prefix(1 << 16).contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0a && $0 != 0x0d }
    }

    /// Summaries of the meta graphs: one for a `.meta`, one per meta graph of a SavedModel.
    ///
    /// - Returns: The summaries, in file order.
    public func summaries() throws -> [MetaGraphSummary] {
        let bytes = message.binary()
        return try bytes.withUnsafeBytes { raw in
            kind == .savedModel
                ? try MetaGraphSummary.scanningSavedModel(raw, file: path)
                : [try MetaGraphSummary(scanning: raw, file: path)]
        }
    }

    /// The file's content in an encoding.
    ///
    /// - Parameter encoding: binary, text or JSON.
    /// - Returns: The encoded bytes. Binary from a binary input whose message was not
    ///   changed is the input's bytes exactly (whatever order its writer put the
    ///   fields in); otherwise binary is the canonical encoding (field-number order,
    ///   as TensorFlow's own serializer writes it).
    /// - Throws: ``MetaGraphKitError`` `unsupported` for JSON of a message holding an
    ///   `Any` whose type is not in our schemas (see ``ProtoMessage/jsonValue()``).
    public func encoded(as encoding: ProtoFileEncoding) throws -> [UInt8] {
        switch encoding {
        case .binary: return binaryKeepingSourceBytes()
        case .text: return Array(message.textFormat().utf8)
        case .json:
            do {
                return Array((try message.jsonValue().serialized(pretty: true) + "\n").utf8)
            } catch let error as MetaGraphKitError {
                throw MetaGraphKitError(error.code, "\(path): \(error.message)")
            }
        }
    }

    /// The binary encoding: the source's own bytes when the file was read from
    /// binary and the message still is what they decode to (compared through the
    /// canonical encoding, field-number order), otherwise the canonical encoding.
    func binaryKeepingSourceBytes() -> [UInt8] {
        let canonical = message.binary()
        guard let source = sourceBinary, source != canonical else { return canonical }
        // Only a non-canonical source gets here: decode it once more to tell a
        // reordered-but-equal message from a changed one.
        guard let again = try? ProtoMessage(binary: source, as: message.type, file: path),
              again.binary() == canonical else { return canonical }
        return source
    }

    /// Writes the file in an encoding, atomically.
    ///
    /// - Parameters:
    ///   - path: The output file; must not be the input.
    ///   - encoding: binary, text or JSON.
    ///   - overwrite: Replace an existing file at `path` (otherwise `exists`).
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when `path` is the input,
    ///   `exists` when it exists and `overwrite` is false, `io`.
    public func write(to path: String, as encoding: ProtoFileEncoding, overwrite: Bool = false) throws {
        try OutputDestination.check(path, overwrite: overwrite, sources: [self.path])
        try write(to: path, as: encoding, within: nil)
    }

    /// ``write(to:as:)`` as part of a larger output: the commit hands the file to `parent`.
    func write(to path: String, as encoding: ProtoFileEncoding, within parent: OutputTransaction?) throws {
        let a = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let b = URL(fileURLWithPath: self.path).standardizedFileURL.resolvingSymlinksInPath().path
        guard a != b else {
            throw MetaGraphKitError.outputOverlapsSource(path, source: self.path, file: nil)
        }
        guard encoding == .text else {
            try FileIO.writeAtomically(encoded(as: encoding), to: path, within: parent)
            return
        }
        // Text is about five times the binary size: stream it rather than build it.
        let out = try AtomicOutputFile(path: path, within: parent)
        try message.writeTextFormat { try out.write($0) }
        try out.commit(sync: true)
    }
}
