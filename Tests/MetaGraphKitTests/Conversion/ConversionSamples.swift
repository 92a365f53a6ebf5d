import Foundation
@testable import MetaGraphKit

/// The TensorFlow-written samples of the transform tests (made by make_samples.py).
enum ConversionSamples {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Samples")

    static func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    static func metaGraph(_ name: String) throws -> ProtoMessage {
        try ProtoMessage(binary: FileIO.read(path(name)), as: .metaGraphDef, file: name)
    }

    static func snapshot(_ name: String) throws -> GraphSnapshot { try GraphSnapshot(metaGraph(name)) }
}

extension GraphSnapshot {
    /// A bytes_list collection's items as strings.
    func strings(_ key: String) -> [String] {
        (collections[key]?.items ?? []).map {
            switch $0 {
            case .name(let s): s
            case .bytes(let b): String(decoding: b, as: UTF8.self)
            default: "\($0)"
            }
        }
    }

    /// A collection's proto items, decoded and re-encoded (for byte comparison).
    func items(_ key: String) -> [[UInt8]] {
        (collections[key]?.items ?? []).compactMap { if case .bytes(let b) = $0 { b } else { nil } }
    }
}
