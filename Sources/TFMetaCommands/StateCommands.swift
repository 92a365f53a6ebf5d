import ArgumentParser
import MetaGraphKit

/// `tfmeta state`: the group; its subcommands live beside it in this file.
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Read and repair the `checkpoint` state file of a checkpoint directory.",
        subcommands: []
    )
}
