// The one place a report's `--json` shape is built: the result type itself.

/// A result whose `--json` form the library defines.
///
/// Every report a `tfmeta` command prints with `--json` is the ``jsonValue`` of a
/// library type adopting this protocol; the CLI only serializes it. The shapes are
/// documented on each type and are stable: keys keep their order, and a key is never
/// renamed or dropped. The text form people read lives beside it, as the type's `text`.
public protocol JSONReportable {
    /// The report as JSON, keys in their documented order.
    var jsonValue: JSONValue { get }
}

extension JSONReportable {
    /// The earlier name of ``jsonValue``.
    @available(*, deprecated, renamed: "jsonValue")
    public var json: JSONValue { jsonValue }
}
