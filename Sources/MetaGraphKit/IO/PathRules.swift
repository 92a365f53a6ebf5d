// Python's os.path rules (posixpath) that checkpoint_management.py relies on.
import Foundation

/// The path arithmetic TensorFlow's checkpoint management uses (Python's
/// `posixpath`): `isabs`, `join`, `normpath`, `relpath`, `basename`, `dirname`.
package enum PathRules {
    /// Whether `path` is absolute (`os.path.isabs`).
    ///
    /// - Parameter path: A path.
    /// - Returns: True when it starts with `/`.
    package static func isAbsolute(_ path: String) -> Bool { path.hasPrefix("/") }

    /// `os.path.join(directory, path)`: `path` itself when absolute, otherwise
    /// `directory/path` (no separator added after an empty directory or a trailing `/`).
    ///
    /// - Parameters:
    ///   - directory: The base.
    ///   - path: The path to append.
    /// - Returns: The joined path, not normalized.
    package static func join(_ directory: String, _ path: String) -> String {
        if isAbsolute(path) || directory.isEmpty { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }

    /// `os.path.normpath`: removes `.`, empty components and `x/..` pairs.
    ///
    /// - Parameter path: A path.
    /// - Returns: The normalized path; `.` for an empty result.
    package static func normalize(_ path: String) -> String {
        if path.isEmpty { return "." }
        let absolute = isAbsolute(path)
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." { parts.removeLast(); continue }
                if absolute { continue }
            }
            parts.append(part)
        }
        let body = parts.joined(separator: "/")
        if absolute { return "/" + body }
        return body.isEmpty ? "." : body
    }

    /// `os.path.abspath`: joins a relative path onto the working directory, then normalizes.
    ///
    /// - Parameter path: A path.
    /// - Returns: An absolute, normalized path.
    package static func absolute(_ path: String) -> String {
        normalize(isAbsolute(path) ? path : join(FileManager.default.currentDirectoryPath, path))
    }

    /// `os.path.relpath(path, start)`: `path` relative to `start`, both taken from the
    /// working directory when relative.
    ///
    /// - Parameters:
    ///   - path: The path to express.
    ///   - start: The directory it is made relative to.
    /// - Returns: A relative path (`.` when they are the same).
    package static func relative(_ path: String, to start: String) -> String {
        let p = absolute(path).split(separator: "/"), s = absolute(start).split(separator: "/")
        var common = 0
        while common < p.count && common < s.count && p[common] == s[common] { common += 1 }
        let parts = Array(repeating: "..", count: s.count - common) + p[common...].map(String.init)
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// `os.path.basename`: the part after the last `/`.
    ///
    /// - Parameter path: A path.
    /// - Returns: The last component (empty when `path` ends with `/`).
    package static func basename(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `os.path.dirname`: the part before the last `/` (trailing slashes removed
    /// unless it is the root).
    ///
    /// - Parameter path: A path.
    /// - Returns: The directory part, empty when `path` has no `/`.
    package static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        var head = String(path[...slash])
        while head.count > 1 && head.hasSuffix("/") { head.removeLast() }
        return head
    }
}
