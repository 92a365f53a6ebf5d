// Turning a TF1 Saver's V1 save op into a V2 one inside a MetaGraphDef
// (tensorflow/python/training/saver.py BaseSaverBuilder.save_op; io_ops.cc
// REGISTER_OP("SaveV2") / REGISTER_OP("SaveSlices")).
internal import CProtobufC
internal import CTFProtos
#if canImport(Glibc)
import Glibc
#endif

/// Rewrites the saver of a `.meta` so that `Saver.save` writes V2.
///
/// A non-sharded V1 saver saves with one `SaveSlices(filename, tensor_names,
/// shapes_and_slices, data)` node; `SaveV2(prefix, tensor_names,
/// shape_and_slices, tensors)` takes the same inputs in the same order and the same
/// slice specs, its type list attr is `dtypes` instead of `T`. Restoring already
/// uses `RestoreV2`, which reads both formats, so only the save node, the
/// `SaverDef.version` (top level and `savers` collection) and the stripped op list
/// change.
enum SaverGraphRewrite {
    enum Outcome: Equatable {
        /// The save node was rewritten (its name).
        case rewritten(String)
        /// The saver already writes V2.
        case alreadyV2
        /// The graph has no saver.
        case noSaver
        /// The saver is sharded (ShardedFilename/ShardedFilespec per device); kept.
        case keptSharded
        /// The save op could not be identified; kept.
        case kept(String)
    }

    /// `OpDef` of `SaveV2` as TF 2.21 puts it into `stripped_op_list` (no docs).
    static let saveV2OpDef: [UInt8] = {
        func field(_ n: UInt64, _ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            Varint.append(n << 3 | 2, to: &out)
            Varint.append(UInt64(bytes.count), to: &out)
            return out + bytes
        }
        func text(_ n: UInt64, _ s: String) -> [UInt8] { field(n, Array(s.utf8)) }
        func varint(_ n: UInt64, _ v: UInt64) -> [UInt8] {
            var out: [UInt8] = []
            Varint.append(n << 3, to: &out)
            Varint.append(v, to: &out)
            return out
        }
        let stringType: UInt64 = 7  // DT_STRING
        // ArgDef { name = 1, type = 3, type_list_attr = 6 }
        let args = [
            text(1, "prefix") + varint(3, stringType),
            text(1, "tensor_names") + varint(3, stringType),
            text(1, "shape_and_slices") + varint(3, stringType),
            text(1, "tensors") + text(6, "dtypes"),
        ]
        // AttrDef { name = 1, type = 2, has_minimum = 5, minimum = 6 }
        let attr = text(1, "dtypes") + text(2, "list(type)") + varint(5, 1) + varint(6, 1)
        // OpDef { name = 1, input_arg = 2, attr = 4, is_stateful = 17 }
        return text(1, "SaveV2") + args.flatMap { field(2, $0) } + field(4, attr) + varint(17, 1)
    }()

