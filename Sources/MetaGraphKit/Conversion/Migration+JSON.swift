// The `--json` shapes of `tfmeta ckpt migrate`.

extension Migration.Summary: JSONReportable {
    /// The summary as JSON:
    /// `{"source", "destination", "source_format", "tensors", "slices", "bytes",
    /// "seconds", "files": [...], "skipped": [{"name", "reason"}], "meta_graph":
    /// {"source", "destination", "outcome", "note"}|null}`.
    public var jsonValue: JSONValue {
        .object([
            ("source", .string(source)),
            ("destination", .string(destination)),
            ("source_format", .string(sourceFormat.rawValue)),
            ("tensors", .int(Int64(tensors))),
            ("slices", .int(Int64(slices))),
            ("bytes", .int(Int64(bytes))),
            ("seconds", .double(seconds)),
            ("files", .array(files.map { .string($0) })),
            ("skipped", .array(skipped.map { .object([("name", .string($0.name)), ("reason", .string($0.reason))]) })),
            ("meta_graph", metaGraph.map(\.jsonValue) ?? .null),
        ])
    }

    /// One line for people: tensors, bytes, seconds, and what was left out.
    public var text: String {
        var line = "\(source) (\(sourceFormat)) -> \(destination): \(tensors) tensors"
        if slices > 0 { line += " (\(slices) slices)" }
        line += ", \(bytes) bytes in \(files.count - 1) data file\(files.count == 2 ? "" : "s"), "
        line += String(Double(Int(seconds * 1000)) / 1000) + " s"
        for s in skipped { line += "\n  skipped damaged tensor \(s.name): \(s.reason)" }
        return line
    }

    /// ``text`` and, when a `.meta` came along, a line saying what was done to its saver
    /// (the report of a single-checkpoint migration; a directory lists its `.meta` files once).
    public var textWithMetaGraph: String {
        text + (metaGraph.map { "\n\($0.destination): \($0.note)" } ?? "")
    }
}

extension Migration.MetaGraphResult: JSONReportable {
    /// `{"source", "destination", "outcome", "note"}`.
    public var jsonValue: JSONValue {
        .object([("source", .string(source)), ("destination", .string(destination)),
                 ("outcome", .string(outcome.rawValue)), ("note", .string(note))])
    }
}

extension Migration.DirectorySummary: JSONReportable {
    /// The summary as JSON: `{"source", "destination", "state_file", "tensors",
    /// "bytes", "seconds", "checkpoints": [<checkpoint summary>], "meta_graphs":
    /// [{"source", "destination", "outcome", "note"}], "missing": [...]}`.
    public var jsonValue: JSONValue {
        .object([
            ("source", .string(source)),
            ("destination", .string(destination)),
            ("state_file", .string(stateFile)),
            ("tensors", .int(Int64(checkpoints.reduce(0) { $0 + $1.tensors }))),
            ("bytes", .int(Int64(checkpoints.reduce(0) { $0 + $1.bytes }))),
            ("seconds", .double(seconds)),
            ("checkpoints", .array(checkpoints.map(\.jsonValue))),
            ("meta_graphs", .array(metaGraphs.map(\.jsonValue))),
            ("missing", .array(missing.map { .string($0) })),
        ])
    }

    /// Lines for people.
    public var text: String {
        var lines = checkpoints.map(\.text)
        lines += metaGraphs.map { "\($0.destination): \($0.note)" }
        lines += missing.map { "not migrated (files missing): \($0)" }
        let tensors = checkpoints.reduce(0) { $0 + $1.tensors }
        let bytes = checkpoints.reduce(0) { $0 + $1.bytes }
        lines.append("\(checkpoints.count) checkpoint\(checkpoints.count == 1 ? "" : "s"), \(tensors) tensors, \(bytes) bytes in "
            + String(Double(Int(seconds * 1000)) / 1000) + " s; state file \(stateFile)")
        return lines.joined(separator: "\n")
    }
}
