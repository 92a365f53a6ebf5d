// The `--json` shapes and text summaries of `tfmeta ckpt rename`, `to-object` and `to-names`.

private func writtenFields(_ w: BundleWriter.Result?) -> [(String, JSONValue)] {
    [("bytes", .int(Int64(w?.dataBytes ?? 0))), ("files", .array((w?.files ?? []).map { .string($0) }))]
}

private func pairs(_ p: [(from: String, to: String)]) -> JSONValue {
    .array(p.map { .object([("from", .string($0.from)), ("to", .string($0.to))]) })
}

extension CheckpointRemap.RenameResult: JSONReportable {
    /// `{"source", "destination", "source_format", "dry_run", "tensors", "renamed":
    /// [{"from", "to"}] (changed names only), "unchanged", "dropped": [...],
    /// "warnings": [...], "bytes", "files": [...]}`.
    public var jsonValue: JSONValue {
        let changed = changedPositions
        return json(renamed: .array(changed.map { pair(Int($0)) }), changed: changed.count,
                    dropped: .array(dropped.map { .string($0) }))
    }

    /// Writes ``jsonValue`` serialized (pretty), byte for byte, with its per-key
    /// arrays made one element at a time: the report of 100,000 renames never
    /// exists as one value.
    ///
    /// - Parameter write: Receives the text's bytes, in order (no trailing newline).
    public func writeJSON(_ write: (UnsafeRawBufferPointer) -> Void) {
        let changed = changedPositions
        let renamedSlot = "\u{0}renamed", droppedSlot = "\u{0}dropped"
        let value = json(renamed: .string(renamedSlot), changed: changed.count, dropped: .string(droppedSlot))
        value.writeSerialized(pretty: true, arrays: [
            renamedSlot: JSONStreamedArray(count: changed.count) { pair(Int(changed[$0])) },
            droppedSlot: JSONStreamedArray(count: dropped.count) { .string(dropped[$0]) },
        ], to: write)
    }

    /// Positions in ``renamed`` of the keys whose name changed.
    private var changedPositions: [Int32] { renamed.indices.filter { !renamed.keepsName($0) }.map { Int32($0) } }

    private func pair(_ n: Int) -> JSONValue {
        let (from, to) = renamed[n]
        return .object([("from", .string(from)), ("to", .string(to))])
    }

    private func json(renamed renamedValue: JSONValue, changed: Int, dropped droppedValue: JSONValue) -> JSONValue {
        .object([
            ("source", .string(source)), ("destination", .string(destination)),
            ("source_format", .string(sourceFormatName)), ("dry_run", .bool(written == nil)),
            ("tensors", .int(Int64(renamed.count))), ("renamed", renamedValue),
            ("unchanged", .int(Int64(renamed.count - changed))),
            ("dropped", droppedValue),
            ("warnings", .array(warnings.map { .string($0) })),
        ] + writtenFields(written) + [("rules", rules.jsonValue)])
    }

