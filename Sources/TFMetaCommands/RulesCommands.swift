import ArgumentParser
import MetaGraphKit
import Foundation

/// `tfmeta rules`: the rules files that ship with tfmeta.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List and print the preset rules files (--preset NAME).",
        subcommands: [RulesList.self, RulesShow.self, RulesCheck.self]
    )
}

extension RulesCommand {
    /// `tfmeta rules list [--json]`.
    ///
    /// JSON: `{"presets": [{"name", "summary", "steps": Int}]}`.
    struct RulesList: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the presets.")
        @OptionGroup var output: JSONOption

        func run() throws {
            let rows = try RulePresets.all.map { ($0, try RulePresets.ruleSet($0.name).steps.count) }
            if output.json {
                print(JSONValue.object([("presets", .array(rows.map { p, n in
                    .object([("name", .string(p.name)), ("summary", .string(p.summary)), ("steps", .int(Int64(n)))])
                }))]).serialized(pretty: true))
                return
            }
            let width = rows.map(\.0.name.count).max() ?? 0
            for (p, _) in rows { print(p.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + p.summary) }
        }
    }

    /// `tfmeta rules show NAME`: the preset's rules file, as `--rules` reads it.
    struct RulesShow: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a preset's rules file (JSON).")
        @Argument(help: "The preset's name.") var name: String

        func run() throws { print(try RulePresets.named(name).json, terminator: "") }
    }

    /// `tfmeta rules check FILE... [--json]`: parses rules files and lists their steps.
    ///
    /// JSON: `{"files": [{"file", "steps": [{"kind", "summary"}]}]}`.
    struct RulesCheck: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Check rules files and list their steps.")
        @Argument(help: "Rules files.") var files: [String]
        @OptionGroup var output: JSONOption

        func run() throws {
            let sets = try files.map { ($0, try RuleSet.read($0)) }
            if output.json {
                print(JSONValue.object([("files", .array(sets.map { f, s in
                    .object([("file", .string(f)), ("steps", .array(s.steps.map {
                        .object([("kind", .string($0.kind)), ("summary", .string($0.summary))])
                    }))])
                }))]).serialized(pretty: true))
                return
            }
            for (f, s) in sets {
                print("\(f): \(s.steps.count) steps")
                for (i, step) in s.steps.enumerated() { print("  \(i + 1). \(step.summary)") }
            }
        }
    }
}
