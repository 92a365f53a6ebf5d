// `meta from-ckpt`: a variables-only MetaGraphDef for a checkpoint that has no
// `.meta`, built as tf.compat.v1.train.Saver builds its graph
// (tensorflow/python/training/saver.py, BaseSaverBuilder._build_internal;
// saving/saveable_object_util.py) so that import_meta_graph + Saver.restore work.

/// Writes a MetaGraphDef that holds one variable per checkpoint key and a V2 saver.
///
/// Nothing of the model's computation is recovered: the graph holds variables,
/// their zero initializers, and the save/restore subgraph, no more.
public enum MetaGraphFromCheckpoint {
    /// The kind of variable op to create.
    public enum VariableKind: String, Sendable {
        /// `VarHandleOp` + `AssignVariableOp` + `ReadVariableOp` (TF2's default).
        case resource
        /// `VariableV2` + `Assign` + `Identity` (`.../read`), as TF1 graphs had.
        case ref
    }

    /// What was written.
    public struct Result: Sendable {
        /// The checkpoint read and the file written.
        public let checkpoint: String, output: String
        /// Variables created (a partitioned tensor makes one per slice).
        public let variables: Int
        /// Checkpoint keys covered, and keys left out with the reason.
        public let keys: Int
        public let skipped: [(key: String, reason: String)]
        /// Keys whose variable had to be given another op name, and that name.
        public let renamed: [(key: String, name: String)]
    }

    /// Builds the MetaGraphDef for a checkpoint and writes it (binary; text for
    /// `.pbtxt`/`.txt`; JSON for `.json`), under a temporary name renamed into place.
    ///
    /// Binary and text are encoded straight from the checkpoint's listing and
    /// streamed, one variable's nodes at a time: memory stays at the listing (for a
    /// V2 checkpoint whose keys are all op names, its compact index alone) plus a
    /// buffer of 256 KiB and the saver's few nodes that list every key.
    ///
    /// - Parameters:
    ///   - checkpoint: Any checkpoint ``CheckpointReader`` opens.
    ///   - output: The `.meta` to write.
    ///   - kind: Resource or reference variables.
    ///   - overwrite: Replace an existing `output`.
    /// - Returns: What was written.
    /// - Throws: ``MetaGraphKitError`` `exists` without `overwrite`, or read/write errors.
    public static func write(checkpoint: String, output: String, kind: VariableKind = .resource,
                             overwrite: Bool = false) throws -> Result {
        if FileIO.exists(output), !overwrite {
            throw MetaGraphKitError.outputExists(output, "the destination exists")
        }
        let reader = try CheckpointReader(path: checkpoint)
        let encoding = ProtoFileEncoding.implied(by: output)
        let plan = try plan(reader)
        let result = Result(checkpoint: reader.prefix, output: output, variables: plan.count, keys: plan.keys,
                            skipped: plan.skipped, renamed: plan.renamed)
        if encoding == .json {
            // JSON is for inspection, and small graphs: made from the message.
            let message = try ProtoMessage(text: Builder(plan: plan, kind: kind).metaGraphText(), as: .metaGraphDef, file: output)
            try MetaGraphFile(path: checkpoint, kind: .metaGraph, encoding: .binary, message: message)
                .write(to: output, as: .json, overwrite: overwrite)
            return result
        }
        try OutputDestination.check(output, overwrite: overwrite, sources: [checkpoint])
        let out = try AtomicOutputFile(path: output)
        let encoder = FromCheckpointEncoder(plan: plan, kind: kind)
        if encoding == .text {
            try encoder.writeText { try out.write($0) }
        } else {
            try encoder.writeBinary { try out.write($0) }
        }
        try out.commit(sync: true)
        return result
    }

