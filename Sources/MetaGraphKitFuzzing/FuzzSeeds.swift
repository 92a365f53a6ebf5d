// Seed inputs for every target, made from the files TensorFlow wrote in Fixtures/:
// Fuzz/run writes them as the starting corpora, and the test suite runs each
// through its target.
import Foundation
import MetaGraphKit

/// One seed input.
public struct FuzzSeed: Sendable {
    /// A file name for the corpus directory, from the fixture it came from.
    public let name: String
    /// The input.
    public let bytes: [UInt8]
}

extension FuzzTarget {
    /// The largest seed kept (libFuzzer slows down on large inputs; the fixtures'
    /// large files are variations on the small ones).
    public static let maxSeedSize = 64 << 10

    /// The largest message seed of the `proto` and `text-format` targets: a whole
    /// MetaGraphDef parses and prints a hundred times slower than its parts, and
    /// the parts cover the same syntax.
    public static let maxMessageSeedSize = 4096

    /// A message's text, cut into valid texts of the same type of at most
    /// ``maxMessageSeedSize`` bytes where the nesting allows.
    static func textPieces(_ bytes: [UInt8], _ type: ProtoMessageType) throws -> [String] {
        let text = try ProtoMessage(binary: bytes, as: type).textFormat()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { String($0) + "\n" }
        var position = 0
        let nodes = TextNode.parse(lines, &position)
        return TextNode.pack(nodes, limit: maxMessageSeedSize).map { $0.map(\.text).joined() }
    }

    /// The seeds of this target, made from a fixtures directory.
    ///
    /// - Parameter fixtures: The repository's `Fixtures/` directory.
    /// - Returns: The seeds, unique by content, in a stable order.
    /// - Throws: ``MetaGraphKit/MetaGraphKitError`` when a fixture cannot be read.
    public func seeds(fixtures: String) throws -> [FuzzSeed] {
        let files = try FixtureFiles(fixtures)
        var seeds: [FuzzSeed] = []
        var seen = Set<[UInt8]>()
        func add(_ name: String, _ bytes: [UInt8]) {
            guard bytes.count <= Self.maxSeedSize, seen.insert(bytes).inserted else { return }
            seeds.append(FuzzSeed(name: name, bytes: bytes))
        }
        switch self {
        case .table:
            for (name, path) in files.tables { add(name, try files.bytes(path)) }
        case .slices:
            for (name, path) in files.tables where !path.hasSuffix(".index") { add(name, try files.bytes(path)) }
        case .bundle:
            for (name, path) in files.tables where path.hasSuffix(".index") {
                let prefix = String(path.dropLast(".index".count))
                let data = files.all.filter { $0.path.hasPrefix(prefix + ".data-") }.map(\.path).sorted()
                add(name, FuzzInput.joining(try ([path] + data).map { try files.bytes($0) }))
            }
        case .proto:
            // The files TensorFlow wrote when small, and the binary of every text piece.
            for (name, type, bytes) in try files.messages() {
                if bytes.count <= Self.maxMessageSeedSize { add(name, FuzzInput.typed(type, bytes)) }
                for (i, piece) in try Self.textPieces(bytes, type).enumerated() {
                    add("\(name).\(i)", FuzzInput.typed(type, try ProtoMessage(text: piece, as: type).binary()))
                }
            }
        case .textFormat:
            for (name, type, bytes) in try files.messages() {
                for (i, piece) in try Self.textPieces(bytes, type).enumerated() {
                    add("\(name).\(i).txt", FuzzInput.typed(type, Array(piece.utf8)))
                }
            }
        case .state:
            for (name, path) in files.all where path.hasSuffix("/checkpoint") { add(name, try files.bytes(path)) }
        case .keras:
            for (name, path) in files.all where path.hasSuffix(".weights.h5") { add(name, try files.bytes(path)) }
        case .zip:
            for (name, path) in files.all where path.hasSuffix(".keras") { add(name, [0] + (try files.bytes(path))) }
            for (name, path) in files.all where path.hasSuffix(".npz") { add(name, [1] + (try files.bytes(path))) }
        }
        return seeds
    }
}