    static func rewriteToV2(_ meta: ProtoMessage, file: String) throws -> Outcome {
        try meta.withStruct(as: Tensorflow__MetaGraphDef.self) { m in
            guard let saver = m.pointee.saver_def else { return .noSaver }
            if saver.pointee.version == TENSORFLOW__SAVER_DEF__CHECKPOINT_FORMAT_VERSION__V2 { return .alreadyV2 }
            if saver.pointee.sharded != 0 { return .keptSharded }
            guard let graph = m.pointee.graph_def else { return .kept("the .meta has no graph") }
            let filenameTensor = String(cString: saver.pointee.filename_tensor_name)
            let scope = filenameTensor.split(separator: "/").dropLast().joined(separator: "/")
            var saveNodes: [UnsafeMutablePointer<Tensorflow__NodeDef>] = []
            for i in 0..<graph.pointee.n_node {
                guard let node = graph.pointee.node[i] else { continue }
                if String(cString: node.pointee.op) == "SaveSlices",
                   String(cString: node.pointee.name).hasPrefix(scope + "/") {
                    saveNodes.append(node)
                }
            }
            guard saveNodes.count == 1, let node = saveNodes.first else {
                return .kept("expected one SaveSlices node under \(scope)/, found \(saveNodes.count)")
            }
            // Graphs from before TF 1.0 restore with RestoreSlice/Restore, which read V1
            // only; such a saver cannot restore a V2 checkpoint whatever its save op.
            for i in 0..<graph.pointee.n_node {
                guard let n = graph.pointee.node[i] else { continue }
                let op = String(cString: n.pointee.op)
                if op == "RestoreSlice" || op == "Restore", String(cString: n.pointee.name).hasPrefix(scope + "/") {
                    return .kept("it restores with \(op), which reads V1 checkpoints only, so it cannot restore the migrated V2 checkpoint; re-create the saver in TensorFlow")
                }
            }
            // The node: op and type-list attr name.
            replace(&node.pointee.op, with: "SaveV2")
            for j in 0..<node.pointee.n_attr {
                guard let entry = node.pointee.attr[j] else { continue }
                if String(cString: entry.pointee.key) == "T" { replace(&entry.pointee.key, with: "dtypes") }
            }
            var attrs = UnsafeMutableBufferPointer(start: node.pointee.attr, count: node.pointee.n_attr)
            attrs.sort { a, b in strcmp(a!.pointee.key, b!.pointee.key) < 0 }
            // The saver, here and in the `savers` collection.
            saver.pointee.version = TENSORFLOW__SAVER_DEF__CHECKPOINT_FORMAT_VERSION__V2
            try rewriteSaversCollection(m, filenameTensor: filenameTensor, file: file)
            // The op list: SaveV2 in, SaveSlices out if nothing else uses it.
            if let info = m.pointee.meta_info_def, let ops = info.pointee.stripped_op_list {
                var stillUsed = false
                for i in 0..<graph.pointee.n_node where String(cString: graph.pointee.node[i]!.pointee.op) == "SaveSlices" {
                    stillUsed = true
                }
                if !stillUsed { removeOp(named: "SaveSlices", from: ops) }
                try insertOp(saveV2OpDef, named: "SaveV2", into: ops, file: file)
            }
            return .rewritten(String(cString: node.pointee.name))
        }
    }

    private static func rewriteSaversCollection(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>, filenameTensor: String, file: String) throws {
        for i in 0..<m.pointee.n_collection_def {
            guard let entry = m.pointee.collection_def[i], String(cString: entry.pointee.key) == "savers",
                  let value = entry.pointee.value,
                  value.pointee.kind_case == TENSORFLOW__COLLECTION_DEF__KIND_BYTES_LIST,
                  let list = value.pointee.bytes_list else { continue }
            for j in 0..<list.pointee.n_value {
                let data = list.pointee.value[j]
                let saver = try ProtoMessage(binaryBuffer: UnsafeRawBufferPointer(start: data.data, count: data.len),
                                             as: .saverDef, file: file)
                let matches = saver.withStruct(as: Tensorflow__SaverDef.self) { s in
                    guard String(cString: s.pointee.filename_tensor_name) == filenameTensor, s.pointee.sharded == 0 else { return false }
                    s.pointee.version = TENSORFLOW__SAVER_DEF__CHECKPOINT_FORMAT_VERSION__V2
                    return true
                }
                guard matches else { continue }
                CMutation.setBytes(&list.pointee.value[j], saver.binary())
            }
        }
    }

    private static func replace(_ field: inout UnsafeMutablePointer<CChar>?, with text: String) {
        CMutation.setString(&field, text)
    }

    private static func removeOp(named name: String, from ops: UnsafeMutablePointer<Tensorflow__OpList>) {
        CMutation.removeMessages(ops.pointee.op, count: &ops.pointee.n_op) { CString.string($0.pointee.name) == name }
    }

    private static func insertOp(_ bytes: [UInt8], named name: String, into ops: UnsafeMutablePointer<Tensorflow__OpList>, file: String) throws {
        let names = (0..<ops.pointee.n_op).map { String(cString: ops.pointee.op[$0]!.pointee.name) }
        if names.contains(name) { return }
        let at = names.firstIndex { !Array($0.utf8).lexicographicallyPrecedes(Array(name.utf8)) } ?? names.count
        let type = ProtoMessageType.named("tensorflow.OpDef")!
        let op = try bytes.withUnsafeBytes { try ProtobufC.unpack($0, as: type, file: file) }
        CMutation.insertMessage(&ops.pointee.op, count: &ops.pointee.n_op,
                                UnsafeMutableRawPointer(op).assumingMemoryBound(to: Tensorflow__OpDef.self), at: at)
    }
}
