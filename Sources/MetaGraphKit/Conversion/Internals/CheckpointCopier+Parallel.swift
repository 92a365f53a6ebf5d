// Migration on several cores: the copy order is walked once on this thread, as
// the serial copy does (small payloads, strings and slices written in turn, every
// place and index entry fixed in the same order), and the large fixed-size
// payloads it leaves behind are copied afterwards on `jobs` threads, each into
// the place reserved for it. The destination is byte for byte what a serial copy
// writes; the error reported is the one a serial copy would have stopped at.
import Glibc

/// One payload copy left for a worker thread: `count` bytes of `source` at
/// `sourceOffset` into a reserved place, checked by `check` (given the bytes'
/// unmasked CRC32C, it returns the error to report, or nil).
struct DeferredCopy {
    /// The index of the tensor in the copy order (for choosing the error a serial
    /// copy would have reported).
    let tensor: Int
    let source: Int32
    let sourceOffset: Int
    let place: ReservedPayload
    let check: (UInt32) -> MetaGraphKitError?

    /// Copies the payload with `pread`/`pwrite` through `buffer`, its CRC32C
    /// computed on the way, and checks it.
    ///
    /// - Returns: The payload's CRC32C (unmasked).
    func run(buffer: UnsafeMutableRawBufferPointer) throws -> UInt32 {
        var crc: UInt32 = 0
        var done = 0
        let path = place.file.path
        while done < place.count {
            let n = try SystemCalls.pread(source, into: buffer.baseAddress!, count: min(place.count - done, buffer.count),
                                          offset: sourceOffset + done, path: path, failure: "cannot read the source of a copy")
            guard n > 0 else {
                throw MetaGraphKitError(.io, "\(path): cannot read the source of a copy: end of file", file: path)
            }
            let piece = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            crc = CRC32C.extend(crc, piece)
            try place.write(piece, at: done)
            done += n
        }
        if let error = check(crc) { throw error }
        return crc
    }
}

extension CheckpointCopier {
    /// Bytes each worker copies at a time.
    static let deferredChunk = 1 << 20

    /// Runs `plan` (the walk over every tensor); with ``deferring`` set, then
    /// copies the payloads it deferred on several threads and records their
    /// CRCs. When the walk stops at a tensor, the deferred copies of the tensors
    /// before it are still made, so a damaged earlier payload is reported first,
    /// as a serial copy reports it.
    ///
    /// - Throws: The error of the first tensor (in copy order) that failed.
    func planned(_ plan: () throws -> Void) throws {
        guard let deferring else { return try plan() }
        var failure: (any Error)?
        do { try plan() } catch { failure = error }
        let failedAt = failure == nil ? Int.max : current
        let copies = deferred.filter { $0.tensor < failedAt }
        deferred = []
        // Copies are independent; each writes only its own place and its own slot.
        var crcs = [UInt32](repeating: 0, count: copies.count)
        try crcs.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer
            try ShardScheduler.run(count: copies.count, jobs: deferring.jobs) { i in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(Self.deferredChunk, max(1, copies[i].place.count)),
                                                                    alignment: 64)
                defer { buffer.deallocate() }
                slots[i] = try copies[i].run(buffer: buffer)
            }
        }
        if let failure { throw failure }
        for (copy, crc) in zip(copies, crcs) { writer.settle(copy.place, crc: crc) }
    }
}
