// Large V1 values that are stored as the very bytes a V2 bundle or an export
// holds: copied by the kernel or with pread, never decoded.

/// Where one stored V1 slice's element bytes lie, verbatim, in its table file.
///
/// A `SavedSlice`'s TensorProto keeps float, double and complex values as one
/// packed field, and other fixed-size types may be in `tensor_content`: either
/// way the field's bytes are the little-endian elements in row-major order, the
/// layout a V2 bundle and safetensors use. Such a payload can be copied straight
/// from the file, provided its block's CRC is checked some other way: read the
/// whole block and compare with ``storedCRC`` (export, on another core), or
/// combine the payload's CRC with the rest (``blockCRC(payloadCRC:)``, migrate).
struct VerbatimPayload {
    /// The table the slice is stored in.
    let table: TableReader
    /// The uncompressed block holding the slice (contents only, no trailer).
    let block: BlockHandle
    /// The payload's offset in the file, and its length in bytes.
    let offset: Int
    let count: Int
    /// The block's stored CRC32C (unmasked) over its contents and type byte.
    let storedCRC: UInt32

    /// The CRC32C of the whole block (contents and type byte) given the
    /// payload's, computed over the bytes around the payload only.
    func blockCRC(payloadCRC: UInt32) -> UInt32 {
        let bytes = table.file.bytes
        let contents = UnsafeRawBufferPointer(rebasing: bytes[block.offset..<block.offset + block.size])
        let start = offset - block.offset, end = start + count
        let before = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: contents[0..<start]))
        let after = CRC32C.extend(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: contents[end...])), [0])
        return CRC32C.combine(CRC32C.combine(before, payloadCRC, secondLength: count),
                              after, secondLength: contents.count - end + 1)
    }

    /// The error for a block whose CRC does not match, naming the slice.
    func checksumError(_ what: String) -> MetaGraphKitError {
        MetaGraphKitError.badChecksum(table.name, "block checksum mismatch in block at byte \(MetaGraphKitError.hex(block.offset)) (\(what))")
    }
}

extension TensorSliceReader {
    /// The verbatim payload of one stored slice when it is at least `minimumSize`
    /// bytes of packed float/double/complex values or `tensor_content` in an
    /// uncompressed block; nil when the slice must be decoded (the checked path
    /// then reads it, and reports any damage).
    ///
    /// The block is parsed without its CRC: the caller must check it (see
    /// ``VerbatimPayload``) before trusting the bytes it copied.
    func verbatimPayload(_ item: Item, _ slice: TensorSlice, file index: Int, minimumSize: Int = 1 << 20) -> VerbatimPayload? {
        let table = tables[index]
        guard let size = item.dtype.elementSize,
              let sliceShape = try? slice.shape(in: item.shape, file: table.name, key: item.name),
              let count = try? Tensor.elementCount(sliceShape, file: table.name, key: item.name),
              let byteCount = try? Tensor.byteCount(count, size, file: table.name, key: item.name),
              byteCount >= minimumSize else { return nil }
        let key = OrderedCode.tensorNameSliceKey(name: item.name, slice: slice)
        var found: BlockHandle?
        try? table.index.forEach(from: table.index.lowerRestart(key)) { indexKey, handleBytes in
            if Block.compare(indexKey, key) < 0 { return true }
            var cursor = ByteCursor(handleBytes, file: table.name)
            found = try BlockHandle(from: &cursor)
            return false
        }
        let bytes = table.file.bytes
        guard let handle = found, handle.size <= bytes.count, handle.offset <= bytes.count - handle.size,
              bytes.count - handle.size - handle.offset >= BlockHandle.trailerSize,
              bytes[handle.offset + handle.size] == 0 else { return nil }
        let contents = UnsafeRawBufferPointer(rebasing: bytes[handle.offset..<handle.offset + handle.size])
        guard let block = try? Block(storage: BlockStorage(borrowing: contents, from: table.file), fileOffset: handle.offset, file: table.name),
              let hit = try? block.seek(key), Block.compare(hit.key, key) == 0,
              let payload = try? Self.rawValues(hit.value, dtype: item.dtype, count: count, size: size, file: table.name, key: item.name)
        else { return nil }
        let stored = CRC32C.unmask(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: handle.offset + handle.size + 1, as: UInt32.self)))
        return VerbatimPayload(table: table, block: handle, offset: handle.offset + (payload.baseAddress! - contents.baseAddress!),
                               count: payload.count, storedCRC: stored)
    }

    /// The element bytes of a `SavedTensorSlices.data.data` TensorProto when they are
    /// stored verbatim: one `tensor_content`, or one packed float/double/complex field
    /// holding every element. Nil when decoding is needed.
    static func rawValues(_ value: UnsafeRawBufferPointer, dtype: DType, count: Int, size: Int,
                          file: String, key: String) throws -> UnsafeRawBufferPointer? {
        let packedField: UInt64? = switch dtype {
        case .float32: 5
        case .float64: 6
        case .complex64: 9
        case .complex128: 12
        default: nil
        }
        let expected = try Tensor.byteCount(count, size, file: file, key: key)
        var top = ProtoFieldReader(value, file: file, message: "tensorflow.SavedTensorSlices (\(key))")
        while let f = try top.next() {
            guard f.number == 2 else { continue }
            var saved = try f.subReader(top, message: "tensorflow.SavedSlice")
            var found: UnsafeRawBufferPointer?
            while let g = try saved.next() {
                guard g.number == 3 else { continue }
                guard found == nil else { return nil }
                var proto = try g.subReader(saved, message: "tensorflow.TensorProto")
                var hit: UnsafeRawBufferPointer?
                while let h = try proto.next() {
                    if h.number == 4 || h.number == packedField, case .bytes(let b, _) = h.value {
                        guard hit == nil else { return nil }
                        hit = b
                    } else if ([5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 18] as [UInt64]).contains(h.number) {
                        return nil
                    }
                }
                guard let hit, hit.count == expected else { return nil }
                found = hit
            }
            return found
        }
        return nil
    }
}