    /// The variables to make for a checkpoint: from a V2 index in place when it
    /// allows (see ``FromCheckpointPlan/init(index:)``), else from the listing.
    static func plan(_ reader: CheckpointReader) throws -> FromCheckpointPlan {
        if let bundle = reader.bundle, !reader.isListingLoaded {
            try bundle.loadIndex()
            if let index = bundle.compact, let plan = FromCheckpointPlan(index: index) { return plan }
        }
        return FromCheckpointPlan(entries: reader.entries)
    }

    /// The file the pre-streaming path wrote: the variables from the listing, the
    /// graph built as text, parsed, and encoded. Kept to check the streamed
    /// encoding (and the plan made from a compact index) against.
    static func encodedThroughText(checkpoint: String, kind: VariableKind, as encoding: ProtoFileEncoding) throws -> [UInt8] {
        let plan = FromCheckpointPlan(entries: try CheckpointReader(path: checkpoint).entries)
        let message = try ProtoMessage(text: Builder(plan: plan, kind: kind).metaGraphText(), as: .metaGraphDef, file: "<text>")
        return try MetaGraphFile(path: checkpoint, kind: .metaGraph, encoding: .binary, message: message).encoded(as: encoding)
    }

    /// The file ``write(checkpoint:output:kind:overwrite:)`` writes, in memory.
    static func encoded(checkpoint: String, kind: VariableKind, as encoding: ProtoFileEncoding) throws -> [UInt8] {
        let encoder = FromCheckpointEncoder(plan: try plan(try CheckpointReader(path: checkpoint)), kind: kind)
        var bytes: [UInt8] = []
        if encoding == .text {
            try encoder.writeText { bytes += $0 }
        } else {
            try encoder.writeBinary { bytes += $0 }
        }
        return bytes
    }

    // MARK: - The graph, as text format (before streaming; kept to check against)

    struct Variable {
        let name: String
        let key: String
        let dtype: DType
        let shape: [Int]
        let trainable: Bool
        let slice: (fullName: String, fullShape: [Int], offset: [Int])?

        /// The `shape_and_slices` string of SaveV2/RestoreV2: empty for a whole
        /// tensor, else `"FULL DIMS off,len:off,len"` (SaveSliceInfo.spec).
        var spec: String {
            guard let s = slice else { return "" }
            return s.fullShape.map(String.init).joined(separator: " ") + " "
                + zip(s.offset, shape).map { "\($0),\($1)" }.joined(separator: ":")
        }
    }

    struct Builder {
        let kind: VariableKind
        var variables: [Variable] = []

        /// The variables of a plan, each with Strings and arrays of its own.
        init(plan: FromCheckpointPlan, kind: VariableKind) {
            self.kind = kind
            for v in 0..<plan.count {
                let key = String(decoding: plan.key(ofVariable: v), as: UTF8.self)
                variables.append(Variable(
                    name: String(decoding: plan.name(v), as: UTF8.self), key: key, dtype: DType(rawValue: plan.dtypes[v]),
                    shape: Array(plan.shape(v)), trainable: plan.trainable[v],
                    slice: plan.slices[v].map { (fullName: key, fullShape: $0.fullShape, offset: $0.offset) }))
            }
        }

        static func quote(_ s: String) -> String { quote(Array(s.utf8)) }

        static func quote(_ bytes: [UInt8]) -> String {
            var out = "\""
            for b in bytes {
                switch b {
                case 0x22: out += "\\\""
                case 0x5c: out += "\\\\"
                case 0x27: out += "\\'"
                case 0x20..<0x7f: out.unicodeScalars.append(Unicode.Scalar(b))
                default:
                    let o = String(b, radix: 8)
                    out += "\\" + String(repeating: "0", count: 3 - o.count) + o
                }
            }
            return out + "\""
        }

        static func dtypeEnum(_ d: DType) -> String { "DT_" + (Self.enumNames[d.base.name] ?? d.base.name.uppercased()) }
        static let enumNames = ["float32": "FLOAT", "float64": "DOUBLE", "float16": "HALF"]

