// Summarizing a binary MetaGraphDef by walking its wire format: the graph's nodes
// are read for their op name only, and just the small parts (meta info, saver,
// collections, signatures) are decoded by protobuf-c. Decoding a whole 50 MB
// graph into protobuf-c's structs costs most of a second and several hundred MB;
// this costs one pass over the bytes. Field numbers from meta_graph.proto,
// graph.proto, node_def.proto, function.proto and versions.proto.
internal import CTFProtos

extension MetaGraphSummary {
    /// Summarizes the binary encoding of a `tensorflow.MetaGraphDef`.
    ///
    /// - Parameters:
    ///   - bytes: The encoded MetaGraphDef (checked with the codec's wire check first
    ///     when it comes from a file).
    ///   - file: The file name for error messages.
    /// - Throws: ``MetaGraphKitError`` `notAProtobuf` for malformed bytes.
    init(scanning bytes: UnsafeRawBufferPointer, file: String) throws {
        self.init()
        var ops: [String: Int] = [:]
        var reader = ProtoFieldReader(bytes, file: file, message: "tensorflow.MetaGraphDef")
        while let field = try reader.next() {
            switch field.number {
            case 1:  // meta_info_def
                let m = try ProtoMessage(binaryBuffer: try field.bytes(reader).0, as: .metaInfoDef, file: file)
                m.withStruct(as: Tensorflow__MetaGraphDef__MetaInfoDef.self) { apply(metaInfo: $0) }
            case 2:  // graph_def
                var graph = try field.subReader(reader, message: "tensorflow.GraphDef")
                while let g = try graph.next() {
                    switch g.number {
                    case 1:  // node: only its op (field 2) is read
                        nodeCount += 1
                        var node = try g.subReader(graph, message: "tensorflow.NodeDef")
                        var op = ""
                        while op.isEmpty, let n = try node.next() {
                            if n.number == 2 { op = try n.string(node) }
                        }
                        ops[op, default: 0] += 1
                    case 2:  // library: count its functions (field 1)
                        var library = try g.subReader(graph, message: "tensorflow.FunctionDefLibrary")
                        while let l = try library.next() { if l.number == 1 { functionCount += 1 } }
                    case 4:  // versions.producer (field 1)
                        var versions = try g.subReader(graph, message: "tensorflow.VersionDef")
                        while let v = try versions.next() { if v.number == 1 { graphProducer = try v.int32(versions) } }
                    default: break
                    }
                }
            case 3:  // saver_def
                saver = try SaverDef(try ProtoMessage(binaryBuffer: try field.bytes(reader).0, as: .saverDef, file: file))
            case 4:  // collection_def entry
                let m = try ProtoMessage(binaryBuffer: try field.bytes(reader).0, as: .collectionDefEntry, file: file)
                m.withStruct(as: Tensorflow__MetaGraphDef__CollectionDefEntry.self) { apply(collection: $0) }
            case 5:  // signature_def entry
                let m = try ProtoMessage(binaryBuffer: try field.bytes(reader).0, as: .signatureDefEntry, file: file)
                m.withStruct(as: Tensorflow__MetaGraphDef__SignatureDefEntry.self) { apply(signature: $0) }
            case 6: assetFileCount += 1
            case 7: hasObjectGraph = true
            default: break
            }
        }
        opHistogram = ops.map { OpCount(op: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.op < $1.op }
        collections.sort { $0.name < $1.name }
        signatures.sort { $0.key < $1.key }
    }

    /// Summarizes each meta graph (field 2) of a binary `tensorflow.SavedModel`.
    static func scanningSavedModel(_ bytes: UnsafeRawBufferPointer, file: String) throws -> [MetaGraphSummary] {
        var reader = ProtoFieldReader(bytes, file: file, message: "tensorflow.SavedModel")
        var out: [MetaGraphSummary] = []
        while let field = try reader.next() {
            if field.number == 2 { out.append(try MetaGraphSummary(scanning: try field.bytes(reader).0, file: file)) }
        }
        return out
    }
}
