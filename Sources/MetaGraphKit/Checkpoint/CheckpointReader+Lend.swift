// Tensor bytes that outlive a closure, for bindings (the C ABI of TFMetaC) that
// hand a tensor to another runtime: the mapped data file's bytes where a V2 tensor
// is stored whole, a copy otherwise.

extension CheckpointReader {
    /// Raw tensor bytes handed out beyond a closure's scope.
    package enum LentBytes {
        /// Bytes of a data file this reader keeps mapped: valid, unchanged, for as
        /// long as the reader lives. The checks of ``CheckpointReader/tensor(_:)``
        /// (bounds, size and, unless skipped, the CRC) have passed.
        case mapped(UnsafeRawBufferPointer)
        /// A copy (sliced, V1 and foreign tensors): the assembled tensor's bytes.
        case owned([UInt8])
    }

    /// The raw element bytes of a fixed-size tensor, without a copy where the
    /// tensor is a V2 payload stored whole.
    ///
    /// - Parameters:
    ///   - key: The tensor's name.
    ///   - checkCRC: false to skip the CRC of a mapped payload (bounds and size are
    ///     still checked) for a caller that reads only part of it.
    /// - Returns: The bytes; mapped ones stay valid while this reader lives.
    /// - Throws: as ``tensor(_:)``, and `unsupported` for string tensors.
    package func lendTensorBytes(_ key: String, checkCRC: Bool = true) throws -> LentBytes {
        guard let bytes = try lookupKeyBytes(key) else {
            throw MetaGraphKitError.noTensor(prefix, key: key)
        }
        if let bundle, let e = try bundle.entry(bytes), e.slices.isEmpty, e.dtype.elementSize != nil {
            // The shard stays in the bundle's table of mapped files until the reader
            // goes, so the pointer may leave the closure. Pages are kept: the caller
            // is about to read them.
            let lent = try bundle.withPayload(e, key: key, checkCRC: checkCRC, releasePages: false) { $0 }
            return .mapped(lent)
        }
        let t = try tensor(key)
        guard case .bytes(let b) = t.storage else {
            throw MetaGraphKitError.unsupported(prefix, "\(key) is a string tensor; read its strings", key: key)
        }
        return .owned(b)
    }

    /// Facts about the checkpoint for a binding's `metadata`: format, prefix, and
    /// for V2 the number of data files.
    package var metadata: [(String, String)] {
        var out: [(String, String)] = [("format", formatName), ("prefix", prefix)]
        if let bundle { out.append(("data_files", String(bundle.header.numShards))) }
        if let slices { out.append(("files", String(slices.tables.count))) }
        return out
    }
}
