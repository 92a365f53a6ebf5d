// The `--json` shape of `tfmeta ckpt export`.

extension CheckpointExportReport: JSONReportable {
    /// `{"source", "source_format", "output", "written": [key], "renamed": [{"from",
    /// "to"}], "dropped": [key], "skipped": [{"key", "reason"}], "bfloat16_as_uint16":
    /// [name], "rules": {…} (as `ckpt rename`'s)}`.
    public var jsonValue: JSONValue {
        json(written: .array(written.map { .string($0) }), renamed: .array(renamed.indices.map(renamedPair)),
             dropped: .array(dropped.map { .string($0) }), skipped: .array(skipped.indices.map(skippedPair)))
    }

    /// Writes ``jsonValue`` pretty-printed, in pieces: the per-key arrays are
    /// serialized one element at a time (100,000 renamed keys never exist as one
    /// value or one string).
    ///
    /// - Parameter write: Receives the text's bytes, in order.
    public func writeJSON(_ write: (UnsafeRawBufferPointer) -> Void) {
        let slots = ["\u{0}written", "\u{0}renamed", "\u{0}dropped", "\u{0}skipped"]
        let (written, dropped) = (self.written, self.dropped)
        json(written: .string(slots[0]), renamed: .string(slots[1]), dropped: .string(slots[2]), skipped: .string(slots[3]))
            .writeSerialized(pretty: true, arrays: [
                slots[0]: JSONStreamedArray(count: written.count) { .string(written[$0]) },
                slots[1]: JSONStreamedArray(count: renamed.count, element: renamedPair),
                slots[2]: JSONStreamedArray(count: dropped.count) { .string(dropped[$0]) },
                slots[3]: JSONStreamedArray(count: skipped.count, element: skippedPair),
            ], to: write)
    }

    private func renamedPair(_ n: Int) -> JSONValue {
        .object([("from", .string(renamed[n].from)), ("to", .string(renamed[n].to))])
    }

    private func skippedPair(_ n: Int) -> JSONValue {
        .object([("key", .string(skipped[n].key)), ("reason", .string(skipped[n].reason))])
    }

    private func json(written: JSONValue, renamed: JSONValue, dropped: JSONValue, skipped: JSONValue) -> JSONValue {
        .object([
            ("source", .string(source)), ("source_format", .string(sourceFormatName)), ("output", .string(output)),
            ("written", written), ("renamed", renamed), ("dropped", dropped), ("skipped", skipped),
            ("bfloat16_as_uint16", .array(bfloat16AsUInt16.map { .string($0) })),
            ("rules", rules.jsonValue),
        ])
    }
}