        static func shapeText(_ shape: [Int]) -> String {
            "shape { " + shape.map { "dim { size: \($0) } " }.joined() + "}"
        }

        func node(_ name: String, _ op: String, inputs: [String] = [], attrs: [String]) -> String {
            "node { name: \(Self.quote(name)) op: \(Self.quote(op)) "
                + inputs.map { "input: \(Self.quote($0)) " }.joined()
                + attrs.sorted().map { a -> String in
                    let colon = a.firstIndex(of: " ")!
                    return "attr { key: \(Self.quote(String(a[..<colon]))) value { \(a[a.index(after: colon)...]) } } "
                }.joined() + "}\n"
        }

        func stringConst(_ name: String, _ values: [String], scalar: Bool = false) -> String {
            node(name, "Const", attrs: [
                "dtype type: DT_STRING",
                "value tensor { dtype: DT_STRING tensor_shape { " + (scalar ? "" : "dim { size: \(values.count) } ") + "} "
                    + values.map { "string_val: \(Self.quote($0)) " }.joined() + "}",
            ])
        }

        func metaGraphText() -> String {
            var g = ""
            var defs: [(String, Bool)] = []   // serialized VariableDef text, trainable
            let dt = { (v: Variable) in Self.dtypeEnum(v.dtype) }
            for v in variables {
                let t = dt(v)
                let initial = "\(v.name)/Initializer/zeros"
                // A Const with a shape and no values is filled with zeros (Tensor::FromProto).
                g += node(initial, "Const", attrs: ["dtype type: \(t)", "value tensor { dtype: \(t) tensor_" + Self.shapeText(v.shape) + " }"])
                var def = "variable_name: \(Self.quote(v.name + ":0")) initializer_name: \(Self.quote(v.name + "/Assign")) "
                switch kind {
                case .resource:
                    g += node(v.name, "VarHandleOp", attrs: ["dtype type: \(t)", "shape " + Self.shapeText(v.shape), "shared_name s: \(Self.quote(v.name))",
                                                            "container s: \"\"", "allowed_devices list { }", "debug_name s: \(Self.quote(v.name + "/"))"])
                    g += node("\(v.name)/IsInitialized/VarIsInitializedOp", "VarIsInitializedOp", inputs: [v.name], attrs: [])
                    g += node("\(v.name)/Assign", "AssignVariableOp", inputs: [v.name, initial], attrs: ["dtype type: \(t)", "validate_shape b: false"])
                    g += node("\(v.name)/Read/ReadVariableOp", "ReadVariableOp", inputs: [v.name], attrs: ["dtype type: \(t)"])
                    def += "snapshot_name: \(Self.quote(v.name + "/Read/ReadVariableOp:0")) is_resource: true "
                case .ref:
                    g += node(v.name, "VariableV2", attrs: ["dtype type: \(t)", "shape " + Self.shapeText(v.shape), "shared_name s: \"\"", "container s: \"\""])
                    g += node("\(v.name)/Assign", "Assign", inputs: [v.name, initial],
                              attrs: ["T type: \(t)", "use_locking b: true", "validate_shape b: true"])
                    g += node("\(v.name)/read", "Identity", inputs: [v.name], attrs: ["T type: \(t)"])
                    def += "snapshot_name: \(Self.quote(v.name + "/read:0")) "
                }
                if let s = v.slice {
                    def += "save_slice_info_def { full_name: \(Self.quote(s.fullName)) "
                        + s.fullShape.map { "full_shape: \($0) " }.joined() + s.offset.map { "var_offset: \($0) " }.joined()
                        + v.shape.map { "var_shape: \($0) " }.joined() + "} "
                }
                def += "initial_value_name: \(Self.quote(initial + ":0")) trainable: \(v.trainable)"
                defs.append((def, v.trainable))
            }
            // The saver, as BaseSaverBuilder._build_internal builds it (not sharded, V2):
            // tensors sorted by checkpoint key, one RestoreV2 for all.
            let saved = variables.enumerated().sorted { a, b in
                a.element.key != b.element.key ? a.element.key.utf8Precedes(b.element.key) : a.offset < b.offset
            }.map(\.element)
            g += stringConst("save/filename/input", ["model"], scalar: true)
            g += node("save/filename", "PlaceholderWithDefault", inputs: ["save/filename/input"], attrs: ["dtype type: DT_STRING", "shape shape { }"])
            g += node("save/Const", "PlaceholderWithDefault", inputs: ["save/filename"], attrs: ["dtype type: DT_STRING", "shape shape { }"])
            g += stringConst("save/SaveV2/tensor_names", saved.map(\.key))
            g += stringConst("save/SaveV2/shape_and_slices", saved.map(\.spec))
            let dtypesList = "list { " + saved.map { "type: \(dt($0)) " }.joined() + "}"
            let snapshots = saved.map { kind == .resource ? "\($0.name)/Read/ReadVariableOp" : $0.name }
            g += node("save/SaveV2", "SaveV2", inputs: ["save/Const", "save/SaveV2/tensor_names", "save/SaveV2/shape_and_slices"] + snapshots,
                      attrs: ["dtypes " + dtypesList])
            g += node("save/control_dependency", "Identity", inputs: ["save/Const", "^save/SaveV2"],
                      attrs: ["T type: DT_STRING", "_class list { s: \"loc:@save/Const\" }"])
            g += stringConst("save/RestoreV2/tensor_names", saved.map(\.key))
            g += stringConst("save/RestoreV2/shape_and_slices", saved.map(\.spec))
            g += node("save/RestoreV2", "RestoreV2", inputs: ["save/Const", "save/RestoreV2/tensor_names", "save/RestoreV2/shape_and_slices"],
                      attrs: ["dtypes " + dtypesList])
            var assigns: [String] = []
            for (i, v) in saved.enumerated() {
                let out = i == 0 ? "save/RestoreV2" : "save/RestoreV2:\(i)"
                let suffix = assigns.isEmpty ? "" : "_\(assigns.count)"
                switch kind {
                case .resource:
                    let identity = "save/Identity" + suffix
                    g += node(identity, "Identity", inputs: [out], attrs: ["T type: \(dt(v))"])
                    g += node("save/AssignVariableOp" + suffix, "AssignVariableOp", inputs: [v.name, identity],
                              attrs: ["dtype type: \(dt(v))", "validate_shape b: false"])
                    assigns.append("save/AssignVariableOp" + suffix)
                case .ref:
                    g += node("save/Assign" + suffix, "Assign", inputs: [v.name, out],
                              attrs: ["T type: \(dt(v))", "use_locking b: true", "validate_shape b: true"])
                    assigns.append("save/Assign" + suffix)
                }
            }
            g += node("save/restore_all", "NoOp", inputs: assigns.map { "^" + $0 }, attrs: [])
            var text = "meta_info_def { meta_graph_version: \"v1\" }\n"
            text += "graph_def {\n" + g + "versions { producer: 2474 }\n}\n"
            text += "saver_def { filename_tensor_name: \"save/Const:0\" save_tensor_name: \"save/control_dependency:0\" "
                + "restore_op_name: \"save/restore_all\" max_to_keep: 5 keep_checkpoint_every_n_hours: 10000 version: V2 }\n"
            let all = defs.map(\.0), trainable = defs.filter(\.1).map(\.0)
            for (key, list) in [("trainable_variables", trainable), ("variables", all)] where !list.isEmpty {
                text += "collection_def { key: \(Self.quote(key)) value { bytes_list { "
                text += list.map { def in
                    // A VariableDef goes into the collection serialized.
                    let bytes = (try? ProtoMessage(text: def, as: .variableDef, file: "VariableDef").binary()) ?? []
                    return "value: \(Self.quote(bytes)) "
                }.joined()
                text += "} } }\n"
            }
            return text
        }
    }
}
