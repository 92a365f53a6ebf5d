import Foundation
import Testing

/// The whole `--help` text of every command, compared with a stored snapshot
/// (ArgumentParser's own MathExampleTests pin the help screen the same way):
/// abstracts, option help and discussions cannot change unnoticed.
///
/// The commands are found by walking `tfmeta --help`'s SUBCOMMANDS, so a new
/// command gets a snapshot too. After changing help text on purpose, re-record
/// every snapshot with one command and review the diff:
///
///     RECORD_SNAPSHOTS=1 swift test --skip-build --filter HelpSnapshotTests
@Suite("tfmeta --help snapshots")
struct HelpSnapshotTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    static let recording = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
    /// Help is wrapped to the terminal; pin the width.
    static let environment = ["COLUMNS": "80", "LINES": "24"]

    /// `tfmeta`, then every group and command below it, depth first.
    static func commands() throws -> [[String]] {
        var found: [[String]] = []
        var pending: [[String]] = [[]]
        while let command = pending.popLast() {
            found.append(command)
            let help = try runTFMeta(command + ["--help"], environment: environment).stdout
            guard let section = help.range(of: "SUBCOMMANDS:\n") else { continue }
            var children: [[String]] = []
            for line in help[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
                if line.isEmpty { break }
                guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
                let name = line.dropFirst(2).prefix { !$0.isWhitespace }
                children.append(command + [String(name)])
            }
            pending += children.reversed()
        }
        return found
    }

    static func snapshotName(_ command: [String]) -> String {
        (["tfmeta"] + command).joined(separator: "-") + ".help.txt"
    }

    @Test func everyCommandsHelpMatchesItsSnapshot() throws {
        let commands = try Self.commands()
        #expect(commands.count >= 24, "found only \(commands.map { $0.joined(separator: " ") })")
        for command in commands {
            let r = try runTFMeta(command + ["--help"], environment: Self.environment)
            #expect(r.status == 0)
            #expect(r.stderr.isEmpty)
            let file = Self.folder.appendingPathComponent(Self.snapshotName(command))
            if Self.recording {
                try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
                try r.stdout.write(to: file, atomically: true, encoding: .utf8)
            }
            guard let stored = try? String(contentsOf: file, encoding: .utf8) else {
                Issue.record("no snapshot \(file.lastPathComponent); record with RECORD_SNAPSHOTS=1 swift test --skip-build --filter HelpSnapshotTests")
                continue
            }
            #expect(r.stdout == stored, "tfmeta \(command.joined(separator: " ")) --help differs from Snapshots/\(file.lastPathComponent)")
        }
        // No snapshot of a command that no longer exists.
        let expected = Set(commands.map(Self.snapshotName))
        let stored = Set(try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".help.txt") })
        if Self.recording {
            for stale in stored.subtracting(expected) {
                try FileManager.default.removeItem(at: Self.folder.appendingPathComponent(stale))
            }
        } else {
            #expect(stored.subtracting(expected).isEmpty, "snapshots of no command: \(stored.subtracting(expected).sorted())")
        }
    }
}
