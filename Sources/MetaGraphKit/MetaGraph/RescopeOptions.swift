// What `tfmeta meta rescope` does to a MetaGraphDef: TensorFlow's export_scope /
// import_scope, clear_devices, strip_default_attrs and clear_extraneous_savers
// (tensorflow/python/framework/meta_graph.py), applied to a file.

/// The edits of ``MetaGraphTransform/rescope(_:options:)``.
///
/// Mirrors the arguments of TensorFlow's `export_scoped_meta_graph`
/// (`export_scope`, `clear_devices`, `strip_default_attrs`,
/// `clear_extraneous_savers`) and the `import_scope` of `import_scoped_meta_graph`.
public struct RescopeOptions: Sendable, Hashable {
    /// A scope to strip or add.
    public enum Scope: Sendable, Hashable {
        /// Keep only the nodes under `scope/` and remove the scope from every name,
        /// as `export_scope` does.
        case strip(String)
        /// Put every name under `scope/`, as `import_scope` does.
        case add(String)
        /// Rename scope `from/` to `to/` (`--strip-scope A --add-scope B`), keeping
        /// the nodes outside it unchanged.
        case rename(from: String, to: String)
    }

    /// The scope edit, or nil for none.
    public var scope: Scope?
    /// Empty every node's `device`.
    public var clearDevices: Bool
    /// Remove attrs equal to their OpDef default (from the file's own
    /// `stripped_op_list`) and set `meta_info_def.stripped_default_attrs`.
    public var stripDefaultAttrs: Bool
    /// Drop the nodes of every saver but the one the top-level SaverDef names, and
    /// make the `savers` collection hold only that SaverDef.
    public var clearExtraneousSavers: Bool

    /// Creates options; by default nothing changes.
    ///
    /// - Parameters:
    ///   - scope: The scope to strip or add.
    ///   - clearDevices: Empty every node's device.
    ///   - stripDefaultAttrs: Remove default-valued attrs.
    ///   - clearExtraneousSavers: Keep only the top-level saver.
    public init(scope: Scope? = nil, clearDevices: Bool = false, stripDefaultAttrs: Bool = false,
                clearExtraneousSavers: Bool = false) {
        self.scope = scope
        self.clearDevices = clearDevices
        self.stripDefaultAttrs = stripDefaultAttrs
        self.clearExtraneousSavers = clearExtraneousSavers
    }
}
