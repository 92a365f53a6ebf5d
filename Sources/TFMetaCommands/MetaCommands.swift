import ArgumentParser
import MetaGraphKit

/// `tfmeta meta`: the group; its subcommands live beside it in this file.
struct MetaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta",
        abstract: "Inspect and convert MetaGraphDef (.meta) and SavedModel files.",
        subcommands: [Rescope.self, Variables.self, Saver.self, Extract.self, Diff.self]
    )
}
