// Copies stored slices into a full tensor. TensorFlow does this per dtype
// (tensor_slice_util.h CopyDataFromTensorSliceToTensorSlice) and only for some
// dtypes; here the copy is dtype-agnostic: runs of fixed-size elements are moved
// with memcpy, strings element by element.

/// Builds a full tensor from slices.
struct SliceAssembler {
    let dtype: DType
    let shape: [Int]
    let count: Int
    let file: String
    let key: String
    private var bytes: [UInt8]
    private var strings: [[UInt8]]
    private(set) var covered = 0

    init(dtype: DType, shape: [Int], file: String, key: String) throws {
        self.dtype = dtype
        self.shape = shape
        self.file = file
        self.key = key
        count = try Tensor.elementCount(shape, file: file, key: key)
        if dtype == .string {
            bytes = []
            strings = Array(repeating: [], count: count)
        } else if let size = dtype.elementSize {
            bytes = [UInt8](repeating: 0, count: try Tensor.byteCount(count, size, file: file, key: key))
            strings = []
        } else {
            throw MetaGraphKitError.unsupported(file, "\(key) has dtype \(dtype), whose values are not decoded")
        }
    }

    /// The slices' element counts must add up to the tensor's (TF rejects gaps);
    /// checked before anything is allocated.
    ///
    /// - Returns: The tensor's element count.
    static func checkCoverage(_ slices: [TensorSlice], shape: [Int], file: String, key: String) throws -> Int {
        let total = try Tensor.elementCount(shape, file: file, key: key)
        var sum = 0
        for s in slices {
            let (next, overflow) = sum.addingReportingOverflow(
                try Tensor.elementCount(s.shape(in: shape, file: file, key: key), file: file, key: key))
            guard !overflow else { throw MetaGraphKitError.tooLarge(file, "\(key) has too many elements") }
            sum = next
        }
        guard sum == total else {
            throw MetaGraphKitError.corrupt(file, "the slices of \(key) hold \(sum) of its \(total) elements")
        }
        return total
    }

    /// Visits each contiguous run of the slice: (offset in the slice, offset in the
    /// full tensor, run length), in elements.
    static func forEachRun(slice: TensorSlice, shape: [Int], file: String, key: String,
                           _ body: (Int, Int, Int) throws -> Void) throws {
        let ranges = try (0..<shape.count).map { try slice.range($0, in: shape, file: file, key: key) }
        guard slice.extents.count == shape.count else {
            throw MetaGraphKitError.corrupt(file, "slice \(slice) of \(key) does not match rank \(shape.count)")
        }
        if shape.isEmpty { try body(0, 0, 1); return }
        if ranges.contains(where: { $0.length == 0 }) { return }
        var strides = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        let last = shape.count - 1
        let run = ranges[last].length
        var index = [Int](repeating: 0, count: shape.count)  // position within the slice, last dim fixed at 0
        var source = 0
        while true {
            var dest = ranges[last].start
            for d in 0..<last { dest += (ranges[d].start + index[d]) * strides[d] }
            try body(source, dest, run)
            source += run
            var d = last - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < ranges[d].length { break }
                index[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// Copies one slice's fixed-size element bytes into place.
    mutating func add(slice: TensorSlice, bytes source: UnsafeRawBufferPointer) throws {
        let size = dtype.elementSize ?? 1
        let sliceShape = try slice.shape(in: shape, file: file, key: key)
        let n = try Tensor.elementCount(sliceShape, file: file, key: key)
        guard source.count == n * size else {
            throw MetaGraphKitError.corrupt(file, "slice \(slice) of \(key) holds \(source.count) bytes, expected \(n * size)")
        }
        try bytes.withUnsafeMutableBytes { dest in
            try Self.forEachRun(slice: slice, shape: shape, file: file, key: key) { from, to, run in
                (dest.baseAddress! + to * size).copyMemory(from: source.baseAddress! + from * size, byteCount: run * size)
            }
        }
        covered += n
    }

    /// Copies one slice's strings into place.
    mutating func add(slice: TensorSlice, strings source: [[UInt8]]) throws {
        let sliceShape = try slice.shape(in: shape, file: file, key: key)
        let n = try Tensor.elementCount(sliceShape, file: file, key: key)
        guard source.count == n else {
            throw MetaGraphKitError.corrupt(file, "slice \(slice) of \(key) holds \(source.count) strings, expected \(n)")
        }
        try Self.forEachRun(slice: slice, shape: shape, file: file, key: key) { from, to, run in
            for i in 0..<run { strings[to + i] = source[from + i] }
        }
        covered += n
    }

    /// The full tensor.
    func tensor() -> Tensor {
        Tensor(dtype: dtype, shape: shape, storage: dtype == .string ? .strings(strings) : .bytes(bytes))
    }
}
