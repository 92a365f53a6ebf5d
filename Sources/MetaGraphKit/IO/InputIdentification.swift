// What a path is, told from its name, its directory's contents and its first and
// last bytes, so that a wrong input gets a message that says what it is and what to
// pass instead (not TensorFlow's "bad magic number").
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a file or directory given on the command line is.
public struct InputIdentity: Sendable, Equatable {
    /// The kinds of input told apart.
    public enum Kind: String, Sendable, CaseIterable {
        /// Nothing exists at the path (nor a V2 checkpoint's index under it).
        case missing
        /// A V2 checkpoint prefix (`P.index` exists).
        case checkpointPrefix = "checkpoint-prefix"
        /// A V2 checkpoint's `.index` file.
        case checkpointIndex = "checkpoint-index"
        /// An index that does not end with a table footer (cut short or damaged).
        case truncatedIndex = "truncated-index"
        /// A `.data-NNNNN-of-NNNNN` shard; see ``InputIdentity/missingIndex``.
        case dataShard = "data-shard"
        /// A V1 checkpoint file (a table not named `.index`) or V1 shard pattern.
        case v1Checkpoint = "v1-checkpoint"
        /// A MetaGraphDef (`.meta`, binary or text).
        case metaGraph = "meta-graph"
        /// The `checkpoint` state file of a checkpoint directory.
        case stateFile = "state-file"
        /// A directory with a `checkpoint` state file.
        case checkpointDirectory = "checkpoint-directory"
        /// A directory without a state file.
        case directory
        /// A SavedModel directory (it holds `saved_model.pb`).
        case savedModelDirectory = "saved-model-directory"
        /// A SavedModel's `saved_model.pb` (or `.pbtxt`).
        case savedModelFile = "saved-model-file"
        /// A Git LFS pointer in place of the file it names.
        case gitLFSPointer = "git-lfs-pointer"
        /// HDF5 (Keras `.h5` / `.weights.h5`).
        case hdf5
        /// A Keras 3 `.keras` archive (a zip with `config.json` and `model.weights.h5`).
        case kerasArchive = "keras-archive"
        /// A PyTorch checkpoint: a zip holding `data.pkl`, or a pickle.
        case pytorch
        /// A NumPy `.npz` (a zip of `.npy` files).
        case npz
        /// A NumPy `.npy` array.
        case npy
        /// A safetensors file.
        case safetensors
        /// Another zip archive.
        case zip
        /// A gzip-compressed file (a `.tar.gz` too).
        case gzip
        /// Another compressed file (bzip2, xz, zstd).
        case compressed
        /// A tar archive.
        case tar
        /// An ONNX model.
        case onnx
        /// A TensorFlow Lite flatbuffer (`TFL3`).
        case tflite
        /// A frozen GraphDef (`.pb`, weights as constants).
        case frozenGraph = "frozen-graph"
        /// An empty file.
        case empty
        /// A file none of the above describes.
        case unknown
    }

    /// The path as given.
    public let path: String
    /// What it is.
    public let kind: Kind
    /// What it is, for a person: `a Git LFS pointer to an object of 52 bytes`.
    public let description: String
    /// What to pass or do instead; empty when the input is what a command expects.
    public let advice: String
    /// The file the message is about (the path, or the file found under it).
    public let file: String
    /// For a data shard whose index is missing: the index's path.
    public let missingIndex: String?

    /// `FILE: DESCRIPTION; ADVICE`.
    public var message: String { advice.isEmpty ? "\(file): \(description)" : "\(file): \(description); \(advice)" }
}

/// Tells what a path is (``identify(_:)``) and turns a failed open into a message
/// that says so (``explain(_:as:error:)``).
public enum InputIdentification {
    /// What a command wanted the path to be.
    public enum Role: Sendable {
        /// A checkpoint (prefix, file, pattern or directory).
        case checkpoint
        /// A graph: `.meta`, `saved_model.pb` or a SavedModel directory.
        case graph
        /// A checkpoint directory with its state file.
        case stateDirectory
    }

