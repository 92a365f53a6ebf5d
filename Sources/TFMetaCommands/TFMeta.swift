public import ArgumentParser

/// The root of the `tfmeta` command tree.
public struct TFMeta: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tfmeta",
        abstract: "Read, write, inspect and convert TensorFlow's saver files without TensorFlow.",
        subcommands: [MetaCommand.self, StateCommand.self, CkptCommand.self, ObjGraphCommand.self, ReportCommand.self]
    )
    public init() {}
}
