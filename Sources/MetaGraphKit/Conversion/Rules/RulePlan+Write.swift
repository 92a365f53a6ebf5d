// Writing a RulePlan: tensors without a value change are copied as stored
// (RemapOutput); the others are read, changed and written one at a time, so at
// most one tensor (its parts and its changed copy) is in memory.

/// The largest rounding error a `cast` step made.
public struct CastError: Sendable, Equatable {
    /// The tensor (its written name).
    public let key: String
    /// The largest absolute difference between an element and its cast value.
    public let maxError: Double
}

extension RulePlan {
    /// Writes every planned tensor of `reader` into `out`.
    ///
    /// - Returns: The largest cast error, if a cast happened.
    /// - Throws: ``MetaGraphKitError`` from reading the source or writing, and
    ///   `unsupported` for a value change of a string tensor.
    func write(from reader: CheckpointReader, to out: RemapOutput) throws -> CastError? {
        var worst: CastError?
        for t in tensors {
            if t.copiedAsStored {
                try out.copy(reader, key: t.sources[0], as: t.name)
                continue
            }
            let (value, err) = try t.value(from: reader)
            if let err, err > (worst?.maxError ?? -1) { worst = CastError(key: t.name, maxError: err) }
            guard let bytes = value.bytes, let elementSize = value.dtype.elementSize else {
                try out.writer.add(name: t.name, shape: value.shape, strings: value.strings ?? [])
                continue
            }
            let shape = value.shape
            let dtype = value.dtype
            if let (parts, axis) = t.split {
                var start = 0
                for length in TensorBytes.partitionSizes(shape[axis], parts: parts) {
                    var extents = shape.map { _ in TensorSlice.Extent() }
                    extents[axis] = TensorSlice.Extent(start: Int64(start), length: Int64(length))
                    let block = TensorBytes.slice(bytes, shape: shape, axis: axis, start: start, length: length,
                                                  elementSize: elementSize)
                    try block.withUnsafeBytes {
                        try out.writer.addSlice(name: t.name, dtype: dtype, fullShape: shape,
                                                slice: TensorSlice(extents: extents), bytes: $0)
                    }
                    start += length
                }
            } else {
                try bytes.withUnsafeBytes { try out.writer.add(name: t.name, dtype: dtype, shape: shape, bytes: $0) }
            }
        }
        return worst
    }
}

extension PlannedTensor {
    /// The tensor's whole value as the steps make it: its parts joined (or its
    /// slices assembled), then transposed, reshaped and cast in order. A `split`
    /// is not applied (it only changes how the value is stored). At most this one
    /// tensor, its parts and its changed copy are in memory.
    ///
    /// Every command that applies rules to values (`ckpt rename`, `to-object`,
    /// `to-names`, `export`, `import`, `diff`, `to-keras`) reads changed tensors
    /// through this one function.
    ///
    /// - Parameter reader: The checkpoint holding ``sources``.
    /// - Returns: The value, and the largest rounding error when a `cast` step applied.
    /// - Throws: ``MetaGraphKitError`` from reading a source, and `unsupported` for a
    ///   value change or merge of a string tensor.
    public func value(from reader: CheckpointReader) throws -> (tensor: Tensor, castError: Double?) {
        let first = try reader.tensor(sources[0])
        guard case .bytes = first.storage, let size = first.dtype.elementSize else {
            guard sources.count == 1, transforms.isEmpty, case .strings = first.storage else {
                throw MetaGraphKitError.unsupported(reader.prefix, "\(sources[0]) is \(first.dtype); rules only merge its slices")
            }
            return (first, nil)
        }
        var bytes: [UInt8]
        var shape: [Int]
        var dtype = first.dtype
        var worst: Double?
        if sources.count > 1 {
            var parts: [(bytes: [UInt8], shape: [Int])] = [(first.bytes!, first.shape)]
            for key in sources.dropFirst() {
                let p = try reader.tensor(key)
                guard p.dtype == first.dtype, p.shape.count == first.shape.count else {
                    throw MetaGraphKitError.corrupt(reader.prefix, "\(key) is \(p.dtype) \(p.shape), unlike \(sources[0]) (\(first.dtype) \(first.shape))")
                }
                parts.append((p.bytes ?? [], p.shape))
            }
            let axis = mergeAxis ?? 0
            bytes = TensorBytes.concatenate(parts, axis: axis, elementSize: size)
            shape = first.shape
            shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        } else {
            bytes = first.bytes!
            shape = first.shape
        }
        for transform in transforms {
            switch transform {
            case .transpose(let perm):
                bytes = TensorBytes.transpose(bytes, shape: shape, elementSize: dtype.elementSize!, perm: perm)
                shape = perm.map { shape[$0] }
            case .reshape(let s):
                shape = s
            case .cast(let to):
                let (b, err) = TensorBytes.cast(bytes, from: dtype, to: to)
                bytes = b
                dtype = to
                worst = max(worst ?? 0, err)
            }
        }
        return (Tensor(dtype: dtype, shape: shape, storage: .bytes(bytes)), worst)
    }
}
