import ArgumentParser
import MetaGraphKit

/// `tfmeta ckpt`: the group; its subcommands live beside it in this file.
struct CkptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ckpt",
        abstract: "List, show, verify, export and convert checkpoints (V1 and V2).",
        subcommands: [Migrate.self]
    )
}
