// SaverDef (tensorflow/core/protobuf/saver.proto): how a graph saves and restores.
internal import CTFProtos

/// The checkpoint format a saver writes (`SaverDef.CheckpointFormatVersion`).
public enum CheckpointFormatVersion: Sendable, Hashable, CustomStringConvertible {
    /// `LEGACY` (0): TensorFlow's first format; no longer written.
    case legacy
    /// `V1` (1): tensor-slice tables (`TensorSliceWriter`).
    case v1
    /// `V2` (2): tensor bundles, `.index` plus `.data-NNNNN-of-MMMMM`.
    case v2
    /// A number this library does not know.
    case unknown(Int32)

    /// Creates the version from its wire number.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .legacy
        case 1: self = .v1
        case 2: self = .v2
        default: self = .unknown(rawValue)
        }
    }

    /// The wire number.
    public var rawValue: Int32 {
        switch self {
        case .legacy: 0
        case .v1: 1
        case .v2: 2
        case .unknown(let n): n
        }
    }

    /// The enum value's name as TensorFlow spells it (`V2`).
    public var description: String {
        switch self {
        case .legacy: "LEGACY"
        case .v1: "V1"
        case .v2: "V2"
        case .unknown(let n): String(n)
        }
    }
}

/// A saver's definition: the tensors and ops a graph uses to save and restore
/// checkpoints, and how many it keeps.
///
/// TensorFlow's name for this is `tensorflow.SaverDef`.
public struct SaverDef: Sendable, Hashable, JSONReportable {
    /// The string tensor fed with the checkpoint path (`save/Const:0`).
    public var filenameTensorName: String
    /// The tensor whose evaluation saves (`save/control_dependency:0`).
    public var saveTensorName: String
    /// The op whose run restores (`save/restore_all`).
    public var restoreOpName: String
    /// How many recent checkpoints to keep (0 or less keeps all).
    public var maxToKeep: Int32
    /// Whether the saver writes one shard per device.
    public var sharded: Bool
    /// Keep one checkpoint every this many hours besides the recent ones.
    public var keepCheckpointEveryNHours: Float
    /// The checkpoint format written.
    public var version: CheckpointFormatVersion

    /// Creates a definition from its fields.
    public init(
        filenameTensorName: String = "", saveTensorName: String = "", restoreOpName: String = "",
        maxToKeep: Int32 = 0, sharded: Bool = false, keepCheckpointEveryNHours: Float = 0,
        version: CheckpointFormatVersion = .legacy
    ) {
        self.filenameTensorName = filenameTensorName
        self.saveTensorName = saveTensorName
        self.restoreOpName = restoreOpName
        self.maxToKeep = maxToKeep
        self.sharded = sharded
        self.keepCheckpointEveryNHours = keepCheckpointEveryNHours
        self.version = version
    }

    init(_ c: UnsafePointer<Tensorflow__SaverDef>) {
        let s = c.pointee
        self.init(
            filenameTensorName: CString.string(s.filename_tensor_name),
            saveTensorName: CString.string(s.save_tensor_name),
            restoreOpName: CString.string(s.restore_op_name),
            maxToKeep: s.max_to_keep, sharded: s.sharded != 0,
            keepCheckpointEveryNHours: s.keep_checkpoint_every_n_hours,
            version: CheckpointFormatVersion(rawValue: Int32(s.version.rawValue)))
    }

    /// Reads a SaverDef from a message of type ``ProtoMessageType/saverDef``.
    ///
    /// - Parameter message: A decoded `tensorflow.SaverDef`.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for another message type.
    public init(_ message: ProtoMessage) throws {
        guard message.type == .saverDef else {
            throw MetaGraphKitError.wrongMessageType(expected: "tensorflow.SaverDef", got: "\(message.type)")
        }
        self = message.withStruct(as: Tensorflow__SaverDef.self) { SaverDef(UnsafePointer($0)) }
    }

    /// The report shape of `tfmeta meta inspect --json` (`saver`).
    public var jsonValue: JSONValue {
        .object([
            ("filename_tensor_name", .string(filenameTensorName)),
            ("save_tensor_name", .string(saveTensorName)),
            ("restore_op_name", .string(restoreOpName)),
            ("max_to_keep", .int(Int64(maxToKeep))),
            ("sharded", .bool(sharded)),
            ("keep_checkpoint_every_n_hours", .float(keepCheckpointEveryNHours)),
            ("version", .string(version.description)),
        ])
    }
}
