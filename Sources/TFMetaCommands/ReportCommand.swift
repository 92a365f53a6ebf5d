import ArgumentParser
import MetaGraphKit

/// `tfmeta report INPUT OUT.html [--overwrite] [--json]`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page showing a checkpoint or a graph.",
        discussion: """
            INPUT is a checkpoint (V1, V2, safetensors, npz, .npy, anything ckpt reads), a .meta, a \
            saved_model.pb or a SavedModel directory. For a checkpoint the page shows bytes by role and \
            by scope (a zoomable treemap), every tensor with min/max/mean/std and NaN/±Inf/all-zero flags \
            (sortable, searchable), a value histogram per tensor, and the object graph. For a graph: scopes \
            with op counts, device placement, variables, the saver and what it restores, collections and \
            signatures. The page needs nothing from the network. OUT is written atomically. \
            A tensor that cannot be read is flagged in the page, and the command then exits 1. \
            JSON: {"output", "input", "kind", "html_bytes", "tensors", "bytes", "roles": [{"role", \
            "tensors", "bytes"}], "flags": {"nan", "pos_inf", "neg_inf", "all_zero", "unread"}, \
            "flagged": [{"key", "flags"}], "graphs", "nodes"}.
            """)

    @Argument(help: "A checkpoint, a .meta, a saved_model.pb or a SavedModel directory.")
    var input: String
    @Argument(help: "The HTML file to write.")
    var output: String
    @Flag(name: .long, help: "Replace an existing output.")
    var overwrite = false
    @OptionGroup var json: JSONOption

    func run() throws {
        let r = try HTMLReport.write(input: input, output: output, overwrite: overwrite)
        print(json.json ? r.jsonValue.serialized(pretty: true) : r.text)
        // As `ckpt stats`: the page is written (it flags them), and the run fails.
        let unread = r.stats?.messages ?? []
        guard !unread.isEmpty, let stats = r.stats else { return }
        for m in unread { FileHandle.standardErrorWrite("\(m)\n") }
        let message = "\(stats.path): \(unread.count) tensor\(unread.count == 1 ? "" : "s") could not be read (flagged in \(r.output))"
        // With --json the summary on stdout already flags them: one document there,
        // the reason on stderr, exit 1.
        if json.json { FileHandle.standardErrorWrite("Error: \(message)\n"); throw ExitCode(1) }
        throw MetaGraphKitError(.corrupt, message)
    }
}
