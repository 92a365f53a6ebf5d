// The outcome of a rescope: the new MetaGraphDef and what was dropped on the way.
internal import CTFProtos

/// The result of ``MetaGraphTransform/rescope(_:options:)``.
public struct RescopeResult: Sendable, JSONReportable {
    /// The transformed `tensorflow.MetaGraphDef` (a new message; the input is not
    /// changed).
    public var metaGraph: ProtoMessage
    /// Nodes removed (outside the stripped scope, or of extraneous savers), by
    /// their original names, in graph order.
    public var removedNodes: [String]
    /// Inputs that pointed at removed nodes, as rewritten
    /// (`$unbound_inputs_x`, `^$unbound_inputs_x`), without duplicates; the file's
    /// `unbound_inputs` collection lists them.
    public var unboundInputs: [String]
    /// Collection items dropped because they named removed nodes, by collection.
    public var droppedCollectionItems: [String: Int]
    /// Signatures dropped because a tensor they name was removed.
    public var droppedSignatures: [String]
    /// Whether the top-level SaverDef was dropped (its ops were removed).
    public var droppedSaver: Bool
    /// How many default-valued attrs were removed.
    public var strippedAttrCount: Int
    /// How many devices were cleared (non-empty devices emptied).
    public var clearedDeviceCount: Int

    /// The summary `tfmeta meta rescope --json` prints.
    ///
    /// Shape: `{"nodes": Int, "removed_nodes": [String], "unbound_inputs": [String],
    /// "dropped_collection_items": {collection: Int}, "dropped_signatures": [String],
    /// "dropped_saver": Bool, "stripped_attrs": Int, "cleared_devices": Int}`.
    public var jsonValue: JSONValue {
        let nodes = metaGraph.withStruct(as: Tensorflow__MetaGraphDef.self) { $0.pointee.graph_def?.pointee.n_node ?? 0 }
        return .object([
            ("nodes", .int(Int64(nodes))),
            ("removed_nodes", .array(removedNodes.map { .string($0) })),
            ("unbound_inputs", .array(unboundInputs.map { .string($0) })),
            ("dropped_collection_items", .object(droppedCollectionItems.sorted { $0.key < $1.key }
                .map { ($0.key, .int(Int64($0.value))) })),
            ("dropped_signatures", .array(droppedSignatures.map { .string($0) })),
            ("dropped_saver", .bool(droppedSaver)),
            ("stripped_attrs", .int(Int64(strippedAttrCount))),
            ("cleared_devices", .int(Int64(clearedDeviceCount))),
        ])
    }
}
