// Collections, the top-level SaverDef and signatures under a rescope. Proto-backed
// collection items (FORMATS.md §6.5) are decoded, renamed inside and re-encoded,
// as the to_proto(export_scope) / from_proto(import_scope) functions TensorFlow
// registers for those collections do.
internal import CProtobufC
internal import CTFProtos

/// The message type of a proto-backed collection's `bytes_list` items.
enum CollectionItemType: Sendable {
    case variable, saver, queueRunner, condContext, whileContext

    /// The item type TensorFlow registers for a collection key, if any.
    init?(key: String) {
        switch key {
        case "variables", "trainable_variables", "local_variables", "model_variables",
             "metric_variables", "moving_average_variables", "global_step":
            self = .variable
        case "savers": self = .saver
        case "queue_runners": self = .queueRunner
        case "cond_context": self = .condContext
        case "while_context": self = .whileContext
        default: return nil
        }
    }

    var messageType: ProtoMessageType {
        switch self {
        case .variable: .variableDef
        case .saver: .saverDef
        case .queueRunner: ProtoMessageType.named("tensorflow.QueueRunnerDef")!
        case .condContext: ProtoMessageType.named("tensorflow.CondContextDef")!
        case .whileContext: ProtoMessageType.named("tensorflow.WhileContextDef")!
        }
    }
}

extension Rescoper {
    static let unboundCollection = "unbound_inputs"

    // MARK: - Collections

    func rewriteCollections(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>) throws {
        if options.clearExtraneousSavers, let saver = m.pointee.saver_def {
            let bytes = CMutation.pack(saver)
            forEachCollection(m) { key, def in
                guard key == "savers", def.pointee.kind_case == TENSORFLOW__COLLECTION_DEF__KIND_BYTES_LIST,
                      let list = def.pointee.bytes_list else { return }
                var count = list.pointee.n_value
                CMutation.mapBytes(list.pointee.value, count: &count) { _ in nil }
                list.pointee.n_value = count
                CMutation.appendBytes(&list.pointee.value, count: &list.pointee.n_value, bytes)
            }
        }
        var failure: (any Error)?
        forEachCollection(m) { key, def in
            guard failure == nil else { return }
            do { try rewriteCollection(key: key, def) } catch { failure = error }
        }
        if let failure { throw failure }
        // Collections left empty are dropped, as TensorFlow does not export them.
        CMutation.removeMessages(m.pointee.collection_def, count: &m.pointee.n_collection_def) { entry in
            guard let def = entry.pointee.value else { return false }
            return Self.itemCount(def) == 0 && droppedCollectionItems[CString.string(entry.pointee.key)] != nil
        }
        if !unboundInputs.isEmpty { addUnboundInputs(m) }
    }

    func forEachCollection(
        _ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>,
        _ body: (String, UnsafeMutablePointer<Tensorflow__CollectionDef>) -> Void
    ) {
        guard m.pointee.n_collection_def > 0 else { return }
        for i in 0..<m.pointee.n_collection_def {
            guard let entry = m.pointee.collection_def[i], let def = entry.pointee.value else { continue }
            body(CString.string(entry.pointee.key), def)
        }
    }

    static func itemCount(_ def: UnsafeMutablePointer<Tensorflow__CollectionDef>) -> Int {
        switch def.pointee.kind_case {
        case TENSORFLOW__COLLECTION_DEF__KIND_NODE_LIST: def.pointee.node_list.pointee.n_value
        case TENSORFLOW__COLLECTION_DEF__KIND_BYTES_LIST: def.pointee.bytes_list.pointee.n_value
        case TENSORFLOW__COLLECTION_DEF__KIND_INT64_LIST: def.pointee.int64_list.pointee.n_value
        case TENSORFLOW__COLLECTION_DEF__KIND_FLOAT_LIST: def.pointee.float_list.pointee.n_value
        case TENSORFLOW__COLLECTION_DEF__KIND_ANY_LIST: def.pointee.any_list.pointee.n_value
        default: 0
        }
    }

