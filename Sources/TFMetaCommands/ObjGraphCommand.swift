import ArgumentParser
import MetaGraphKit

/// `tfmeta objgraph`: the object graph of an object-based checkpoint.
struct ObjGraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "objgraph",
        abstract: "Print the object graph of an object-based checkpoint (_CHECKPOINTABLE_OBJECT_GRAPH).",
        discussion: "A tree of local names from the root, with each object's attributes (checkpoint key, full name) and slot variables.")

    @OptionGroup var checkpoint: CheckpointArgument
    @OptionGroup var output: JSONOption

    func run() throws {
        let reader = try CheckpointReader(path: checkpoint.checkpoint)
        guard let graph = try reader.objectGraph() else {
            throw MetaGraphKitError.notFound(reader.prefix, "a name-based checkpoint (no \(ObjectGraph.checkpointKey))")
        }
        if output.json {
            print(graph.jsonValue.serialized(pretty: true))
        } else {
            graph.treeLines { print($0) }
        }
    }
}
