// The `--json` shape of `tfmeta ckpt export`.

extension CheckpointExportReport: JSONReportable {
    /// `{"source", "source_format", "output", "written": [key], "renamed": [{"from",
    /// "to"}], "dropped": [key], "skipped": [{"key", "reason"}], "bfloat16_as_uint16":
    /// [name], "rules": {…} (as `ckpt rename`'s)}`.
    public var jsonValue: JSONValue {
        .object([
            ("source", .string(source)), ("source_format", .string(sourceFormatName)), ("output", .string(output)),
            ("written", .array(written.map { .string($0) })),
            ("renamed", .array(renamed.map { .object([("from", .string($0.from)), ("to", .string($0.to))]) })),
            ("dropped", .array(dropped.map { .string($0) })),
            ("skipped", .array(skipped.map { .object([("key", .string($0.key)), ("reason", .string($0.reason))]) })),
            ("bfloat16_as_uint16", .array(bfloat16AsUInt16.map { .string($0) })),
            ("rules", rules.jsonValue),
        ])
    }
}