    func rewriteCollection(key: String, _ def: UnsafeMutablePointer<Tensorflow__CollectionDef>) throws {
        if key == Self.unboundCollection { return }
        var dropped = 0
        switch def.pointee.kind_case {
        case TENSORFLOW__COLLECTION_DEF__KIND_NODE_LIST:
            guard let list = def.pointee.node_list else { return }
            dropped = CMutation.removeStrings(&list.pointee.value, count: &list.pointee.n_value) { !keeps($0) }
            CMutation.mapStrings(list.pointee.value, count: list.pointee.n_value) { rename($0) }
        case TENSORFLOW__COLLECTION_DEF__KIND_BYTES_LIST:
            guard let list = def.pointee.bytes_list else { return }
            var index = 0
            if let type = CollectionItemType(key: key) {
                dropped = try CMutation.mapBytes(list.pointee.value, count: &list.pointee.n_value) { bytes in
                    defer { index += 1 }
                    return try rewriteItem(bytes, type: type, place: "\(file): collection '\(key)' item \(index)")
                }
            } else {
                // Plain strings: names of graph nodes follow their node; anything
                // else (TensorFlow would drop it) is kept verbatim.
                dropped = CMutation.mapBytes(list.pointee.value, count: &list.pointee.n_value) { bytes in
                    guard let s = String(validating: bytes, as: UTF8.self),
                          !s.isEmpty, originalNodes.contains(NameScope.opName(s)) else { return bytes }
                    return keeps(s) ? Array(rename(s).utf8) : nil
                }
            }
        default:
            return
        }
        if dropped > 0 { droppedCollectionItems[key, default: 0] += dropped }
    }

    /// Adds the rewritten unbound inputs to the `unbound_inputs` collection (created
    /// as a bytes_list if absent), without duplicates.
    func addUnboundInputs(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>) {
        var list: UnsafeMutablePointer<Tensorflow__CollectionDef__BytesList>?
        forEachCollection(m) { key, def in
            if key == Self.unboundCollection, def.pointee.kind_case == TENSORFLOW__COLLECTION_DEF__KIND_BYTES_LIST {
                list = def.pointee.bytes_list
            }
        }
        if list == nil {
            CMutation.removeMessages(m.pointee.collection_def, count: &m.pointee.n_collection_def) {
                CString.string($0.pointee.key) == Self.unboundCollection
            }
            let entry = CMutation.newMessage(
                ProtoMessageType.named("tensorflow.MetaGraphDef.CollectionDefEntry")!,
                as: Tensorflow__MetaGraphDef__CollectionDefEntry.self)
            CMutation.setString(&entry.pointee.key, Self.unboundCollection)
            let def = CMutation.newMessage(ProtoMessageType.named("tensorflow.CollectionDef")!,
                                           as: Tensorflow__CollectionDef.self)
            let bytes = CMutation.newMessage(ProtoMessageType.named("tensorflow.CollectionDef.BytesList")!,
                                             as: Tensorflow__CollectionDef__BytesList.self)
            def.pointee.kind_case = TENSORFLOW__COLLECTION_DEF__KIND_BYTES_LIST
            def.pointee.bytes_list = bytes
            entry.pointee.value = def
            // Where key order puts it (TensorFlow writes map entries sorted by key).
            let at = (0..<m.pointee.n_collection_def).first {
                CString.string(m.pointee.collection_def[$0]?.pointee.key) > Self.unboundCollection
            } ?? m.pointee.n_collection_def
            CMutation.insertMessage(&m.pointee.collection_def, count: &m.pointee.n_collection_def, entry, at: at)
            list = bytes
        }
        guard let list else { return }
        var present: Set<[UInt8]> = []
        if list.pointee.n_value > 0 {
            for i in 0..<list.pointee.n_value { present.insert(CMutation.bytes(list.pointee.value[i])) }
        }
        for name in unboundInputs where !present.contains(Array(name.utf8)) {
            CMutation.appendBytes(&list.pointee.value, count: &list.pointee.n_value, Array(name.utf8))
        }
    }

    // MARK: - Proto-backed items

