// What the safetensors, npz and .npy readers share: tensors that are byte ranges
// of memory-mapped files, each checked against its file when it is listed.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a tensor's elements are laid out in its byte range.
enum ForeignLayout: Equatable {
    /// Raw little-endian elements.
    case raw
    /// numpy `S<width>`: fixed-width byte strings, trailing NULs dropped.
    case fixedBytes(width: Int)
    /// numpy `<U<width>`: fixed-width UCS-4 strings, made UTF-8.
    case ucs4(width: Int)
}

/// One tensor of a foreign checkpoint: where its bytes are and how to read them.
struct ForeignRegion {
    let key: String
    let dtype: DType
    let shape: [Int]
    let file: MappedFile
    /// Offset and length of the element bytes in `file` (checked against it).
    let offset: Int
    let count: Int
    let layout: ForeignLayout
    /// Whether the elements are stored column-major (numpy `fortran_order: True`):
    /// they are then reordered into a copy.
    let fortran: Bool

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: file.bytes[offset..<(offset + count)]) }

    /// Checks the range against the file and the size against dtype and shape.
    ///
    /// - Throws: ``MetaGraphKitError`` `truncated` for a range past the end,
    ///   `corrupt` for a size that does not match the shape, `tooLarge`.
    init(key: String, dtype: DType, shape: [Int], file: MappedFile, offset: Int, count: Int,
         layout: ForeignLayout, fortran: Bool = false, what: String) throws {
        guard offset >= 0, count >= 0, offset <= file.count, count <= file.count - offset else {
            throw MetaGraphKitError(.truncated,
                "\(what): \(key) needs bytes \(MetaGraphKitError.hex(offset))..+\(count) but the file has \(file.count)")
        }
        let expected = try Self.byteCount(key: key, dtype: dtype, shape: shape, layout: layout, what: what)
        guard expected == count else {
            throw MetaGraphKitError(.corrupt,
                "\(what): \(key) is \(dtype) \(shape), \(expected) bytes, but its data are \(count) bytes")
        }
        self.key = key
        self.dtype = dtype
        self.shape = shape
        self.file = file
        self.offset = offset
        self.count = count
        self.layout = layout
        self.fortran = fortran && shape.count > 1
    }

    /// The bytes a tensor of this dtype, shape and layout holds, checked: at most 254
    /// dimensions, no overflow, no zero-width strings standing for a count.
    ///
    /// - Throws: ``MetaGraphKitError`` `corrupt`, `tooLarge`, `unsupported`.
    static func byteCount(key: String, dtype: DType, shape: [Int], layout: ForeignLayout, what: String) throws -> Int {
        guard shape.count <= 254 else {
            throw MetaGraphKitError(.corrupt, "\(what): \(key) has \(shape.count) dimensions; TensorFlow allows 254")
        }
        let n = try Tensor.elementCount(shape, file: what, key: key)
        let elementSize: Int
        switch layout {
        case .raw:
            guard let size = dtype.elementSize else {
                throw MetaGraphKitError(.unsupported, "\(what): \(key) has dtype \(dtype), which has no fixed size")
            }
            elementSize = size
        case .fixedBytes(let width): elementSize = width
        case .ucs4(let width):
            let (w, overflow) = width.multipliedReportingOverflow(by: 4)
            guard !overflow else { throw MetaGraphKitError(.tooLarge, "\(what): \(key) has strings of \(width) characters") }
            elementSize = w
        }
        // Zero-width strings hold no bytes: a count of them would be an allocation the
        // file does not pay for.
        if elementSize == 0, n > 0 {
            throw MetaGraphKitError(.unsupported, "\(what): \(key) holds \(n) zero-width strings")
        }
        return try Tensor.byteCount(n, elementSize, file: what, key: key)
    }
}

/// A foreign checkpoint whose tensors are ``ForeignRegion``s of mapped files.
class MappedForeignCheckpoint: ForeignCheckpoint {
    let formatName: String
    let path: String
    let entries: [TensorEntry]
    private let regions: [String: ForeignRegion]

    /// - Parameter others: Tensors the subclass serves itself (not mapped: npz's
    ///   deflated members), listed with the regions.
    /// - Throws: ``MetaGraphKitError`` `corrupt` when two tensors share a key.
    init(formatName: String, path: String, regions list: [ForeignRegion], others: [TensorEntry] = []) throws {
        self.formatName = formatName
        self.path = path
        var regions: [String: ForeignRegion] = [:]
        regions.reserveCapacity(list.count)
        for r in list {
            guard regions[r.key] == nil else {
                throw MetaGraphKitError.corrupt(path, "the key \(r.key) appears twice")
            }
            regions[r.key] = r
        }
        for e in others where regions[e.key] != nil || others.filter({ $0.key == e.key }).count > 1 {
            throw MetaGraphKitError.corrupt(path, "the key \(e.key) appears twice")
        }
        self.regions = regions
        entries = (list.map { TensorEntry(key: $0.key, dtype: $0.dtype, shape: $0.shape, slices: []) } + others)
            .sorted { $0.key.utf8Precedes($1.key) }
    }

