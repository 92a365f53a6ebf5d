public import ArgumentParser
import MetaGraphKit

/// The root of the `tfmeta` command tree.
public struct TFMeta: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tfmeta",
        abstract: "Read, write, inspect and convert TensorFlow's saver files without TensorFlow.",
        version: MetaGraphKitVersion.current,
        subcommands: [MetaCommand.self, StateCommand.self, CkptCommand.self, ObjGraphCommand.self, RulesCommand.self,
                      ReportCommand.self]
    )
    public init() {}
}