/// The fixture files, by seed name (the relative path with `/` as `_`).
struct FixtureFiles {
    let all: [(name: String, path: String)]
    /// The files a ``MetaGraphKit/TableReader`` opens.
    let tables: [(name: String, path: String)]

    init(_ root: String) throws {
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw MetaGraphKitError.notFound(root, "no fixtures directory")
        }
        var all: [(name: String, path: String)] = []
        for case let relative as String in walker {
            let path = root + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            all.append((relative.replacingOccurrences(of: "/", with: "_"), path))
        }
        all.sort { $0.path < $1.path }
        self.all = all
        tables = all.filter { (try? TableReader(path: $0.path)) != nil }
    }

    func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MetaGraphKitError(.io, "\(path): cannot read")
        }
        return [UInt8](data)
    }

    /// Binary messages found in the fixtures: `.meta` files, `saved_model.pb`, the
    /// entries of every table, object graphs, and state files (re-encoded).
    func messages() throws -> [(name: String, type: ProtoMessageType, bytes: [UInt8])] {
        var out: [(name: String, type: ProtoMessageType, bytes: [UInt8])] = []
        for (name, path) in all {
            if path.hasSuffix(".meta") || path.hasSuffix("/saved_model.pb") {
                let type: ProtoMessageType = path.hasSuffix(".meta") ? .metaGraphDef : .savedModel
                let bytes = try bytes(path)
                if (try? ProtoMessage(binary: bytes, as: type)) != nil { out.append((name, type, bytes)) }
            } else if path.hasSuffix("/checkpoint") {
                let text = String(decoding: try bytes(path), as: UTF8.self)
                out.append((name, .checkpointState, try CheckpointState(textFormat: text, file: path).message().binary()))
            }
        }
        for (name, path) in tables {
            let isIndex = path.hasSuffix(".index")
            for (i, entry) in try TableReader(path: path).entries().prefix(8).enumerated() {
                let type: ProtoMessageType = !isIndex ? .savedTensorSlices : entry.key.isEmpty ? .bundleHeader : .bundleEntry
                out.append(("\(name).\(i)", type, entry.value))
            }
            if isIndex, let reader = try? CheckpointReader(path: path),
               reader.contains(ObjectGraph.checkpointKey),
               let graph = try reader.tensor(ObjectGraph.checkpointKey).strings?.first {
                out.append(("\(name).objgraph", .trackableObjectGraph, graph))
            }
        }
        return out
    }
}

/// A printed field: one line, or a block (`name {` … `}`) of fields. The printer
/// puts every field on its own line and closes a block on a line of its own.
struct TextNode {
    var open: String
    var children: [TextNode] = []
    var close: String?

    var text: String { open + children.map(\.text).joined() + (close ?? "") }
    var size: Int { text.utf8.count }

    /// The fields from `position` to the end of the enclosing block.
    static func parse(_ lines: [String], _ position: inout Int) -> [TextNode] {
        var out: [TextNode] = []
        while position < lines.count {
            let line = lines[position]
            if line.trimmingCharacters(in: .whitespaces) == "}\n" { return out }
            position += 1
            var node = TextNode(open: line)
            if line.hasSuffix("{\n") {
                node.children = parse(lines, &position)
                if position < lines.count { node.close = lines[position]; position += 1 }
            }
            out.append(node)
        }
        return out
    }

    /// Groups fields into texts of at most `limit` bytes; a block too large is
    /// repeated with its fields spread over the copies.
    static func pack(_ nodes: [TextNode], limit: Int) -> [[TextNode]] {
        var groups: [[TextNode]] = []
        var current: [TextNode] = []
        var size = 0
        for node in nodes {
            let pieces: [TextNode] = node.size <= limit || node.children.isEmpty ? [node]
                : pack(node.children, limit: limit - node.open.utf8.count - (node.close?.utf8.count ?? 0))
                    .map { TextNode(open: node.open, children: $0, close: node.close) }
            for piece in pieces {
                if size + piece.size > limit, !current.isEmpty {
                    groups.append(current)
                    current = []
                    size = 0
                }
                current.append(piece)
                size += piece.size
            }
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }
}
