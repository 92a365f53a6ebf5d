// The listing as packed columns for a binding (the Python binding's keys(),
// issue 14): keys in one blob, dtype and shape ids, and the payload table. For a
// V2 checkpoint without partitioned tensors they are made straight from the
// compact index, with no String or array per key; otherwise from the listing.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CheckpointReader {
    /// The entries of ``entries`` (same order) as packed columns.
    package struct ListingColumns: Equatable {
        /// Each key's UTF-8 followed by a NUL byte.
        package var keys: [UInt8] = []
        /// Where key i starts in ``keys``; one more element than keys (the end).
        package var keyOffsets: [Int64] = []
        /// Per entry, its dtype's index in ``dtypeNames``.
        package var dtypeIDs: [Int32] = []
        /// The distinct dtypes' TensorFlow names, in order of first use.
        package var dtypeNames: [String] = []
        /// Per entry, its shape's index in ``shapes``.
        package var shapeIDs: [Int32] = []
        /// The distinct shapes, in order of first use.
        package var shapes: [[Int]] = []

        /// The number of entries.
        package var count: Int { dtypeIDs.count }

        /// Ids handed out in order of first use (few distinct values, so a small
        /// dictionary behind a same-as-last check).
        private struct Interner<T: Hashable> {
            var index: [T: Int32] = [:]
            var values: [T] = []
            var last: (T, Int32)?
            mutating func id(_ v: T) -> Int32 {
                if let last, last.0 == v { return last.1 }
                let id: Int32
                if let known = index[v] { id = known } else {
                    id = Int32(values.count)
                    index[v] = id
                    values.append(v)
                }
                last = (v, id)
                return id
            }
        }

        /// The columns of a listing.
        package init(_ entries: [TensorEntry]) {
            var dtypes = Interner<Int32>(), shapes = Interner<[Int]>()
            keyOffsets.reserveCapacity(entries.count + 1)
            dtypeIDs.reserveCapacity(entries.count)
            shapeIDs.reserveCapacity(entries.count)
            for e in entries {
                keyOffsets.append(Int64(keys.count))
                keys.append(contentsOf: e.key.utf8)
                keys.append(0)
                dtypeIDs.append(dtypes.id(e.dtype.rawValue))
                shapeIDs.append(shapes.id(e.shape))
            }
            keyOffsets.append(Int64(keys.count))
            dtypeNames = dtypes.values.map { DType(rawValue: $0).name }
            self.shapes = shapes.values
        }

        /// The columns of every entry of `index`, or nil when they would not be
        /// what the listing gives: a partitioned tensor (its slice keys are hidden)
        /// or a key that is not valid UTF-8 (listed repaired).
        init?(_ index: CompactBundleIndex) {
            guard !index.hasSlices else { return nil }
            let n = index.count
            let valid = index.keyBytes.withUnsafeBufferPointer { all -> Bool in
                // The arena as a whole is UTF-8 and no key starts inside a character,
                // so every key is UTF-8.
                guard String(validating: all, as: UTF8.self) != nil else { return false }
                for i in 0..<n where Int(index.keyStarts[i]) < all.count && all[Int(index.keyStarts[i])] & 0xC0 == 0x80 {
                    return false
                }
                return true
            }
            guard valid else { return nil }
            keys = [UInt8](unsafeUninitializedCapacity: index.keyBytes.count + n) { out, written in
                index.keyBytes.withUnsafeBufferPointer { all in
                    var at = 0
                    for i in 0..<n {
                        let start = Int(index.keyStarts[i]), end = Int(index.keyStarts[i + 1])
                        if end > start { memcpy(out.baseAddress! + at, all.baseAddress! + start, end - start) }
                        at += end - start
                        out[at] = 0
                        at += 1
                    }
                    written = at
                }
            }
            keyOffsets = [Int64](unsafeUninitializedCapacity: n + 1) { out, written in
                for i in 0...n { out[i] = Int64(index.keyStarts[i]) + Int64(i) }
                written = n + 1
            }
            var dtypes = Interner<Int32>()
            dtypeIDs = [Int32](unsafeUninitializedCapacity: n) { out, written in
                for i in 0..<n { out[i] = dtypes.id(index.records[i].dtype) }
                written = n
            }
            dtypeNames = dtypes.values.map { DType(rawValue: $0).name }
            // Neighbours usually share a shape: compare dims in place, make an
            // array only for a shape not seen just before.
            var shapeIndex: [[Int]: Int32] = [:]
            var list: [[Int]] = []
            var last: Range<Int>? = nil
            var lastID: Int32 = 0
            shapeIDs = [Int32](unsafeUninitializedCapacity: n) { out, written in
                index.dims.withUnsafeBufferPointer { dims in
                    for i in 0..<n {
                        let r = index.dimRange(i)
                        if let l = last, l.count == r.count,
                           r.isEmpty || memcmp(dims.baseAddress! + l.lowerBound, dims.baseAddress! + r.lowerBound,
                                               r.count * MemoryLayout<Int>.stride) == 0 {
                            out[i] = lastID
                            continue
                        }
                        let shape = Array(dims[r])
                        let id: Int32
                        if let known = shapeIndex[shape] { id = known } else {
                            id = Int32(list.count)
                            shapeIndex[shape] = id
                            list.append(shape)
                        }
                        out[i] = id
                        last = r
                        lastID = id
                    }
                }
                written = n
            }
            shapes = list
        }
    }

    /// The listing as packed columns with its payload table (decoding a lazily
    /// opened index first): straight from the compact index for a V2 checkpoint
    /// without partitioned tensors or non-UTF-8 keys (no listing made), from
    /// ``entries`` otherwise.
    ///
    /// - Throws: as ``loadEntries()``.
    package func listingColumns() throws -> (columns: ListingColumns, payloads: PayloadTable) {
        if !isListingLoaded, let bundle {
            try bundle.loadIndex()
            if let index = bundle.compact, let columns = ListingColumns(index) {
                return (columns, PayloadTable(index))
            }
        }
        return try listingColumnsFromEntries()
    }

    /// ``listingColumns()`` made from the listing, whatever the format (the
    /// general path; tests compare the two).
    package func listingColumnsFromEntries() throws -> (columns: ListingColumns, payloads: PayloadTable) {
        (ListingColumns(try loadEntries()), try payloadTable())
    }
}
