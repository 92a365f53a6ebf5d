// The names of a V2 bundle's files (tensor_bundle.cc: MetaFilename, DataFilename).

/// Where a V2 bundle's files are, given its prefix.
enum BundleFileNames {
    /// `PREFIX.data-SSSSS-of-NNNNN`: data file `shard` of `count`, numbers zero-padded
    /// to five digits (TensorFlow's `%05d`).
    static func data(_ prefix: String, shard: Int, of count: Int) -> String {
        "\(prefix).data-\(fiveDigits(shard))-of-\(fiveDigits(count))"
    }

    /// `n` zero-padded to at least five digits.
    static func fiveDigits(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 5 - s.count)) + s
    }
}