    /// Identifies `path` by its name, its directory's contents and its first and last
    /// bytes (at most 64 KiB of each are read).
    ///
    /// - Parameter path: A path as given on the command line.
    /// - Returns: Its identity; `unknown` when nothing matched.
    public static func identify(_ path: String) -> InputIdentity {
        func id(_ kind: InputIdentity.Kind, _ description: String, _ advice: String = "", file: String? = nil,
                missingIndex: String? = nil) -> InputIdentity {
            InputIdentity(path: path, kind: kind, description: description, advice: advice, file: file ?? path,
                          missingIndex: missingIndex)
        }
        var info = stat()
        if stat(path, &info) != 0 {
            if FileIO.exists(path + ".index") { return prefixIdentity(path) }
            if path.contains("?") || path.contains("*"), !FileGlob.matchingPaths(path).isEmpty {
                return id(.v1Checkpoint, "a V1 checkpoint shard pattern")
            }
            return id(.missing, "no such file or checkpoint (neither \(path) nor \(path).index exists)")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { return identifyDirectory(path) }
        let name = PathRules.basename(path)
        if FileIO.exists(path + ".index") { return prefixIdentity(path) }
        if let prefix = dataShardPrefix(path) {
            if FileIO.exists(prefix + ".index") {
                return id(.dataShard, "a data file of the V2 checkpoint \(prefix)", "pass the prefix \(prefix)")
            }
            return id(.dataShard, "a data file of the V2 checkpoint \(prefix), whose index \(prefix).index is missing",
                      "copy \(PathRules.basename(prefix)).index beside it (a checkpoint cannot be read without its index)",
                      missingIndex: prefix + ".index")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return id(.unknown, "not a regular file") }
        let size = Int(info.st_size)
        if size == 0 {
            return id(.empty, "an empty file (0 bytes)", "the copy or download that made it did not finish; copy it again")
        }
        let tableMagic: [UInt8] = [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]

        // A table (a V2 index or a V1 file) ends with its footer's magic number:
        // its last 8 bytes decide, without the 64 KiB head and tail read below
        // (every open of a checkpoint comes here; the Python binding's included).
        if size >= 8, lastBytes(path, size: size, count: 8) == tableMagic {
            if name.hasSuffix(".index") { return id(.checkpointIndex, "the index of the V2 checkpoint \(String(path.dropLast(6)))") }
            return id(.v1Checkpoint, "a V1 checkpoint file (tensor-slice table)",
                      "where a V2 prefix is needed, `tfmeta ckpt migrate \(path) NEW_PREFIX` writes one")
        }
        let (head, tail) = headAndTail(path, size: size)
        // Named kinds first, then magic bytes.
        if name == "checkpoint", head.starts(with: Array("model_checkpoint_path".utf8)) || head.starts(with: Array("all_model".utf8)) {
            return id(.stateFile, "the checkpoint state file of \(dirOf(path))", "pass the directory \(dirOf(path)) (its latest checkpoint is read)")
        }
        if head.starts(with: Array("version https://git-lfs.github.com/spec/".utf8)) {
            let text = String(decoding: head.prefix(1024), as: UTF8.self)
            let sizeLine = text.split(separator: "\n").first { $0.hasPrefix("size ") }
            let bytes = sizeLine.map { String($0.dropFirst(5)) } ?? "unknown size"
            return id(.gitLFSPointer, "a Git LFS pointer to an object of \(bytes) bytes, not the file itself",
                      "run `git lfs pull` in its repository to fetch the file")
        }
        if head.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) {
            return id(.hdf5, "an HDF5 file (Keras `.h5`/`.weights.h5` weights), not a TensorFlow checkpoint",
                      "this build has no reader for this HDF5 layout; load it in Keras and save the model with `tf.train.Checkpoint(model=model).write(PREFIX)`")
        }
        if head.starts(with: [0x50, 0x4b, 0x03, 0x04]) || head.starts(with: [0x50, 0x4b, 0x05, 0x06]) {
            return identifyZip(path, name: name, head: head, tail: tail, id)
        }
        if head.starts(with: [0x1f, 0x8b]) {
            return id(.gzip, "a gzip-compressed file\(name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") ? " (a tar archive)" : "")",
                      "extract it first (`tar xzf \(name)` or `gunzip \(name)`) and pass the checkpoint inside")
        }
        if head.starts(with: [0x42, 0x5a, 0x68]) || head.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])
            || head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) {
            return id(.compressed, "a compressed file (bzip2, xz or zstd)", "extract it first and pass the checkpoint inside")
        }
        if head.count >= 262, head[257..<262].elementsEqual("ustar".utf8) {
            return id(.tar, "a tar archive", "extract it first (`tar xf \(name)`) and pass the checkpoint inside")
        }
        if head.starts(with: [0x93] + Array("NUMPY".utf8)) {
            return id(.npy, "a NumPy .npy array, not a TensorFlow checkpoint",
                      "convert it to a checkpoint first (`numpy.load` it and save with `tf.train.Checkpoint`)")
        }
        if isSafetensors(head, size: size) {
            return id(.safetensors, "a safetensors file, not a TensorFlow checkpoint",
                      "convert it to a checkpoint first (load it with `safetensors.numpy.load_file` and save with `tf.train.Checkpoint`)")
        }
        if head.count >= 8, head[4..<8].elementsEqual("TFL3".utf8) {
            return id(.tflite, "a TensorFlow Lite model (TFL3 flatbuffer), not a checkpoint",
                      "its weights are constants of the converted model; read them with `tf.lite.Interpreter`, or use the checkpoint it was converted from")
        }
        if head.count >= 2, head[0] == 0x80, (2...5).contains(head[1]) {
            return id(.pytorch, "a Python pickle (a PyTorch `.pt`/`.bin` in the legacy format), not a TensorFlow checkpoint",
                      "tfmeta does not unpickle (it can run code); in Python, `torch.load` it and save with `safetensors.torch.save_file`")
        }
        if name.hasSuffix(".index") {
            // A table ends with its footer's magic number; without it the file was cut
            // short (or junk was appended: then the magic is found earlier).
            if let end = lastTableMagic(path, size: size, magic: tableMagic) {
                return id(.truncatedIndex, "a checkpoint index with \(size - end) bytes after its table's end at byte \(end) of \(size)",
                          "the bytes after byte \(end) are not TensorFlow's; copy the index again")
            }
            return id(.truncatedIndex,
                      "a checkpoint index cut short: it ends at byte \(size) without the table footer TensorFlow writes last (its \"bad magic number\")",
                      "the copy or download that made it did not finish, or the end was damaged; copy the index again")
        }
        if name.hasSuffix(".meta") || (name.hasSuffix(".pbtxt") && !name.hasPrefix("saved_model")) {
            let prefix = String(path.dropLast(name.hasSuffix(".meta") ? 5 : 6))
            let beside = FileIO.exists(prefix + ".index") || FileIO.exists(prefix)
                ? "pass the checkpoint beside it, \(prefix)"
                : "its checkpoint would be \(prefix) (\(prefix).index), which does not exist here"
            return id(.metaGraph, "a MetaGraphDef (the graph; the weights are in a checkpoint)", beside)
        }
        if name == "saved_model.pb" || name == "saved_model.pbtxt" {
            return id(.savedModelFile, "a SavedModel's graph", savedModelAdvice(dirOf(path)))
        }
        if name.hasSuffix(".onnx") || (head.first == 0x08 && head.prefix(4096).containsSequence(Array("onnx".utf8))) {
            return id(.onnx, "an ONNX model, not a TensorFlow checkpoint",
                      "read its weights with `onnx.numpy_helper` (ONNX tools), or use the checkpoint it was exported from")
        }
        if name.hasSuffix(".pb"), head.first == 0x0a {
            return id(.frozenGraph, "a GraphDef `.pb` (a frozen graph: the weights are constants inside it), not a checkpoint or MetaGraphDef",
                      "there is no checkpoint to read; use the checkpoint it was frozen from, or `tf.compat.v1.GraphDef` in Python")
        }
        if name.hasSuffix(".pt") || name.hasSuffix(".pth") || name.hasSuffix(".bin") || name.hasSuffix(".ckpt") && head.first == 0x80 {
            return id(.pytorch, "probably a PyTorch file (by its name), not a TensorFlow checkpoint",
                      "in Python, `torch.load` it and save with `safetensors.torch.save_file`")
        }
        return id(.unknown, "not a file tfmeta recognises (first bytes \(head.prefix(8).map { hex2($0) }.joined(separator: " ")))")
    }

    /// The error to show when opening `path` as `role` failed with `error`: a
    /// message naming what the input is and what to pass instead when it is not
    /// what the role wants; `error` itself when it is (a damaged checkpoint keeps
    /// its precise message).
    ///
    /// - Parameters:
    ///   - path: The path as given.
    ///   - role: What the command wanted.
    ///   - error: Why opening it failed.
    /// - Returns: The error to throw.
    public static func explain(_ path: String, as role: Role, error: MetaGraphKitError) -> MetaGraphKitError {
        let found = identify(path)
        let expected: Set<InputIdentity.Kind>
        switch role {
        case .checkpoint:
            expected = [.missing, .checkpointPrefix, .checkpointIndex, .v1Checkpoint, .checkpointDirectory, .unknown]
        case .graph:
            expected = [.missing, .metaGraph, .savedModelDirectory, .savedModelFile, .unknown]
        case .stateDirectory:
            expected = [.missing, .checkpointDirectory, .unknown]
        }
        if expected.contains(found.kind) { return error }
        if found.kind == .dataShard, found.missingIndex == nil { return error }
        var identity = found
        if role == .graph {
            switch identity.kind {
            case .checkpointPrefix, .checkpointIndex, .v1Checkpoint, .dataShard:
                let meta = metaBeside(path)
                identity = InputIdentity(path: path, kind: identity.kind, description: identity.description + " (the weights, not a graph)",
                                         advice: FileIO.exists(meta) ? "its graph is \(meta)" : "pass its .meta graph or the SavedModel directory",
                                         file: identity.file, missingIndex: identity.missingIndex)
            case .stateFile, .checkpointDirectory:
                identity = InputIdentity(path: path, kind: identity.kind, description: identity.description + ", not a graph",
                                         advice: "pass the .meta beside its latest checkpoint (`tfmeta state latest` names the checkpoint)",
                                         file: identity.file, missingIndex: nil)
            default: break
            }
        }
        let code: MetaGraphKitError.Code = switch identity.kind {
        case .truncatedIndex, .empty: error.code
        case .dataShard: .notFound
        default: .invalidArgument
        }
        return MetaGraphKitError(code, identity.message, cause: error)
    }

    // MARK: - Helpers

    /// A V2 prefix, described by what its index is (a cut-short index, an LFS
    /// pointer… is named as such, with the index's path).
    static func prefixIdentity(_ prefix: String) -> InputIdentity {
        let index = identify(prefix + ".index")
        if index.kind == .checkpointIndex || index.kind == .unknown {
            return InputIdentity(path: prefix, kind: .checkpointPrefix, description: "a V2 checkpoint prefix", advice: "",
                                 file: prefix, missingIndex: nil)
        }
        return InputIdentity(path: prefix, kind: index.kind, description: index.description, advice: index.advice,
                             file: index.file, missingIndex: index.missingIndex)
    }

    static func identifyDirectory(_ path: String) -> InputIdentity {
        func id(_ kind: InputIdentity.Kind, _ description: String, _ advice: String = "") -> InputIdentity {
            InputIdentity(path: path, kind: kind, description: description, advice: advice, file: path, missingIndex: nil)
        }
        if FileIO.exists(PathRules.join(path, "saved_model.pb")) || FileIO.exists(PathRules.join(path, "saved_model.pbtxt")) {
            return id(.savedModelDirectory, "a SavedModel directory", savedModelAdvice(path))
        }
        if FileIO.exists(PathRules.join(path, "checkpoint")) {
            return id(.checkpointDirectory, "a checkpoint directory (its state file names the latest checkpoint)")
        }
        let found = checkpoints(in: path)
        if found.isEmpty {
            return id(.directory, "a directory without a `checkpoint` state file and without checkpoints",
                      "pass a checkpoint prefix (PREFIX for PREFIX.index), a V1 checkpoint file, or a directory with a `checkpoint` file")
        }
        let shown = found.prefix(8).map { PathRules.join(path, $0) }.joined(separator: ", ") + (found.count > 8 ? ", …" : "")
        return id(.directory, "a directory without a `checkpoint` state file, holding \(found.count) checkpoint\(found.count == 1 ? "" : "s"): \(shown)",
                  "pass one of them")
    }

    /// The checkpoints in a directory, sorted: `P` for every `P.index` (V2), and V1
    /// files (tables not named `.index`; the shards of one as its `-?????-of-N`
    /// pattern). At most 1,000 entries are looked at.
    static func checkpoints(in directory: String) -> [String] {
        var found: [String] = []
        for name in OutputDestination.directoryEntries(directory).prefix(1000) {
            if name.hasSuffix(".index") {
                found.append(String(name.dropLast(6)))
                continue
            }
            guard dataShardPrefix(name) == nil, !name.hasSuffix(".meta"), !name.hasSuffix(".json"), name != "checkpoint" else { continue }
            let path = PathRules.join(directory, name)
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size >= 48 else { continue }
            let (_, tail) = headAndTail(path, size: Int(info.st_size))
            guard tail.suffix(8).elementsEqual([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]) else { continue }
            let pattern = CheckpointShardName.pattern(name)
            if !found.contains(pattern) { found.append(pattern) }
        }
        return found.sorted()
    }

    static func savedModelAdvice(_ directory: String) -> String {
        let variables = PathRules.join(PathRules.join(directory, "variables"), "variables")
        return FileIO.exists(variables + ".index")
            ? "its weights are the checkpoint \(variables)"
            : "it has no variables/variables checkpoint (a model without variables)"
    }

    static func identifyZip(_ path: String, name: String, head: [UInt8], tail: [UInt8],
                            _ id: (InputIdentity.Kind, String, String, String?, String?) -> InputIdentity) -> InputIdentity {
        let bytes = head + tail
        func has(_ s: String) -> Bool { bytes.containsSequence(Array(s.utf8)) }
        if has("data.pkl") {
            return id(.pytorch, "a PyTorch checkpoint (a zip holding data.pkl), not a TensorFlow checkpoint",
                      "tfmeta does not unpickle (it can run code); in Python, `torch.load` it and save with `safetensors.torch.save_file`", nil, nil)
        }
        if has("model.weights.h5") || (has("config.json") && has("metadata.json")) {
            return id(.kerasArchive, "a Keras 3 `.keras` archive (a zip of config.json and model.weights.h5)",
                      "this build has no reader for it; load it with `keras.saving.load_model` and write a checkpoint with `tf.train.Checkpoint(model=model).write(PREFIX)`", nil, nil)
        }
        if has(".npy") {
            return id(.npz, "a NumPy .npz archive, not a TensorFlow checkpoint",
                      "convert it to a checkpoint first (`numpy.load` it and save with `tf.train.Checkpoint`)", nil, nil)
        }
        return id(.zip, "a zip archive", "extract it first (`unzip \(name)`) and pass the checkpoint inside", nil, nil)
    }

    static func isSafetensors(_ head: [UInt8], size: Int) -> Bool {
        guard head.count >= 10 else { return false }
        var n: UInt64 = 0
        for i in (0..<8).reversed() { n = n << 8 | UInt64(head[i]) }
        return n >= 2 && n <= UInt64(size - 8) && head[8] == UInt8(ascii: "{")
    }

    /// `P` for a data file name `P.data-NNNNN-of-NNNNN`.
    static func dataShardPrefix(_ path: String) -> String? { OutputDestination.dataFilePrefix(path) }

    static func metaBeside(_ path: String) -> String {
        var prefix = path
        if prefix.hasSuffix(".index") { prefix = String(prefix.dropLast(6)) }
        if let p = dataShardPrefix(prefix) { prefix = p }
        return prefix + ".meta"
    }

    static func dirOf(_ path: String) -> String {
        let d = PathRules.dirname(path)
        return d.isEmpty ? "." : d
    }

    static func hex2(_ b: UInt8) -> String { (b < 16 ? "0" : "") + String(b, radix: 16) }

    /// The first and last 64 KiB of a file (fewer when it is smaller).
    static func headAndTail(_ path: String, size: Int) -> ([UInt8], [UInt8]) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return ([], []) }
        defer { close(fd) }
        func read(at offset: Int, count: Int) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: count)
            var got = 0
            while got < count {
                let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset + got)) }
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                got += n
            }
            return Array(out[..<got])
        }
        let n = min(size, 64 << 10)
        return (read(at: 0, count: n), read(at: size - n, count: n))
    }

    /// The last `count` bytes of a file of `size` bytes (fewer when it cannot be read).
    static func lastBytes(_ path: String, size: Int, count: Int) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        let n = min(size, count)
        var out = [UInt8](repeating: 0, count: n)
        var got = 0
        while got < n {
            let r = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, n - got, off_t(size - n + got)) }
            if r < 0, errno == EINTR { continue }
            if r <= 0 { break }
            got += r
        }
        return Array(out[..<got])
    }

    /// The end of the last table footer in the file's last 64 KiB (where its magic
    /// ends), or nil when there is none.
    static func lastTableMagic(_ path: String, size: Int, magic: [UInt8]) -> Int? {
        let (_, tail) = headAndTail(path, size: size)
        guard tail.count >= 48 else { return nil }
        var i = tail.count - 8
        while i >= 40 {
            if tail[i..<(i + 8)].elementsEqual(magic) { return size - tail.count + i + 8 }
            i -= 1
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in the array.
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        let first = needle[0]
        var i = 0
        while i <= count - needle.count {
            if self[i] == first, self[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}

extension ArraySlice where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool { Array(self).containsSequence(needle) }
}

/// V1 shard names: `P-00001-of-00003` → `P-?????-of-00003`.
enum CheckpointShardName {
    static func pattern(_ name: String) -> String {
        let u = Array(name.utf8)
        guard u.count > 15 else { return name }
        let tail = Array(u[(u.count - 15)...])   // -NNNNN-of-NNNNN
        let digits = Array(tail[1..<6]) + Array(tail[10...])
        guard tail[0] == 0x2d, tail[6..<10].elementsEqual("-of-".utf8), digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return name }
        return String(decoding: u[..<(u.count - 14)], as: UTF8.self) + "?????" + String(decoding: tail[6...], as: UTF8.self)
    }
}
