// Turning a TF1 Saver's V1 save op into a V2 one inside a MetaGraphDef
// (tensorflow/python/training/saver.py BaseSaverBuilder.save_op; io_ops.cc
// REGISTER_OP("SaveV2") / REGISTER_OP("SaveSlices")).
internal import CProtobufC
internal import CTFProtos
#if canImport(Glibc)
import Glibc
#endif

/// Rewrites the saver of a `.meta` so that `Saver.save` writes V2 and
/// `Saver.restore` reads it.
///
/// A non-sharded V1 saver saves with one `SaveSlices(filename, tensor_names,
/// shapes_and_slices, data)` node; `SaveV2(prefix, tensor_names,
/// shape_and_slices, tensors)` takes the same inputs in the same order and the same
/// slice specs, its type list attr is `dtypes` instead of `T`. A sharded V1 saver
/// (`ShardedFilename` per device, `ShardedFilespec` as save tensor) gets TF 2.21's
/// sharded V2 save path (`SaverGraphRewrite+Sharded.swift`). Restores with
/// `RestoreSlice`/`Restore` (TF ≤ 0.12), which read V1 only, become one `RestoreV2`
/// per device; restores that already use `RestoreV2` read both formats and stay.
/// `SaverDef.version` (top level and `savers` collection) and the stripped op list
/// follow. Everything is planned before anything changes: a saver that cannot be
/// rewritten is reported with the reason and left as it was.
enum SaverGraphRewrite {
    enum Outcome: Equatable {
        /// The saver was rewritten (what changed, as a sentence).
        case rewritten(String)
        /// The saver already writes V2.
        case alreadyV2
        /// The graph has no saver.
        case noSaver
        /// The saver could not be rewritten (why); the graph is unchanged.
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
            guard let graph = m.pointee.graph_def else { return .kept("the .meta has no graph") }
            let filenameTensor = String(cString: saver.pointee.filename_tensor_name)
            let saveTensor = String(cString: saver.pointee.save_tensor_name)
            let sharded = saver.pointee.sharded != 0
            let scope = filenameTensor.split(separator: "/").dropLast().joined(separator: "/")
            let editor = SaverGraphEditor(graph, file: file)
            // Plan everything before changing anything: a refusal leaves the graph as it was.
            let restore: [RestoreGroup]
            switch planRestore(editor, scope: scope) {
            case .success(let groups): restore = groups
            case .failure(let refusal): return .kept("its V1-only restore ops cannot be rewritten: \(refusal.reason)")
            }
            var shardedPlan: ShardedSavePlan?
            var saveNode: SaverGraphEditor.Node?
            if sharded {
                switch planShardedSave(editor, filenameTensor: filenameTensor, saveTensor: saveTensor, scope: scope) {
                case .success(let plan): shardedPlan = plan
                case .failure(let refusal): return .kept("its sharded save path cannot be rewritten: \(refusal.reason)")
                }
            } else {
                let saveNodes = editor.nodes.filter {
                    SaverGraphEditor.op($0) == "SaveSlices" && SaverGraphEditor.name($0).hasPrefix(scope + "/")
                }
                guard saveNodes.count == 1 else {
                    return .kept("expected one SaveSlices node under \(scope)/, found \(saveNodes.count)")
                }
                saveNode = saveNodes[0]
            }
            // Apply.
            var parts: [String] = []
            var newSaveTensor: String?
            if let plan = shardedPlan {
                newSaveTensor = try applyShardedSave(editor, plan, scope: scope)
                parts.append("sharded save path now SaveV2 ×\(plan.shards.count) + MergeV2Checkpoints (save tensor \(newSaveTensor!))")
            } else if let node = saveNode {
                convertSaveSlices(node)
                parts.append("save node \(SaverGraphEditor.name(node)) now SaveV2")
            }
            let kinds = Set(restore.flatMap(\.members).compactMap { editor.node($0.node).map(SaverGraphEditor.op) }).sorted()
            let restoreOps = try applyRestore(editor, restore, scope: scope)
            if !restoreOps.isEmpty {
                let count = restore.reduce(0) { $0 + $1.members.count }
                parts.append("\(count) \(kinds.joined(separator: "/")) now RestoreV2 \(restoreOps.joined(separator: ", ")) (one per device)")
            }
            editor.commit()
            // The saver, here and in the `savers` collection.
            saver.pointee.version = TENSORFLOW__SAVER_DEF__CHECKPOINT_FORMAT_VERSION__V2
            if let newSaveTensor { CMutation.setString(&saver.pointee.save_tensor_name, newSaveTensor) }
            try rewriteSaversCollection(m, filenameTensor: filenameTensor, oldSaveTensor: saveTensor,
                                        newSaveTensor: newSaveTensor, file: file)
            // The op list: ops now used in, V1-only ops out when nothing uses them any more.
            if let info = m.pointee.meta_info_def, let ops = info.pointee.stripped_op_list {
                let used = Set(editor.nodes.map(SaverGraphEditor.op))
                for old in ["SaveSlices", "ShardedFilespec", "RestoreSlice", "Restore"] where !used.contains(old) {
                    removeOp(named: old, from: ops)
                }
                try insertOp(saveV2OpDef, named: "SaveV2", into: ops, file: file)
                for (name, bytes) in v2SaverOpDefs.sorted(by: { $0.key < $1.key }) where used.contains(name) {
                    try insertOp(bytes, named: name, into: ops, file: file)
                }
            }
            parts.append("SaverDef.version V2")
            return .rewritten(parts.joined(separator: "; "))
        }
    }

    /// `SaveSlices` → `SaveV2` in place: same inputs, type-list attr `T` → `dtypes`.
    static func convertSaveSlices(_ node: SaverGraphEditor.Node) {
        replace(&node.pointee.op, with: "SaveV2")
        for j in 0..<node.pointee.n_attr {
            guard let entry = node.pointee.attr[j] else { continue }
            if String(cString: entry.pointee.key) == "T" { replace(&entry.pointee.key, with: "dtypes") }
        }
        var attrs = UnsafeMutableBufferPointer(start: node.pointee.attr, count: node.pointee.n_attr)
        attrs.sort { a, b in strcmp(a!.pointee.key, b!.pointee.key) < 0 }
    }

    private static func rewriteSaversCollection(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>, filenameTensor: String,
                                                oldSaveTensor: String, newSaveTensor: String?, file: String) throws {
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
                    guard String(cString: s.pointee.filename_tensor_name) == filenameTensor,
                          String(cString: s.pointee.save_tensor_name) == oldSaveTensor else { return false }
                    s.pointee.version = TENSORFLOW__SAVER_DEF__CHECKPOINT_FORMAT_VERSION__V2
                    if let newSaveTensor { CMutation.setString(&s.pointee.save_tensor_name, newSaveTensor) }
                    return true
                }
                guard matches else { continue }
                CMutation.setBytes(&list.pointee.value[j], saver.binary())
            }
        }
    }

    static func replace(_ field: inout UnsafeMutablePointer<CChar>?, with text: String) {
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