    /// One line per renamed or dropped key, then a summary line.
    public var text: String {
        var out: [UInt8] = []
        writeText { out += $0 }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes ``text`` in pieces of about 64 KiB, made as they go: the report of
    /// 100,000 renames never exists as one string.
    ///
    /// - Parameter write: Receives the text's bytes, in order (no trailing newline).
    public func writeText(_ write: (UnsafeRawBufferPointer) -> Void) {
        var out = ""
        out.reserveCapacity(1 << 16)
        func flush(_ force: Bool = false) {
            guard force || out.utf8.count >= (1 << 16) - 1024 else { return }
            out.withUTF8 { write(UnsafeRawBufferPointer($0)) }
            out.removeAll(keepingCapacity: true)
        }
        var changed = 0
        for n in renamed.indices where !renamed.keepsName(n) {
            changed += 1
            let (from, to) = renamed[n]
            out += "  "; out += from; out += " -> "; out += to; out += "\n"
            flush()
        }
        for key in dropped {
            out += "  "; out += key; out += " (dropped)\n"
            flush()
        }
        for line in rules.lines { out += line; out += "\n" }
        let verb = written == nil ? "would write" : "wrote"
        out += "\(source) (\(sourceFormatName)) -> \(destination): \(verb) \(renamed.count) tensors, \(changed) renamed, \(dropped.count) dropped"
        if let written { out += ", \(written.dataBytes) bytes" }
        flush(true)
    }
}

extension CheckpointRemap.ToObjectResult: JSONReportable {
    /// `{"source", "template", "destination", "dry_run", "tensors", "filled": [...],
    /// "bytes", "files": [...], "match": <the ckpt match report>}`. `tensors` counts
    /// the object graph entry too (what is or would be written).
    public var jsonValue: JSONValue {
        .object([
            ("source", .string(report.source)), ("template", .string(report.target)),
            ("destination", .string(destination)), ("dry_run", .bool(written == nil)),
            ("tensors", .int(Int64(1 + report.matched.count + filled.count))),
            ("filled", .array(filled.map { .string($0) })),
        ] + writtenFields(written) + [("match", report.jsonValue), ("rules", rules.jsonValue)])
    }

    /// The match report's text and a summary line.
    public var text: String {
        var line = "\(report.source) -> \(destination): "
        if let w = written {
            line += "wrote \(report.matched.count) matched tensors"
            if !filled.isEmpty { line += ", \(filled.count) from the template" }
            line += " and the template's object graph, \(w.dataBytes) bytes"
        } else {
            line += "nothing written (dry run)"
        }
        return report.text + "\n" + line
    }
}

extension CheckpointRemap.ToNamesResult: JSONReportable {
    /// `{"source", "destination", "dry_run", "tensors", "renamed": [{"from", "to"}]
    /// (every written key), "duplicates": [{"full_name", "keys": [...], "names":
    /// [...]}], "empty_full_name": [...], "not_in_object_graph": [...],
    /// "object_graph": "kept" | "dropped", "bytes", "files": [...]}`.
    public var jsonValue: JSONValue {
        .object([
            ("source", .string(source)), ("destination", .string(destination)), ("dry_run", .bool(written == nil)),
            ("tensors", .int(Int64(renamed.count))), ("renamed", pairs(renamed)),
            ("duplicates", .array(duplicates.map { d in
                .object([("full_name", .string(d.fullName)), ("keys", .array(d.keys.map { .string($0) })),
                         ("names", .array(d.names.map { .string($0) }))])
            })),
            ("empty_full_name", .array(emptyFullName.map { .string($0) })),
            ("not_in_object_graph", .array(notInObjectGraph.map { .string($0) })),
            ("object_graph", .string(keptObjectGraph ? "kept" : "dropped")),
        ] + writtenFields(written) + [("rules", rules.jsonValue)])
    }

    /// Warnings for shared full names (for stderr).
    public var warnings: [String] {
        duplicates.map { d in
            "warning: \(d.keys.count) attributes share the full name \(d.fullName); written in object graph order as "
                + zip(d.keys, d.names).map { "\($1) (\($0))" }.joined(separator: ", ")
        }
    }

    /// One line per key, notes, and a summary line.
    public var text: String {
        var lines = renamed.map { "  \($0.from) -> \($0.to)" }
        for k in emptyFullName { lines.append("  note: \(k) has no full name; kept under its key") }
        for k in notInObjectGraph { lines.append("  note: \(k) is not named by the object graph; kept under its key") }
        lines += rules.lines
        let verb = written == nil ? "would write" : "wrote"
        lines.append("\(source) -> \(destination): \(verb) \(renamed.count) tensors under TF1 names, object graph \(keptObjectGraph ? "kept" : "dropped")"
                     + (written.map { ", \($0.dataBytes) bytes" } ?? ""))
        return lines.joined(separator: "\n")
    }
}
