// protobuf-c's strings read into Swift values; beside CMutation, which writes them.

/// Reading protobuf-c's strings and byte fields into Swift values.
enum CString {
    /// A `string` field: NULL and protobuf-c's empty string read as "".
    static func string(_ p: UnsafePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    /// A repeated `string` field.
    static func strings(_ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, count: Int) -> [String] {
        guard let p, count > 0 else { return [] }
        return (0..<count).map { string(p[$0]) }
    }
}
