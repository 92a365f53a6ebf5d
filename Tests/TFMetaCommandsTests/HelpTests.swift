import Foundation
import Testing

/// Every command answers `--help` on stdout with exit 0 and its own usage line,
/// and the root lists every group.
@Suite("tfmeta --help")
struct HelpTests {
    static let commands: [[String]] = [
        ["meta", "inspect"], ["meta", "convert"], ["meta", "rescope"], ["meta", "variables"],
        ["meta", "saver"], ["meta", "extract"], ["meta", "diff"],
        ["state", "show"], ["state", "latest"], ["state", "rebase"], ["state", "init"], ["state", "set-latest"],
        ["state", "prune"],
        ["ckpt", "list"], ["ckpt", "show"], ["ckpt", "verify"], ["ckpt", "export"], ["ckpt", "migrate"],
        ["ckpt", "rename"], ["ckpt", "to-object"], ["ckpt", "to-names"], ["ckpt", "match"],
        ["objgraph"], ["report"],
    ]

    @Test(arguments: commands)
    func helpPrintsUsage(command: [String]) throws {
        let r = try runTFMeta(command + ["--help"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(r.stdout.contains("USAGE: tfmeta \(command.joined(separator: " "))"), "\(r.stdout)")
    }

    @Test func rootListsEveryGroup() throws {
        let r = try runTFMeta(["--help"])
        #expect(r.status == 0)
        for group in ["meta", "state", "ckpt", "objgraph", "report"] {
            #expect(r.stdout.contains("\n  \(group) "), "\(group) missing from --help")
        }
    }
}
