// The order of checkpoint keys: their UTF-8 bytes compared as unsigned bytes (a
// V2 index's order), compared with memcmp on the strings' own storage.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Whether this string's UTF-8 bytes sort before `other`'s, bytewise (what
    /// `utf8.lexicographicallyPrecedes` says, without iterating code units one by one).
    @inline(__always)
    func utf8Precedes(_ other: String) -> Bool {
        let fast = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b -> Bool in
                let n = min(a.count, b.count)
                if n > 0 {
                    let c = memcmp(a.baseAddress!, b.baseAddress!, n)
                    if c != 0 { return c < 0 }
                }
                return a.count < b.count
            }
        }
        if let result = fast ?? nil { return result }
        return utf8.lexicographicallyPrecedes(other.utf8)
    }
}
