// One variable as tf.train.list_variables shows it.

/// One tensor of a checkpoint: key, type, full shape, and the slices it is stored in.
public struct TensorEntry: Sendable, Equatable {
    /// The tensor's name (checkpoint key).
    public let key: String
    /// The element type.
    public let dtype: DType
    /// The full shape.
    public let shape: [Int]
    /// The stored slices; empty for a tensor stored whole (V2), or its single full
    /// slice (V1 stores every tensor as slices).
    public let slices: [TensorSlice]
}
