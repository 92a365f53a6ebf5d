// BundleEntryProto bytes written straight into a reused buffer, one index entry
// after another (BundleWriter.finish), with no message objects per entry. The
// bytes are protobuf-c's for the same entry (BundleProtoEncoding.entry, which
// BundleEntryEncoderTests compares them with): fields in number order, proto3
// zeros left out, `shape` always present, an extent's `length` written whenever set.

/// Encodes `BundleEntryProto`s into one buffer it keeps between entries.
struct BundleEntryEncoder {
    /// The last entry's bytes.
    private(set) var bytes: [UInt8] = []
    /// Submessage scratch (a shape, a slice, an extent), reused.
    private var inner: [UInt8] = []
    private var innermost: [UInt8] = []

    init() {
        bytes.reserveCapacity(256)
        inner.reserveCapacity(128)
        innermost.reserveCapacity(32)
    }

    /// Encodes `e`; the bytes are in ``bytes`` until the next call.
    mutating func encode(_ e: BundleEntry) {
        bytes.removeAll(keepingCapacity: true)
        // 1 dtype (enum: int32, sign-extended)
        Self.varintField(1, UInt64(bitPattern: Int64(e.dtype.rawValue)), to: &bytes)
        // 2 shape: TensorShapeProto {2 dim: Dim {1 size}}
        inner.removeAll(keepingCapacity: true)
        for d in e.shape {
            innermost.removeAll(keepingCapacity: true)
            Self.varintField(1, UInt64(bitPattern: Int64(d)), to: &innermost)
            Self.message(2, innermost, to: &inner)
        }
        Self.message(2, inner, to: &bytes)
        // 3 shard_id (int32), 4 offset, 5 size (int64)
        Self.varintField(3, UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: e.shardID))), to: &bytes)
        Self.varintField(4, UInt64(bitPattern: e.offset), to: &bytes)
        Self.varintField(5, UInt64(bitPattern: e.size), to: &bytes)
        // 6 crc32c (fixed32)
        if e.crc32c != 0 {
            bytes.append(6 << 3 | 5)
            withUnsafeBytes(of: e.crc32c.littleEndian) { bytes.append(contentsOf: $0) }
        }
        // 7 slices: TensorSliceProto {1 extent: Extent {1 start, 2 length (oneof)}}
        for slice in e.slices {
            inner.removeAll(keepingCapacity: true)
            for x in slice.extents {
                innermost.removeAll(keepingCapacity: true)
                if let length = x.length {
                    Self.varintField(1, UInt64(bitPattern: x.start), to: &innermost)
                    innermost.append(2 << 3)
                    Varint.append(UInt64(bitPattern: length), to: &innermost)
                }
                Self.message(1, innermost, to: &inner)
            }
            Self.message(7, inner, to: &bytes)
        }
    }

    /// A varint field, left out when zero (proto3).
    private static func varintField(_ number: UInt8, _ value: UInt64, to out: inout [UInt8]) {
        guard value != 0 else { return }
        out.append(number << 3)
        Varint.append(value, to: &out)
    }

    /// A length-delimited field.
    private static func message(_ number: UInt8, _ body: [UInt8], to out: inout [UInt8]) {
        out.append(number << 3 | 2)
        Varint.append(UInt64(body.count), to: &out)
        out.append(contentsOf: body)
    }
}
