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
    /// `.pbtxt`/`.txt`), under a temporary name renamed into place.
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
        var builder = Builder(kind: kind)
        var skipped: [(String, String)] = []
        var renamed: [(String, String)] = []
        var keys = 0
        for e in reader.entries {
            if e.key == ObjectGraph.checkpointKey { skipped.append((e.key, "the object graph, not a variable")); continue }
            guard e.dtype.base != .resource, e.dtype.base != .variant, e.dtype.base.rawValue > 0, e.dtype.base.rawValue <= 33 else {
                skipped.append((e.key, "\(e.dtype) cannot be a variable"))
                continue
            }
            let name = builder.opName(for: e.key)
            if name != e.key { renamed.append((e.key, name)) }
            let role = TensorRole.classify(e.key, dtype: e.dtype)
            let trainable = role == .model
            if e.slices.count > 1 || (e.slices.count == 1 && !e.slices[0].isFull) {
                for (i, slice) in e.slices.sorted(by: { $0.extents.map(\.start).lexicographicallyPrecedes($1.extents.map(\.start)) }).enumerated() {
                    let offset = slice.extents.map { Int($0.start) } + [Int](repeating: 0, count: max(0, e.shape.count - slice.extents.count))
                    let shape = e.shape.indices.map { d in d < slice.extents.count ? Int(slice.extents[d].length ?? Int64(e.shape[d])) : e.shape[d] }
                    builder.addVariable(name: "\(name)/part_\(i)", key: e.key, dtype: e.dtype.base, shape: shape, trainable: trainable,
                                        slice: (fullName: e.key, fullShape: e.shape, offset: offset))
                }
            } else {
                builder.addVariable(name: name, key: e.key, dtype: e.dtype.base, shape: e.shape, trainable: trainable, slice: nil)
            }
            keys += 1
        }
        let text = builder.metaGraphText()
        let message = try ProtoMessage(text: text, as: .metaGraphDef, file: output)
        let file = MetaGraphFile(path: checkpoint, kind: .metaGraph, encoding: .binary, message: message)
        try file.write(to: output, as: ProtoFileEncoding.implied(by: output))
        return Result(checkpoint: reader.prefix, output: output, variables: builder.variables.count, keys: keys,
                      skipped: skipped, renamed: renamed)
    }

    // MARK: - The graph, as text format

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
        var used: Set<String> = []

        init(kind: VariableKind) { self.kind = kind }

        /// An op name for a key: TensorFlow's `[A-Za-z0-9.][A-Za-z0-9_.\-/]*`, unique.
        mutating func opName(for key: String) -> String {
            var chars = Array(key.unicodeScalars).map { c -> Character in
                let ok = (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "." || c == "_" || c == "-" || c == "/"
                return ok ? Character(c) : "_"
            }
            if chars.isEmpty || !(chars[0].isLetter || chars[0].isNumber || chars[0] == ".") { chars.insert("v", at: 0) }
            var name = String(chars)
            while name.hasSuffix("/") { name.removeLast() }
            if name == "save" || name.hasPrefix("save/") { name = "v" + name }
            var candidate = name, i = 1
            while used.contains(candidate) { candidate = "\(name)_\(i)"; i += 1 }
            used.insert(candidate)
            return candidate
        }

        mutating func addVariable(name: String, key: String, dtype: DType, shape: [Int], trainable: Bool,
                                  slice: (fullName: String, fullShape: [Int], offset: [Int])?) {
            variables.append(Variable(name: name, key: key, dtype: dtype, shape: shape, trainable: trainable, slice: slice))
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
