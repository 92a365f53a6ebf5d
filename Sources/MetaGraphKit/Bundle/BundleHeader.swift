// BundleHeaderProto, the value of the "" key of a V2 `.index`
// (tensorflow/core/protobuf/tensor_bundle.proto; checks of BundleReader's
// constructor and CheckVersions in tensor_bundle.cc).

/// The header of a V2 bundle: number of data files, byte order, version.
struct BundleHeader {
    /// The most data files a bundle may name (`--shards` writes at most as many).
    static let maxShards: Int32 = 99_999

    let numShards: Int
    let producer: Int32
    let minConsumer: Int32
    let badConsumers: [Int32]

    /// Decodes and checks a header: little-endian only, version readable by
    /// consumer 1, at least one shard.
    init(_ bytes: UnsafeRawBufferPointer, file: String) throws {
        var reader = ProtoFieldReader(bytes, file: file, message: "tensorflow.BundleHeaderProto")
        var shards: Int32 = 0
        var endianness: Int64 = 0
        var producer: Int32 = 0
        var minConsumer: Int32 = 0
        var bad: [Int32] = []
        while let f = try reader.next() {
            switch f.number {
            case 1: shards = try f.int32(reader)
            case 2: endianness = try f.int64(reader)
            case 3:
                var v = try f.subReader(reader, message: "tensorflow.VersionDef")
                while let g = try v.next() {
                    switch g.number {
                    case 1: producer = try g.int32(v)
                    case 2: minConsumer = try g.int32(v)
                    case 3:
                        if case .bytes = g.value {
                            let (b, origin) = try g.bytes(v)
                            var c = ByteCursor(b, file: file, origin: origin)
                            while !c.isAtEnd { bad.append(Int32(truncatingIfNeeded: try c.readVarint64("bad_consumers"))) }
                        } else {
                            bad.append(try g.int32(v))
                        }
                    default: break
                    }
                }
            default: break
            }
        }
        guard endianness == 0 else {
            throw MetaGraphKitError.unsupported(file, "the bundle was written on a big-endian machine (endianness BIG); MetaGraphKit reads little-endian bundles only")
        }
        guard producer >= 0 else {
            throw MetaGraphKitError.corrupt(file, "bundle version producer \(producer) is negative")
        }
        guard minConsumer <= 1, !bad.contains(1) else {
            throw MetaGraphKitError.unsupported(file, "the bundle needs a newer reader (min_consumer \(minConsumer), bad_consumers \(bad)); this reader is consumer 1")
        }
        guard shards >= 1 else {
            throw MetaGraphKitError.corrupt(file, "bundle header says \(shards) data files")
        }
        // Readers size tables and loops by this count: a hostile header must not
        // make them allocate or stat billions of times.
        guard shards <= Self.maxShards else {
            throw MetaGraphKitError.tooLarge(file, "bundle header says \(shards) data files, more than the \(Self.maxShards) this reader accepts (TensorFlow names them with 5 digits)")
        }
        numShards = Int(shards)
        self.producer = producer
        self.minConsumer = minConsumer
        badConsumers = bad
    }
}
