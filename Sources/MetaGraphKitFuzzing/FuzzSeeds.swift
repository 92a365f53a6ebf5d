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
            for (name, type, bytes) in try files.messages() { add(name, FuzzInput.typed(type, bytes)) }
        case .textFormat:
            for (name, type, bytes) in try files.messages() {
                let text = try ProtoMessage(binary: bytes, as: type).textFormat()
                add(name + ".txt", FuzzInput.typed(type, Array(text.utf8)))
            }
        case .state:
            for (name, path) in files.all where path.hasSuffix("/checkpoint") { add(name, try files.bytes(path)) }
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
            throw MetaGraphKitError(.notFound, "\(root): no fixtures directory")
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
