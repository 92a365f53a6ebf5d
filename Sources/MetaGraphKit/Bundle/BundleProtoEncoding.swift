// Encoding the protos of a V2 bundle index with protobuf-c
// (tensorflow/core/protobuf/tensor_bundle.proto, tensor_shape.proto, tensor_slice.proto).
internal import CProtobufC
internal import CTFProtos

/// Builds `BundleHeaderProto` and `BundleEntryProto` bytes exactly as TensorFlow
/// writes them: proto3 defaults omitted, `shape` always present (empty for a
/// scalar), `Extent.length` present for every partial dimension.
enum BundleProtoEncoding {
    private static let dimType = ProtoMessageType.named("tensorflow.TensorShapeProto.Dim")!
    private static let shapeType = ProtoMessageType.named("tensorflow.TensorShapeProto")!
    private static let sliceType = ProtoMessageType.named("tensorflow.TensorSliceProto")!
    private static let extentType = ProtoMessageType.named("tensorflow.TensorSliceProto.Extent")!
    private static let versionType = ProtoMessageType.named("tensorflow.VersionDef")!

    /// A bundle's `VersionDef`: what TensorFlow's writer puts in every header
    /// (`producer: 1`) unless a merge carries its parts' version along.
    struct Version: Equatable, Sendable, CustomStringConvertible {
        var producer: Int32 = 1
        var minConsumer: Int32 = 0
        var badConsumers: [Int32] = []

        var description: String {
            "{producer \(producer), min_consumer \(minConsumer)" + (badConsumers.isEmpty ? "}" : ", bad_consumers \(badConsumers)}")
        }
    }

    /// `{num_shards: n, version: {producer: 1}}` (endianness LITTLE, omitted).
    static func header(numShards: Int) -> [UInt8] { header(numShards: numShards, version: Version()) }

    /// `{num_shards: n, version: …}` (endianness LITTLE, omitted).
    static func header(numShards: Int, version v: Version) -> [UInt8] {
        let message = ProtoMessage(empty: .bundleHeader)
        message.withStruct(as: Tensorflow__BundleHeaderProto.self) { p in
            p.pointee.num_shards = Int32(numShards)
            let version = allocate(versionType, as: Tensorflow__VersionDef.self)
            version.pointee.producer = v.producer
            version.pointee.min_consumer = v.minConsumer
            version.pointee.n_bad_consumers = v.badConsumers.count
            version.pointee.bad_consumers = CMutation.newArray(v.badConsumers)
            p.pointee.version = version
        }
        return message.binary()
    }

    /// One index entry.
    static func entry(_ e: BundleEntry) -> [UInt8] {
        let message = ProtoMessage(empty: .bundleEntry)
        message.withStruct(as: Tensorflow__BundleEntryProto.self) { p in
            p.pointee.dtype = Tensorflow__DataType(UInt32(bitPattern: e.dtype.rawValue))
            p.pointee.shape = shape(e.shape)
            p.pointee.shard_id = Int32(e.shardID)
            p.pointee.offset = e.offset
            p.pointee.size = e.size
            p.pointee.crc32c = e.crc32c
            if !e.slices.isEmpty {
                let array = pointerArray(e.slices.count, of: Tensorflow__TensorSliceProto.self)
                for (i, s) in e.slices.enumerated() { array[i] = slice(s) }
                p.pointee.n_slices = e.slices.count
                p.pointee.slices = array
            }
        }
        return message.binary()
    }

    // MARK: - Submessages (malloc'ed; freed with the owning message)

    private static func shape(_ dims: [Int]) -> UnsafeMutablePointer<Tensorflow__TensorShapeProto> {
        let s = allocate(shapeType, as: Tensorflow__TensorShapeProto.self)
        guard !dims.isEmpty else { return s }
        let array = pointerArray(dims.count, of: Tensorflow__TensorShapeProto__Dim.self)
        for (i, d) in dims.enumerated() {
            let dim = allocate(dimType, as: Tensorflow__TensorShapeProto__Dim.self)
            dim.pointee.size = Int64(d)
            array[i] = dim
        }
        s.pointee.n_dim = dims.count
        s.pointee.dim = array
        return s
    }

    private static func slice(_ slice: TensorSlice) -> UnsafeMutablePointer<Tensorflow__TensorSliceProto> {
        let s = allocate(sliceType, as: Tensorflow__TensorSliceProto.self)
        guard !slice.extents.isEmpty else { return s }
        let array = pointerArray(slice.extents.count, of: Tensorflow__TensorSliceProto__Extent.self)
        for (i, e) in slice.extents.enumerated() {
            let x = allocate(extentType, as: Tensorflow__TensorSliceProto__Extent.self)
            if let length = e.length {
                x.pointee.start = e.start
                x.pointee.has_length_hack_case = TENSORFLOW__TENSOR_SLICE_PROTO__EXTENT__HAS_LENGTH_HACK_LENGTH
                x.pointee.length = length
            }
            array[i] = x
        }
        s.pointee.n_extent = slice.extents.count
        s.pointee.extent = array
        return s
    }

    private static func allocate<T>(_ type: ProtoMessageType, as: T.Type) -> UnsafeMutablePointer<T> {
        CMutation.newMessage(type, as: T.self)
    }

    /// A malloc'ed array of `count` message pointers (protobuf-c frees it).
    private static func pointerArray<T>(_ count: Int, of: T.Type) -> UnsafeMutablePointer<UnsafeMutablePointer<T>?> {
        CMutation.newArray(count, of: UnsafeMutablePointer<T>?.self)
    }
}
