// The file matching of tf.io.gfile.glob / file_io.get_matching_files that checkpoint
// names need: `?` and `*` in the last path component.
import Foundation

/// Matches checkpoint file patterns such as `model.ckpt-3-?????-of-00003` or
/// `ckpt-1.data-?????-of-?????` against the files of a directory.
///
/// Only the last path component may hold wildcards: `?` matches one character and
/// `*` any run of characters (fnmatch with `FNM_PATHNAME`, as TensorFlow's
/// `Env::MatchPath`). Other characters, `[` included, match themselves.
package enum FileGlob {
    /// Whether `name` holds a wildcard.
    ///
    /// - Parameter name: A path or file name.
    /// - Returns: True when it contains `?` or `*`.
    package static func hasWildcards(_ name: String) -> Bool { name.contains("?") || name.contains("*") }

    /// Whether `name` matches `pattern` (one path component; `?`, `*`).
    ///
    /// - Parameters:
    ///   - name: A file name.
    ///   - pattern: A file-name pattern.
    /// - Returns: True on a match of the whole name.
    package static func matches(_ name: String, pattern: String) -> Bool {
        let n = Array(name.unicodeScalars), p = Array(pattern.unicodeScalars)
        var ni = 0, pi = 0, starP = -1, starN = 0
        while ni < n.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == n[ni]) && n[ni] != "/" {
                ni += 1; pi += 1
            } else if pi < p.count && p[pi] == "*" {
                starP = pi; starN = ni; pi += 1
            } else if starP >= 0 && n[starN] != "/" {
                starN += 1; ni = starN; pi = starP + 1
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// The existing paths that `pattern` names, sorted.
    ///
    /// A pattern without wildcards names itself when it exists (file or directory),
    /// as `get_matching_files` does.
    ///
    /// - Parameter pattern: A path whose last component may hold `?` and `*`.
    /// - Returns: The matching paths, each spelled as `dirname(pattern)/name`.
    package static func matchingPaths(_ pattern: String) -> [String] {
        guard hasWildcards(PathRules.basename(pattern)) else {
            return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
        }
        let directory = PathRules.dirname(pattern)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        let last = PathRules.basename(pattern)
        return names.filter { matches($0, pattern: last) }.sorted().map { PathRules.join(directory, $0) }
    }
}
