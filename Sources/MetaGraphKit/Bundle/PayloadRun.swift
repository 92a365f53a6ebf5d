// Small payloads adjacent in one mapped data file, gathered so that they reach
// the destination in one write of up to 2 MiB instead of one write each (copies
// of a bundle's payloads in index order: export, rename from the index).

/// A run of adjacent payload bytes of one mapped data file, waiting to be written.
struct PayloadRun {
    /// The most bytes one run gathers: few enough that the source pages a run has
    /// touched go back soon (2 MiB, one write of which costs no more per byte
    /// than larger ones).
    static let limit = 2 << 20

    private var file: MappedFile?
    private var start = 0
    private var end = 0

    /// Bytes gathered and not yet written.
    var pending: Int { end - start }

    /// Adds `size` bytes at `offset` of `source` to the run, writing the run first
    /// through `write` when they do not continue it.
    mutating func add(_ source: MappedFile, offset: Int, size: Int,
                      write: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        if let file, file === source, end == offset, pending + size <= Self.limit {
            end += size
            return
        }
        try flush(write)
        file = source
        start = offset
        end = offset + size
    }

    /// Writes the run through `write` and empties it. A written run of
    /// ``MappedFile/releaseThreshold`` bytes or more gives its pages back (the page
    /// cache keeps them), so memory stays flat whatever the data's size.
    mutating func flush(_ write: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        if let file, end > start {
            let run = UnsafeRawBufferPointer(rebasing: file.bytes[start..<end])
            try write(run)
            if run.count >= MappedFile.releaseThreshold { file.releaseResidentPages(run) }
        }
        file = nil
        start = 0
        end = 0
    }
}
