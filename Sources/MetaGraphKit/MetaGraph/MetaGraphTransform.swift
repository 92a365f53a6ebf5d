// Whole-graph edits of a MetaGraphDef, after TensorFlow's export_scoped_meta_graph
// and import_scoped_meta_graph (tensorflow/python/framework/meta_graph.py).
internal import CTFProtos

/// Transformations of a `tensorflow.MetaGraphDef` that TensorFlow performs when it
/// exports or imports a meta graph, done on the file without TensorFlow.
public enum MetaGraphTransform {
    /// Strips or adds a name scope, clears devices, strips default-valued attrs and
    /// drops extraneous savers, as TensorFlow's `export_meta_graph(export_scope:,
    /// clear_devices:, strip_default_attrs:, clear_extraneous_savers:)` and
    /// `import_meta_graph(import_scope:)` do.
    ///
    /// Stripping scope `S` keeps only the nodes under `S/` (and TensorFlow's
    /// `$unbound_inputs_` nodes) and removes `S/` from node names, inputs (`^x`,
    /// `x:N`), `_class` `loc:@` colocation values (values naming removed nodes are
    /// dropped), `Enter`/`RefEnter` frame names, collection items (`node_list`
    /// names; names inside the VariableDef, SaverDef, QueueRunnerDef,
    /// CondContextDef and WhileContextDef items of the collections TensorFlow
    /// registers them for; plain strings that name a node), the top-level SaverDef
    /// and signature and asset tensor names. Inputs from removed nodes become
    /// `$unbound_inputs_<name>` (`^$unbound_inputs_<name>` for control inputs), as
    /// TensorFlow writes them, and are listed in the `unbound_inputs` collection;
    /// importing then needs an `input_map` for each. Adding scope `S` prefixes the
    /// same names with `S/`. Collections left empty, the ops no node uses any more
    /// (from `stripped_op_list`), signatures and assets naming removed tensors, and
    /// a top-level SaverDef whose ops were removed are dropped.
    ///
    /// Deviations from TensorFlow, each deliberate (TensorFlow's output is broken or
    /// lossy there):
    /// * The top-level SaverDef is stripped too. TensorFlow copies it verbatim, so
    ///   its names (`net/save/Const:0`) dangle in the exported graph.
    /// * Scope membership is `S/`-prefix, not a string prefix: stripping `net` drops
    ///   `network/…` and `net2/…`, which TensorFlow keeps unstripped.
    /// * Plain-string collection items that do not name a node are kept; TensorFlow
    ///   drops every string that does not start with `S`. Strings that name a node
    ///   are stripped (TensorFlow filters them but does not strip them) and, when
    ///   adding a scope, prefixed (TensorFlow's import prefixes every string).
    /// * `unbound_inputs` lists control inputs (`^$unbound_inputs_x`) too and has no
    ///   duplicates; TensorFlow drops the control entries, which makes its own
    ///   export impossible to import (the importer demands an `input_map` entry for
    ///   each `^$unbound_inputs_x` yet rejects one that `unbound_inputs` lacks).
    /// * `$unbound_inputs_` inputs are left alone by both directions.
    /// * Adding a scope also prefixes `Enter` frame names, so they keep matching the
    ///   prefixed WhileContextDef names.
    /// * Attr defaults come from the file's own `stripped_op_list` rather than the
    ///   running TensorFlow's op registry, and values compare by serialized bytes.
    /// * Nothing is added: TensorFlow's export regenerates `_output_shapes` and
    ///   stamps its own version into `meta_info_def`; this keeps the file's.
    ///
    /// - Parameters:
    ///   - metaGraph: A `tensorflow.MetaGraphDef` message; it is not modified.
    ///   - options: The edits.
    ///   - file: The file the graph was read from, named in errors about its items.
    /// - Returns: The new message and what was dropped.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for another message type
    ///   or an empty scope, `notAProtobuf` for a collection item that does not
    ///   decode as the type its collection holds.
    public static func rescope(_ metaGraph: ProtoMessage, options: RescopeOptions,
                               file: String = "<meta graph>") throws -> RescopeResult {
        guard metaGraph.type == .metaGraphDef else {
            throw MetaGraphKitError.wrongMessageType(expected: "tensorflow.MetaGraphDef", got: "\(metaGraph.type)")
        }
        let scopes: [String] = switch options.scope {
        case .strip(let s), .add(let s): [s]
        case .rename(let a, let b): [a, b]
        case nil: []
        }
        for s in scopes {
            let trimmed = NameScope(s, .strip).scope
            guard !trimmed.isEmpty else {
                throw MetaGraphKitError(.invalidArgument, "the scope must not be empty")
            }
            guard !trimmed.hasPrefix("^"), !trimmed.contains(":") else {
                throw MetaGraphKitError(.invalidArgument, "'\(s)' is not a name scope (no '^' or ':' allowed)")
            }
        }
        let copy = try ProtoMessage(binary: metaGraph.binary(), as: .metaGraphDef, file: "<copy>")
        let rescoper = Rescoper(options: options, file: file)
        try copy.withStruct(as: Tensorflow__MetaGraphDef.self) { try rescoper.run($0) }
        return RescopeResult(
            metaGraph: copy, removedNodes: rescoper.removedNodes, unboundInputs: rescoper.unboundInputs,
            droppedCollectionItems: rescoper.droppedCollectionItems, droppedSignatures: rescoper.droppedSignatures,
            droppedSaver: rescoper.droppedSaver, strippedAttrCount: rescoper.strippedAttrCount,
            clearedDeviceCount: rescoper.clearedDeviceCount)
    }
}
