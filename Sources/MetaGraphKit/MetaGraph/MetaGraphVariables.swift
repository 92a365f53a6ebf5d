// Listing a meta graph's variables from its VariableDef collections (FORMATS.md
// §6.5), as TensorFlow's import_scoped_meta_graph rebuilds them.
internal import CProtobufC
internal import CTFProtos

/// The variables of a meta graph.
public enum MetaGraphVariables {
    /// Lists the variables the graph's variable collections (`variables`,
    /// `trainable_variables`, `local_variables`, `model_variables`, …) hold, each
    /// once, in the order first met (collections in file order), with the `dtype`
    /// and `shape` attrs of the variable op (`VariableV2`, `VarHandleOp`, …).
    ///
    /// - Parameters:
    ///   - metaGraph: A `tensorflow.MetaGraphDef` message.
    ///   - file: The file it was read from, named in errors about its items.
    /// - Returns: The variables.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for another message type,
    ///   `notAProtobuf` for an item that is not a VariableDef.
    public static func list(_ metaGraph: ProtoMessage, file: String = "<meta graph>") throws -> [VariableInfo] {
        guard metaGraph.type == .metaGraphDef else {
            throw MetaGraphKitError.wrongMessageType(expected: "tensorflow.MetaGraphDef", got: "\(metaGraph.type)")
        }
        let snapshot = try GraphSnapshot(metaGraph)
        let keys: [String] = metaGraph.withStruct(as: Tensorflow__MetaGraphDef.self) { m in
            (0..<m.pointee.n_collection_def).map { CString.string(m.pointee.collection_def[$0]?.pointee.key) }
        }
        var order: [String] = []
        var byName: [String: VariableInfo] = [:]
        let trainableNames = Set(try (snapshot.collections["trainable_variables"]?.items ?? []).compactMap {
            item -> String? in
            guard case .bytes(let b) = item else { return nil }
            return try ProtoMessage(binary: b, as: .variableDef, file: "\(file): collection 'trainable_variables'")
                .withStruct(as: Tensorflow__VariableDef.self) { CString.string($0.pointee.variable_name) }
        })
        for key in keys where CollectionItemType(key: key) == .variable {
            guard let collection = snapshot.collections[key], collection.kind == .bytesList else { continue }
            for (index, item) in collection.items.enumerated() {
                guard case .bytes(let bytes) = item else { continue }
                let def = try ProtoMessage(binary: bytes, as: .variableDef, file: "\(file): collection '\(key)' item \(index)")
                var info = def.withStruct(as: Tensorflow__VariableDef.self) { Self.info(UnsafePointer($0), snapshot) }
                if var existing = byName[info.name] {
                    if !existing.collections.contains(key) { existing.collections.append(key) }
                    byName[info.name] = existing
                    continue
                }
                info.collections = [key]
                info.trainable = info.trainable || trainableNames.contains(info.name)
                order.append(info.name)
                byName[info.name] = info
            }
        }
        return order.compactMap { byName[$0] }
    }

    static func info(_ v: UnsafePointer<Tensorflow__VariableDef>, _ snapshot: GraphSnapshot) -> VariableInfo {
        let name = CString.string(v.pointee.variable_name)
        let opName = NameScope.opName(name)
        var partition: VariableInfo.Partition?
        if let s = v.pointee.save_slice_info_def?.pointee {
            func ints(_ p: UnsafeMutablePointer<Int64>?, _ n: Int) -> [Int64] {
                guard let p, n > 0 else { return [] }
                return Array(UnsafeBufferPointer(start: p, count: n))
            }
            partition = .init(fullName: CString.string(s.full_name), fullShape: ints(s.full_shape, s.n_full_shape),
                              varOffset: ints(s.var_offset, s.n_var_offset), varShape: ints(s.var_shape, s.n_var_shape))
        }
        let node = snapshot.node(opName)
        let dtype = node?.typeAttr("dtype").map { DType(rawValue: $0).name } ?? ""
        let shape = node?.shapeAttr("shape")
        return VariableInfo(
            name: name, opName: opName, op: node?.op ?? "", dtype: dtype, shape: shape,
            trainable: v.pointee.trainable != 0, isResource: v.pointee.is_resource != 0,
            initializerName: CString.string(v.pointee.initializer_name),
            snapshotName: CString.string(v.pointee.snapshot_name),
            initialValueName: CString.string(v.pointee.initial_value_name),
            collections: [], partition: partition)
    }
}
