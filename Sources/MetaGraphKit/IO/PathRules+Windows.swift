// Paths a state file may hold when it was written on another system: Windows drive
// paths (`C:\Users\bob\train\model.ckpt-3`), UNC paths (`\\server\share\x`) and
// relative paths with `\`. TensorFlow on Windows stores them as Python's ntpath
// builds them; on POSIX they are single, missing file names.

extension PathRules {
    /// Whether `path` is absolute on Windows: a drive (`C:\`, `C:/`) or a UNC path
    /// (`\\server\share`, `//server/share`).
    ///
    /// - Parameter path: A stored path.
    /// - Returns: True for a Windows absolute path.
    public static func isWindowsAbsolute(_ path: String) -> Bool {
        let s = Array(path.unicodeScalars.prefix(3))
        if s.count >= 3, s[0].isASCII && s[0].properties.isAlphabetic,
           s[1] == ":", s[2] == "\\" || s[2] == "/" { return true }
        return path.hasPrefix("\\\\") || path.hasPrefix("//")
    }

    /// The components of a path split at both `/` and `\`, without empty components
    /// and without a leading drive (`C:`); a UNC path keeps its server and share.
    ///
    /// - Parameter path: A stored path, POSIX or Windows.
    /// - Returns: The components, in order.
    public static func componentsAnySeparator(_ path: String) -> [String] {
        var parts = path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map(String.init)
        if let first = parts.first, first.count == 2, first.hasSuffix(":"),
           first.first.map({ $0.isASCII && $0.isLetter }) == true {
            parts.removeFirst()
        }
        return parts
    }

    /// The trailing parts of `path` as relative POSIX paths, longest first: for
    /// `C:\a\b\m-3`, `a/b/m-3`, `b/m-3`, `m-3`. Suffixes holding `.` or `..` are left out,
    /// so none leaves the directory it is joined onto.
    ///
    /// - Parameter path: A stored path.
    /// - Returns: The candidate relative paths.
    public static func relativeSuffixes(_ path: String) -> [String] {
        let parts = componentsAnySeparator(path)
        var out: [String] = []
        for start in parts.indices {
            let tail = parts[start...]
            if tail.contains(where: { $0 == "." || $0 == ".." }) { continue }
            out.append(tail.joined(separator: "/"))
        }
        return out
    }
}
