import Foundation
import Testing
@testable import MetaGraphKit

/// Paths of the repository's fixtures, found from this file's location.
enum Fixture {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relative)))
    }
}

/// A fresh temporary directory, removed when the test's closure returns.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("mgk-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try body(dir.path)
}

/// Whether two byte arrays are equal, reporting only the first difference (the
/// arrays themselves are too long for a test log).
func sameBytes(_ a: [UInt8], _ b: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    if a == b { return true }
    var i = 0
    while i < a.count && i < b.count && a[i] == b[i] { i += 1 }
    let left: [String] = a[i..<min(a.count, i + 16)].map { String($0, radix: 16) }
    let right: [String] = b[i..<min(b.count, i + 16)].map { String($0, radix: 16) }
    let message = "bytes differ at offset \(i) (sizes \(a.count) and \(b.count)): \(left) vs \(right)"
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    return false
}
