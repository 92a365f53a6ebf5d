// What a checkpoint is matched against: the tensors an object-based checkpoint
// (or a SavedModel's variables) holds, with their full names from the
// TrackableObjectGraph (FORMATS.md §5), or a meta graph's variables.

/// One tensor a target expects.
public struct RemapTargetTensor: Sendable, Hashable {
    /// An optimizer slot: the variable it belongs to and its name among its siblings.
    public struct Slot: Sendable, Hashable {
        /// The full name of the variable the slot belongs to.
        public let variable: String
        /// The slot's name (`m`, `v`, `momentum`…).
        public let name: String
        /// The names of every slot of that variable (which optimizer made them).
        public let siblings: Set<String>
    }

    /// The checkpoint key (template) or variable name (meta graph).
    public let key: String
    /// The TF1 name the object graph records (`full_name`, plus the saveable's suffix
    /// for multi-tensor saveables); the variable name for a meta graph; may be empty.
    public let fullName: String
    /// The element type.
    public let dtype: DType
    /// The full shape; nil when unknown (a meta graph variable of unknown shape),
    /// -1 for an unknown dimension.
    public let shape: [Int]?
    /// For an optimizer slot: the variable's full name and the slot's name.
    public let slot: Slot?
}

/// The tensors a conversion or match aims at.
public struct RemapTarget {
    /// Where the target came from.
    public enum Kind: String, Sendable {
        /// An object-based checkpoint.
        case checkpoint
        /// A SavedModel directory (its `variables/variables`).
        case savedModel = "saved_model"
        /// A meta graph's variables.
        case metaGraph = "meta_graph"
    }

    /// The path as given.
    public let path: String
    /// What it is.
    public let kind: Kind
    /// The tensors, in object graph order (nodes by id, attributes in order).
    public let tensors: [RemapTargetTensor]
    /// The template's object graph (nil for a meta graph).
    public let objectGraph: ObjectGraph?
    /// The template checkpoint (nil for a meta graph).
    public let reader: CheckpointReader?

    /// Loads an object-based checkpoint or a SavedModel's variables as a template.
    ///
    /// - Parameter path: A V2 prefix, a directory with a `checkpoint` file, or a
    ///   SavedModel directory (one holding `saved_model.pb` and `variables/`).
    /// - Returns: The template.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when the checkpoint has no
    ///   `_CHECKPOINTABLE_OBJECT_GRAPH` (not object-based), or the reader's errors.
    public static func template(_ path: String) throws -> RemapTarget {
        var prefix = path
        var kind = Kind.checkpoint
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        if FileIO.isDirectory(path), FileIO.exists(base + "/saved_model.pb") || FileIO.exists(base + "/saved_model.pbtxt") {
            prefix = base + "/variables/variables"
            kind = .savedModel
        }
        let reader = try CheckpointReader(path: prefix)
        guard let graph = try reader.objectGraph() else {
            throw MetaGraphKitError.invalidArgument(path, "not an object-based checkpoint (no \(ObjectGraph.checkpointKey)); a template must come from tf.train.Checkpoint, Keras or a SavedModel")
        }
        return RemapTarget(path: path, kind: kind, tensors: tensors(of: graph, in: reader), objectGraph: graph, reader: reader)
    }

