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
            let first = try reader.tensor(t.sources[0])
            guard case .bytes = first.storage, let size = first.dtype.elementSize else {
                guard t.sources.count == 1, t.transforms.isEmpty, t.split == nil, case .strings(let s) = first.storage else {
                    throw MetaGraphKitError(.unsupported, "\(reader.prefix): \(t.sources[0]) is \(first.dtype); rules only merge its slices")
                }
                try out.writer.add(name: t.name, shape: first.shape, strings: s)
                continue
            }
            var bytes: [UInt8]
            var shape: [Int]
            var dtype = first.dtype
            if t.sources.count > 1 {
                var parts: [(bytes: [UInt8], shape: [Int])] = [(first.bytes!, first.shape)]
                for key in t.sources.dropFirst() {
                    let p = try reader.tensor(key)
                    parts.append((p.bytes ?? [], p.shape))
                }
                let axis = t.mergeAxis ?? 0
                bytes = TensorBytes.concatenate(parts, axis: axis, elementSize: size)
                shape = first.shape
                shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
            } else {
                bytes = first.bytes!
                shape = first.shape
            }
            for transform in t.transforms {
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
                    if err > (worst?.maxError ?? -1) { worst = CastError(key: t.name, maxError: err) }
                }
            }
            if let (parts, axis) = t.split {
                var start = 0
                for length in TensorBytes.partitionSizes(shape[axis], parts: parts) {
                    var extents = shape.map { _ in TensorSlice.Extent() }
                    extents[axis] = TensorSlice.Extent(start: Int64(start), length: Int64(length))
                    let block = TensorBytes.slice(bytes, shape: shape, axis: axis, start: start, length: length,
                                                  elementSize: dtype.elementSize!)
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
