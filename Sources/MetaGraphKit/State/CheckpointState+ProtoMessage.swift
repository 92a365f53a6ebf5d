// CheckpointState <-> protobuf-c's Tensorflow__CheckpointState. The only file of the
// State layer that touches the C struct.
internal import CProtobufC
internal import CTFProtos
#if canImport(Glibc)
import Glibc
#endif

extension CheckpointState {
    /// Reads a decoded `tensorflow.CheckpointState` message.
    ///
    /// - Parameters:
    ///   - message: A message of type ``ProtoMessageType/checkpointState``.
    ///   - file: The file it came from, for messages.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for a message of another
    ///   type; `unsupported` for a path that is not UTF-8 (paths become `String`s).
    public init(message: ProtoMessage, file: String = "<message>") throws {
        guard message.type == .checkpointState else {
            throw MetaGraphKitError.invalidArgument(file, "expected a tensorflow.CheckpointState, got a \(message.type.fullName)")
        }
        self = try message.withStruct(as: Tensorflow__CheckpointState.self) { s in
            func string(_ c: UnsafeMutablePointer<CChar>?, _ field: String) throws -> String {
                guard let c else { return "" }
                let bytes = UnsafeRawBufferPointer(start: c, count: strlen(c))
                guard let value = String(validating: bytes, as: UTF8.self) else {
                    throw MetaGraphKitError.unsupported(file, "\(field) is not UTF-8 text; MetaGraphKit handles paths as UTF-8")
                }
                return value
            }
            let model = try string(s.pointee.model_checkpoint_path, "model_checkpoint_path")
            var all: [String] = []
            for i in 0..<s.pointee.n_all_model_checkpoint_paths {
                all.append(try string(s.pointee.all_model_checkpoint_paths[i], "all_model_checkpoint_paths[\(i)]"))
            }
            let times = (0..<s.pointee.n_all_model_checkpoint_timestamps).map {
                s.pointee.all_model_checkpoint_timestamps[$0]
            }
            return CheckpointState(
                modelCheckpointPath: model, allModelCheckpointPaths: all,
                allModelCheckpointTimestamps: times,
                lastPreservedTimestamp: s.pointee.last_preserved_timestamp)
        }
    }

    /// The state as a `tensorflow.CheckpointState` message.
    ///
    /// - Returns: A new message that owns copies of the strings. A string holding a
    ///   NUL byte is cut there (protobuf-c stores C strings).
    public func message() -> ProtoMessage {
        let message = ProtoMessage(empty: .checkpointState)
        message.withStruct(as: Tensorflow__CheckpointState.self) { s in
            // CMutation allocates as protobuf-c frees, when the message goes away.
            CMutation.setString(&s.pointee.model_checkpoint_path, modelCheckpointPath)
            s.pointee.all_model_checkpoint_paths = CMutation.newStrings(allModelCheckpointPaths)
            s.pointee.n_all_model_checkpoint_paths = allModelCheckpointPaths.count
            s.pointee.all_model_checkpoint_timestamps = CMutation.newArray(allModelCheckpointTimestamps)
            s.pointee.n_all_model_checkpoint_timestamps = allModelCheckpointTimestamps.count
            s.pointee.last_preserved_timestamp = lastPreservedTimestamp
        }
        return message
    }
}