    /// The tensors of an object graph: every attribute's checkpoint key that the
    /// checkpoint holds (a key that is a prefix stands for every key it begins,
    /// the rest appended to the full name), slot variables marked.
    static func tensors(of graph: ObjectGraph, in reader: CheckpointReader) -> [RemapTargetTensor] {
        var slotOf: [Int: (Int, String)] = [:]
        var siblings: [Int: Set<String>] = [:]
        for node in graph.nodes {
            for s in node.slotVariables {
                slotOf[s.slotVariableNodeID] = (s.originalVariableNodeID, s.slotName)
                siblings[s.originalVariableNodeID, default: []].insert(s.slotName)
            }
        }
        func variableName(_ id: Int) -> String {
            let attrs = graph.nodes[id].attributes
            return (attrs.first { $0.name == "VARIABLE_VALUE" } ?? attrs.first)?.fullName ?? ""
        }
        var out: [RemapTargetTensor] = []
        for node in graph.nodes {
            let slot = slotOf[node.id].map { RemapTargetTensor.Slot(variable: variableName($0.0), name: $0.1, siblings: siblings[$0.0] ?? []) }
            for a in node.attributes {
                if let e = reader.entry(a.checkpointKey) {
                    out.append(RemapTargetTensor(key: e.key, fullName: a.fullName, dtype: e.dtype, shape: e.shape, slot: slot))
                    continue
                }
                for e in reader.entries where e.key.hasPrefix(a.checkpointKey) {
                    let suffix = String(e.key.dropFirst(a.checkpointKey.count))
                    // Another object's key, not a tensor of this saveable.
                    if suffix.contains("/.ATTRIBUTES/") || suffix.contains("/.OPTIMIZER_SLOT/") { continue }
                    out.append(RemapTargetTensor(key: e.key, fullName: a.fullName.isEmpty ? "" : a.fullName + suffix,
                                                 dtype: e.dtype, shape: e.shape, slot: nil))
                }
            }
        }
        return out
    }

    /// A meta graph's variables as the target: each variable under its op name, a
    /// partitioned variable once under its full name with its full shape.
    ///
    /// - Parameter path: A `.meta` file (binary or text).
    /// - Returns: The target.
    /// - Throws: ``MetaGraphKitError`` from reading the graph.
    public static func metaGraph(_ path: String) throws -> RemapTarget {
        let file = try MetaGraphFile.read(path)
        guard file.kind == .metaGraph else {
            throw MetaGraphKitError.invalidArgument(file.path, "is a SavedModel; pass it as --template, or take one meta graph out with `tfmeta meta extract`")
        }
        let variables = try MetaGraphVariables.list(file.message, file: file.path)
        var seen = Set<String>()
        var out: [RemapTargetTensor] = []
        // TensorFlow restores through the keys its save op writes (the SaveV2
        // tensor_names constant), not the variable names: use them when there is a saver.
        let saverKeys = MetaGraphTransform.saverKeys(file.message)
        if !saverKeys.isEmpty {
            var byName: [String: VariableInfo] = [:]
            for v in variables {
                byName[v.opName] = byName[v.opName] ?? v
                if let p = v.partition { byName[p.fullName] = byName[p.fullName] ?? v }
            }
            for (key, spec) in saverKeys where seen.insert(key).inserted {
                let v = byName[key]
                let specShape = spec.split(separator: " ").dropLast().compactMap { Int($0) }
                let shape: [Int]? = !specShape.isEmpty ? specShape
                    : v.flatMap { v in v.partition.map { $0.fullShape.map { Int($0) } } ?? v.shape?.map { Int($0) } }
                let dtypeName = v.map { $0.dtype.hasSuffix("_ref") ? String($0.dtype.dropLast(4)) : $0.dtype } ?? ""
                out.append(RemapTargetTensor(key: key, fullName: key, dtype: DType(name: dtypeName) ?? .invalid,
                                             shape: shape, slot: nil))
            }
            return RemapTarget(path: path, kind: .metaGraph, tensors: out, objectGraph: nil, reader: nil)
        }
        for v in variables {
            let name = v.partition?.fullName ?? v.opName
            guard seen.insert(name).inserted else { continue }
            let shape = v.partition.map { $0.fullShape.map { Int($0) } } ?? v.shape?.map { Int($0) }
            let dtypeName = v.dtype.hasSuffix("_ref") ? String(v.dtype.dropLast(4)) : v.dtype
            out.append(RemapTargetTensor(key: name, fullName: name, dtype: DType(name: dtypeName) ?? .invalid,
                                         shape: shape, slot: nil))
        }
        return RemapTarget(path: path, kind: .metaGraph, tensors: out, objectGraph: nil, reader: nil)
    }
}