    /// A collection item renamed inside, or nil when it belongs to removed nodes.
    func rewriteItem(_ bytes: [UInt8], type: CollectionItemType, place: String) throws -> [UInt8]? {
        let message = try ProtoMessage(binary: bytes, as: type.messageType, file: place)
        let keep: Bool = switch type {
        case .variable:
            message.withStruct(as: Tensorflow__VariableDef.self) { v in
                guard keeps(CString.string(v.pointee.variable_name)) else { return false }
                CMutation.mapString(&v.pointee.variable_name, rename)
                CMutation.mapString(&v.pointee.initial_value_name, rename)
                CMutation.mapString(&v.pointee.initializer_name, rename)
                CMutation.mapString(&v.pointee.snapshot_name, rename)
                if let slice = v.pointee.save_slice_info_def { CMutation.mapString(&slice.pointee.full_name, rename) }
                return true
            }
        case .saver:
            message.withStruct(as: Tensorflow__SaverDef.self) { s in
                guard keeps(CString.string(s.pointee.filename_tensor_name)) else { return false }
                renameSaver(s)
                return true
            }
        case .queueRunner:
            message.withStruct(as: Tensorflow__QueueRunnerDef.self) { q in
                guard keeps(CString.string(q.pointee.queue_name)) else { return false }
                CMutation.mapString(&q.pointee.queue_name, rename)
                CMutation.mapStrings(q.pointee.enqueue_op_name, count: q.pointee.n_enqueue_op_name, rename)
                CMutation.mapString(&q.pointee.close_op_name, rename)
                CMutation.mapString(&q.pointee.cancel_op_name, rename)
                return true
            }
        case .condContext:
            message.withStruct(as: Tensorflow__CondContextDef.self) { c in
                guard keeps(CString.string(c.pointee.context_name)) else { return false }
                renameCond(c)
                return true
            }
        case .whileContext:
            message.withStruct(as: Tensorflow__WhileContextDef.self) { w in
                guard keeps(CString.string(w.pointee.context_name)) else { return false }
                renameWhile(w)
                return true
            }
        }
        return keep ? message.binary() : nil
    }

    func renameSaver(_ s: UnsafeMutablePointer<Tensorflow__SaverDef>) {
        CMutation.mapString(&s.pointee.filename_tensor_name, rename)
        CMutation.mapString(&s.pointee.save_tensor_name, rename)
        CMutation.mapString(&s.pointee.restore_op_name, rename)
    }

    func renameValues(_ v: UnsafeMutablePointer<Tensorflow__ValuesDef>?) {
        guard let v else { return }
        CMutation.mapStrings(v.pointee.values, count: v.pointee.n_values, rename)
        guard v.pointee.n_external_values > 0 else { return }
        for i in 0..<v.pointee.n_external_values {
            guard let e = v.pointee.external_values[i] else { continue }
            CMutation.mapString(&e.pointee.key, rename)
            CMutation.mapString(&e.pointee.value, rename)
        }
    }

    func renameNested(_ list: UnsafeMutablePointer<UnsafeMutablePointer<Tensorflow__ControlFlowContextDef>?>?, count: Int) {
        guard let list, count > 0 else { return }
        for i in 0..<count {
            guard let c = list[i] else { continue }
            switch c.pointee.ctxt_case {
            case TENSORFLOW__CONTROL_FLOW_CONTEXT_DEF__CTXT_COND_CTXT: if let x = c.pointee.cond_ctxt { renameCond(x) }
            case TENSORFLOW__CONTROL_FLOW_CONTEXT_DEF__CTXT_WHILE_CTXT: if let x = c.pointee.while_ctxt { renameWhile(x) }
            default: break
            }
        }
    }

    func renameCond(_ c: UnsafeMutablePointer<Tensorflow__CondContextDef>) {
        CMutation.mapString(&c.pointee.context_name, rename)
        CMutation.mapString(&c.pointee.pred_name, rename)
        CMutation.mapString(&c.pointee.pivot_name, rename)
        renameValues(c.pointee.values_def)
        renameNested(c.pointee.nested_contexts, count: c.pointee.n_nested_contexts)
    }