    func region(_ key: String) throws -> ForeignRegion {
        guard let r = regions[key] else { throw MetaGraphKitError.noTensor(path, key: key) }
        return r
    }

    func tensor(_ key: String) throws -> Tensor {
        let r = try region(key)
        return try Self.decode(key: key, dtype: r.dtype, shape: r.shape, layout: r.layout, fortran: r.fortran, bytes: r.bytes,
                               file: r.file.path)
    }

    /// A tensor from its element bytes as the file stores them (checked against
    /// dtype, shape and layout by the caller).
    static func decode(key: String, dtype: DType, shape: [Int], layout: ForeignLayout, fortran: Bool,
                       bytes b: UnsafeRawBufferPointer, file: String) throws -> Tensor {
        switch layout {
        case .raw:
            return Tensor(dtype: dtype, shape: shape, storage: .bytes(fortran ? cOrder(b, dtype: dtype, shape: shape) : Array(b)))
        case .fixedBytes(let width):
            var strings: [[UInt8]] = []
            strings.reserveCapacity(b.count / max(width, 1))
            var at = 0
            while at < b.count {
                var end = at + width
                while end > at, b[end - 1] == 0 { end -= 1 }
                strings.append(Array(b[at..<end]))
                at += width
            }
            return Tensor(dtype: .string, shape: shape, storage: .strings(cOrder(strings, shape: shape, fortran: fortran)))
        case .ucs4(let width):
            var strings: [[UInt8]] = []
            strings.reserveCapacity(b.count / max(4 * width, 1))
            var at = 0
            while at < b.count {
                var s = ""
                var end = at + 4 * width
                while end > at, b.loadUnaligned(fromByteOffset: end - 4, as: UInt32.self) == 0 { end -= 4 }
                var i = at
                while i < end {
                    let v = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                    guard let scalar = Unicode.Scalar(v) else {
                        throw MetaGraphKitError.corrupt(file, "\(key) holds \(MetaGraphKitError.hex(Int(v))), not a Unicode character", key: key)
                    }
                    s.unicodeScalars.append(scalar)
                    i += 4
                }
                strings.append(Array(s.utf8))
                at += 4 * width
            }
            return Tensor(dtype: .string, shape: shape, storage: .strings(cOrder(strings, shape: shape, fortran: fortran)))
        }
    }

    func withTensorBytes<R>(_ key: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let r = try region(key)
        switch r.layout {
        case .raw: return r.fortran ? try Self.cOrder(r.bytes, dtype: r.dtype, shape: r.shape).withUnsafeBytes(body) : try body(r.bytes)
        case .fixedBytes, .ucs4:
            throw MetaGraphKitError.unsupported(path, "\(key) is a string tensor; use tensor(_:)", key: key)
        }
    }

    /// Structure is checked when the file is opened; what is left are the values
    /// TensorFlow would refuse: bools other than 0 and 1.
    func verify() -> [MetaGraphKitError] {
        var problems: [MetaGraphKitError] = []
        for e in entries {
            guard let r = regions[e.key] else { continue }
            if r.dtype == .bool, let bad = r.bytes.firstIndex(where: { $0 > 1 }) {
                problems.append(MetaGraphKitError.corrupt(r.file.path, "\(e.key) holds the bool byte \(r.bytes[bad]) at element \(bad)", key: e.key))
            }
            if case .ucs4 = r.layout {
                do { _ = try tensor(e.key) } catch let error as MetaGraphKitError { problems.append(error) } catch {}
            }
        }
        return problems
    }

    // MARK: - Column-major arrays

    /// The row-major element index of each column-major position.
    private static func rowMajorIndex(_ shape: [Int]) -> (Int) -> Int {
        var cStrides = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { cStrides[d] = cStrides[d + 1] * shape[d + 1] }
        return { f in
            var rest = f
            var c = 0
            for d in 0..<shape.count {
                c += (rest % shape[d]) * cStrides[d]
                rest /= shape[d]
            }
            return c
        }
    }

    /// Column-major elements in row-major order.
    static func cOrder(_ src: UnsafeRawBufferPointer, dtype: DType, shape: [Int]) -> [UInt8] {
        let size = dtype.elementSize!
        let n = src.count / max(size, 1)
        guard shape.count > 1, n > 0 else { return Array(src) }
        var out = [UInt8](repeating: 0, count: src.count)
        let index = rowMajorIndex(shape)
        out.withUnsafeMutableBytes { dst in
            for f in 0..<n {
                let c = index(f)
                dst.baseAddress!.advanced(by: c * size).copyMemory(from: src.baseAddress!.advanced(by: f * size), byteCount: size)
            }
        }
        return out
    }

    private static func cOrder(_ strings: [[UInt8]], shape: [Int], fortran: Bool) -> [[UInt8]] {
        guard fortran else { return strings }
        var out = [[UInt8]](repeating: [], count: strings.count)
        let index = rowMajorIndex(shape)
        for (f, s) in strings.enumerated() { out[index(f)] = s }
        return out
    }
}
