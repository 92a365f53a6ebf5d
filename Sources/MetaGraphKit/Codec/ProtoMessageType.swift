// Message types of Protos/, as protoc-c's descriptors describe them.
internal import CProtobufC
internal import CTFProtos

/// A message type of MetaGraphKit's schemas (one protobuf-c message descriptor).
///
/// Use the static members for the types users meet (``metaGraphDef``,
/// ``savedModel``, ``checkpointState`` …) or ``named(_:)`` to find any type by its
/// full protobuf name, as `google.protobuf.Any` type URLs name them.
public struct ProtoMessageType: Hashable, Sendable, CustomStringConvertible {
    nonisolated(unsafe) let descriptor: UnsafePointer<ProtobufCMessageDescriptor>

    init(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) { self.descriptor = descriptor }

    /// The full protobuf name, for example `tensorflow.MetaGraphDef`.
    public var fullName: String { String(cString: descriptor.pointee.name) }
    /// The short name, for example `MetaGraphDef`.
    public var shortName: String { String(cString: descriptor.pointee.short_name) }
    public var description: String { fullName }

    public static func == (a: Self, b: Self) -> Bool { a.descriptor == b.descriptor }
    public func hash(into h: inout Hasher) { h.combine(UnsafeRawPointer(descriptor)) }

    /// Every message type of the schemas, nested ones included.
    public static let all: [ProtoMessageType] = (0..<ctfprotos_message_descriptor_count()).map {
        ProtoMessageType(ctfprotos_message_descriptor_at($0)!)
    }

    private static let byName: [String: ProtoMessageType] = Dictionary(
        all.map { ($0.fullName, $0) }, uniquingKeysWith: { a, _ in a })

    /// Finds a message type by its full name (`tensorflow.SaverDef`); nil if unknown.
    ///
    /// - Parameter fullName: The protobuf full name, without a leading dot.
    /// - Returns: The type, or nil when the schemas do not have it.
    public static func named(_ fullName: String) -> ProtoMessageType? { byName[fullName] }

    /// `tensorflow.MetaGraphDef`, the content of a `.meta` file.
    public static let metaGraphDef = named("tensorflow.MetaGraphDef")!
    /// `tensorflow.SavedModel`, the content of a `saved_model.pb`.
    public static let savedModel = named("tensorflow.SavedModel")!
    /// `tensorflow.SaverDef`.
    public static let saverDef = named("tensorflow.SaverDef")!
    /// `tensorflow.CheckpointState`, the content of a `checkpoint` file.
    public static let checkpointState = named("tensorflow.CheckpointState")!
    /// `tensorflow.TrackableObjectGraph`, an object-based checkpoint's object graph.
    public static let trackableObjectGraph = named("tensorflow.TrackableObjectGraph")!
    /// `tensorflow.GraphDef`.
    public static let graphDef = named("tensorflow.GraphDef")!
    /// `tensorflow.VariableDef`, an item of the `variables` collections.
    public static let variableDef = named("tensorflow.VariableDef")!
    /// `tensorflow.BundleHeaderProto`, the first entry of a V2 `.index`.
    public static let bundleHeader = named("tensorflow.BundleHeaderProto")!
    /// `tensorflow.BundleEntryProto`, every other entry of a V2 `.index`.
    public static let bundleEntry = named("tensorflow.BundleEntryProto")!
    /// `tensorflow.SavedTensorSlices`, every entry of a V1 checkpoint table.
    public static let savedTensorSlices = named("tensorflow.SavedTensorSlices")!
    /// `tensorflow.TensorProto`.
    public static let tensorProto = named("tensorflow.TensorProto")!
    /// `tensorflow.MetaGraphDef.MetaInfoDef`.
    public static let metaInfoDef = named("tensorflow.MetaGraphDef.MetaInfoDef")!
    /// An entry of `MetaGraphDef.collection_def`.
    static let collectionDefEntry = named("tensorflow.MetaGraphDef.CollectionDefEntry")!
    /// An entry of `MetaGraphDef.signature_def`.
    static let signatureDefEntry = named("tensorflow.MetaGraphDef.SignatureDefEntry")!
    /// `tensorflow.AttrValue`, a node attribute's value.
    public static let attrValue = named("tensorflow.AttrValue")!
    /// `google.protobuf.Any`.
    public static let any = named("google.protobuf.Any")!
}