    func renameWhile(_ w: UnsafeMutablePointer<Tensorflow__WhileContextDef>) {
        CMutation.mapString(&w.pointee.context_name, rename)
        CMutation.mapString(&w.pointee.pivot_name, rename)
        CMutation.mapString(&w.pointee.pivot_for_pred_name, rename)
        CMutation.mapString(&w.pointee.pivot_for_body_name, rename)
        CMutation.mapStrings(w.pointee.loop_exit_names, count: w.pointee.n_loop_exit_names, rename)
        CMutation.mapStrings(w.pointee.loop_enter_names, count: w.pointee.n_loop_enter_names, rename)
        CMutation.mapString(&w.pointee.maximum_iterations_name, rename)
        renameValues(w.pointee.values_def)
        renameNested(w.pointee.nested_contexts, count: w.pointee.n_nested_contexts)
    }

    // MARK: - Saver and signatures

    func rewriteSaver(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>) {
        guard let saver = m.pointee.saver_def else { return }
        let names = [CString.string(saver.pointee.filename_tensor_name),
                     CString.string(saver.pointee.save_tensor_name),
                     CString.string(saver.pointee.restore_op_name)]
        if stripping || !removedNodes.isEmpty, !names.allSatisfy(keeps) {
            CMutation.setMessage(&m.pointee.saver_def, nil)
            droppedSaver = true
            return
        }
        renameSaver(saver)
    }

    /// Every tensor name a TensorInfo holds, renamed in place when `apply`.
    func tensorNames(_ info: UnsafeMutablePointer<Tensorflow__TensorInfo>?, apply: Bool) -> [String] {
        guard let info else { return [] }
        switch info.pointee.encoding_case {
        case TENSORFLOW__TENSOR_INFO__ENCODING_NAME:
            defer { if apply { CMutation.mapString(&info.pointee.name, rename) } }
            return [CString.string(info.pointee.name)]
        case TENSORFLOW__TENSOR_INFO__ENCODING_COO_SPARSE:
            guard let c = info.pointee.coo_sparse else { return [] }
            defer {
                if apply {
                    CMutation.mapString(&c.pointee.values_tensor_name, rename)
                    CMutation.mapString(&c.pointee.indices_tensor_name, rename)
                    CMutation.mapString(&c.pointee.dense_shape_tensor_name, rename)
                }
            }
            return [CString.string(c.pointee.values_tensor_name), CString.string(c.pointee.indices_tensor_name),
                    CString.string(c.pointee.dense_shape_tensor_name)]
        case TENSORFLOW__TENSOR_INFO__ENCODING_COMPOSITE_TENSOR:
            guard let c = info.pointee.composite_tensor, c.pointee.n_components > 0 else { return [] }
            return (0..<c.pointee.n_components).flatMap { tensorNames(c.pointee.components[$0], apply: apply) }
        default:
            return []
        }
    }

    func signatureTensors(_ sig: UnsafeMutablePointer<Tensorflow__SignatureDef>, apply: Bool) -> [String] {
        var names: [String] = []
        if sig.pointee.n_inputs > 0 {
            for i in 0..<sig.pointee.n_inputs { names += tensorNames(sig.pointee.inputs[i]?.pointee.value, apply: apply) }
        }
        if sig.pointee.n_outputs > 0 {
            for i in 0..<sig.pointee.n_outputs { names += tensorNames(sig.pointee.outputs[i]?.pointee.value, apply: apply) }
        }
        return names
    }

    func rewriteSignatures(_ m: UnsafeMutablePointer<Tensorflow__MetaGraphDef>) {
        CMutation.removeMessages(m.pointee.signature_def, count: &m.pointee.n_signature_def) { entry in
            guard let sig = entry.pointee.value else { return false }
            if signatureTensors(sig, apply: false).allSatisfy(keeps) {
                _ = signatureTensors(sig, apply: true)
                return false
            }
            droppedSignatures.append(CString.string(entry.pointee.key))
            return true
        }
        CMutation.removeMessages(m.pointee.asset_file_def, count: &m.pointee.n_asset_file_def) { asset in
            guard tensorNames(asset.pointee.tensor_info, apply: false).allSatisfy(keeps) else { return true }
            _ = tensorNames(asset.pointee.tensor_info, apply: true)
            return false
        }
    }
}
