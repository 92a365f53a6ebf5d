// A graph variable as its collections describe it (VariableDef, variable.proto)
// together with its variable op's dtype and shape attrs.

/// One variable of a meta graph: its VariableDef and its op's `dtype`/`shape`.
///
/// TensorFlow's name for the stored part is `tensorflow.VariableDef`.
public struct VariableInfo: Sendable, Hashable, JSONReportable {
    /// How a partition of a partitioned variable sits in the whole
    /// (`tensorflow.SaveSliceInfoDef`).
    public struct Partition: Sendable, Hashable {
        /// The whole variable's name (`net/part`), the checkpoint key.
        public var fullName: String
        /// The whole variable's shape.
        public var fullShape: [Int64]
        /// Where this partition starts, per dimension.
        public var varOffset: [Int64]
        /// This partition's shape.
        public var varShape: [Int64]
    }

    /// `variable_name`, a tensor name (`net/w:0`).
    public var name: String
    /// The variable op's name (`net/w`).
    public var opName: String
    /// The variable op's type (`VariableV2`, `VarHandleOp`); "" if the graph lacks it.
    public var op: String
    /// The element type from the op's `dtype` attr (`float32`); "" if absent.
    public var dtype: String
    /// The shape from the op's `shape` attr (-1 unknown); nil if absent or of
    /// unknown rank.
    public var shape: [Int64]?
    /// `trainable`, or membership of the `trainable_variables` collection.
    public var trainable: Bool
    /// `is_resource`.
    public var isResource: Bool
    /// `initializer_name` (an op).
    public var initializerName: String
    /// `snapshot_name` (a tensor).
    public var snapshotName: String
    /// `initial_value_name` (a tensor).
    public var initialValueName: String
    /// The collections that list the variable, in file order.
    public var collections: [String]
    /// The partition, for a partitioned variable's part.
    public var partition: Partition?

    /// The item shape of `tfmeta meta variables --json`: `{"name", "op_name", "op",
    /// "dtype", "shape" ([Int] or null), "trainable", "is_resource",
    /// "initializer_name", "snapshot_name", "initial_value_name", "collections"
    /// ([String]), "partition" (null or {"full_name", "full_shape", "var_offset",
    /// "var_shape"})}`.
    public var jsonValue: JSONValue {
        func ints(_ a: [Int64]) -> JSONValue { .array(a.map { .int($0) }) }
        return .object([
            ("name", .string(name)), ("op_name", .string(opName)), ("op", .string(op)),
            ("dtype", .string(dtype)), ("shape", shape.map(ints) ?? .null),
            ("trainable", .bool(trainable)), ("is_resource", .bool(isResource)),
            ("initializer_name", .string(initializerName)), ("snapshot_name", .string(snapshotName)),
            ("initial_value_name", .string(initialValueName)),
            ("collections", .array(collections.map { .string($0) })),
            ("partition", partition.map {
                .object([("full_name", .string($0.fullName)), ("full_shape", ints($0.fullShape)),
                         ("var_offset", ints($0.varOffset)), ("var_shape", ints($0.varShape))])
            } ?? .null),
        ])
    }
}
