import ArgumentParser

/// `--json`, shared by every command that prints a report.
struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print the report as JSON (shape documented in the README).")
    var json = false
}
