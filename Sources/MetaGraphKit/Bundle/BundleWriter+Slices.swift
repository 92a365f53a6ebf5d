// Partitioned tensors in a V2 bundle: container entries and OrderedCode slice keys
// (BundleWriter::AddSlice in tensor_bundle.cc; FORMATS.md §2.9).

extension BundleWriter {
    /// Adds one slice of a partitioned tensor.
    ///
    /// A slice that covers the whole tensor is stored as a plain entry. Otherwise the
    /// container entry `name` (dtype, full shape, list of slices) gains the slice and
    /// the values go under the slice's OrderedCode key.
    ///
    /// - Parameters:
    ///   - name: The full tensor's name.
    ///   - dtype: The element type (not string: use the `strings:` form).
    ///   - fullShape: The full tensor's shape.
    ///   - slice: Which part these values are.
    ///   - produce: Writes the slice's bytes (`elementCount(slice) × elementSize`).
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for a slice outside the
    ///   shape, a repeated slice, or a dtype/shape that differs from earlier slices.
    ///
    /// TensorFlow's name for this is `BundleWriter::AddSlice`.
    public func addSliceStreaming(name: String, dtype: DType, fullShape: [Int], slice: TensorSlice,
                                  _ produce: (inout PayloadStream) throws -> Void) throws {
        guard let sliceShape = try sliceKey(name: name, dtype: dtype, fullShape: fullShape, slice: slice) else {
            return try addStreaming(name: name, dtype: dtype, shape: fullShape, produce)
        }
        let key = OrderedCode.tensorNameSliceKey(name: name, slice: slice)
        guard !entries.contains(key) else { throw duplicate("slice \(slice) of \(name)") }
        let entry = try writeFixed(key: "\(name) slice \(slice)", dtype: dtype, shape: sliceShape, produce)
        appendToContainer(name: name, dtype: dtype, fullShape: fullShape, slice: slice)
        set(key, entry)
    }

    /// Adds one slice given as bytes; see ``addSliceStreaming(name:dtype:fullShape:slice:_:)``.
    public func addSlice(name: String, dtype: DType, fullShape: [Int], slice: TensorSlice,
                         bytes: UnsafeRawBufferPointer) throws {
        try addSliceStreaming(name: name, dtype: dtype, fullShape: fullShape, slice: slice) { try $0.write(bytes) }
    }

    /// Adds one slice of a partitioned string tensor.
    public func addSlice(name: String, fullShape: [Int], slice: TensorSlice, strings: [[UInt8]]) throws {
        guard let sliceShape = try sliceKey(name: name, dtype: .string, fullShape: fullShape, slice: slice) else {
            return try add(name: name, shape: fullShape, strings: strings)
        }
        let key = OrderedCode.tensorNameSliceKey(name: name, slice: slice)
        guard !entries.contains(key) else { throw duplicate("slice \(slice) of \(name)") }
        let entry = try writeStrings(key: "\(name) slice \(slice)", shape: sliceShape, strings: strings)
        appendToContainer(name: name, dtype: .string, fullShape: fullShape, slice: slice)
        set(key, entry)
    }

    /// Checks a slice against the tensor and earlier slices; nil when it covers the
    /// whole tensor, else its shape.
    func sliceKey(name: String, dtype: DType, fullShape: [Int], slice: TensorSlice) throws -> [Int]? {
        guard !done else { throw MetaGraphKitError.invalidArgument(prefix, "add after finish") }
        let sliceShape: [Int]
        do {
            sliceShape = try slice.shape(in: fullShape, file: prefix, key: name)
        } catch let e as MetaGraphKitError {
            throw MetaGraphKitError(.invalidArgument, e.message)
        }
        if sliceShape == fullShape { return nil }
        let nameKey = Array(name.utf8)
        guard !nameKey.isEmpty else { throw MetaGraphKitError.invalidArgument(prefix, "empty tensor name") }
        if let c = entries[nameKey] {
            guard !c.slices.isEmpty else { throw duplicate(name) }
            guard c.dtype == dtype, c.shape == fullShape else {
                throw MetaGraphKitError.invalidArgument(prefix, "slice \(slice) of \(name) is \(dtype) \(fullShape), earlier slices \(c.dtype) \(c.shape)")
            }
        }
        return sliceShape
    }

    func appendToContainer(name: String, dtype: DType, fullShape: [Int], slice: TensorSlice) {
        let nameKey = Array(name.utf8)
        var c = entries[nameKey] ?? BundleEntry(dtype: dtype, shape: fullShape)
        c.slices.append(slice)
        set(nameKey, c)
    }
}
