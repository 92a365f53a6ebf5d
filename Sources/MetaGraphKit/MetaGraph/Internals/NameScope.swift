// Name-scope arithmetic on graph names, after TensorFlow's ops.py
// (strip_name_scope, prepend_name_scope) and meta_graph.py (_op_name).

/// Strips or adds one name scope on node, tensor, control-input (`^x`) and
/// colocation (`loc:@x`) names.
struct NameScope: Sendable, Hashable {
    enum Direction: Sendable, Hashable { case strip, add }

    /// The scope, without a trailing `/`.
    let scope: String
    let direction: Direction

    /// The prefix TensorFlow gives names that could not be bound when exporting.
    static let unboundPrefix = "$unbound_inputs_"

    init(_ scope: String, _ direction: Direction) {
        var s = scope
        while s.hasSuffix("/") { s.removeLast() }
        self.scope = s
        self.direction = direction
    }

    var prefix: String { scope + "/" }

    /// Splits a leading `^` or `loc:@` off a name.
    static func split(_ name: String) -> (marker: String, body: String) {
        if name.hasPrefix("^") { return ("^", String(name.dropFirst())) }
        if name.hasPrefix("loc:@") { return ("loc:@", String(name.dropFirst(5))) }
        return ("", name)
    }

    /// The op of a tensor or control-input name: `^a/b:1` → `a/b`.
    static func opName(_ name: String) -> String {
        var body = split(name).body
        if let colon = body.lastIndex(of: ":"), body[body.index(after: colon)...].allSatisfy(\.isNumber),
           body.index(after: colon) != body.endIndex {
            body = String(body[..<colon])
        }
        return body
    }

    /// Whether the name (after any marker) lies under `scope/`. Unlike TensorFlow's
    /// plain `startswith(scope)`, `network/x` is not inside `net`.
    func isInside(_ name: String) -> Bool {
        Self.split(name).body.hasPrefix(prefix)
    }

    /// Whether a name is one of TensorFlow's `$unbound_inputs_` placeholders.
    static func isUnbound(_ name: String) -> Bool { split(name).body.hasPrefix(unboundPrefix) }

    /// The name with the scope stripped (when inside it) or added, marker kept.
    /// Empty names and `$unbound_inputs_` names are returned unchanged.
    func rename(_ name: String) -> String {
        let (marker, body) = Self.split(name)
        if body.isEmpty || body.hasPrefix(Self.unboundPrefix) { return name }
        switch direction {
        case .strip:
            guard body.hasPrefix(prefix) else { return name }
            var rest = body.dropFirst(prefix.count)
            while rest.hasPrefix("/") { rest = rest.dropFirst() }
            return marker + rest
        case .add:
            return marker + prefix + body
        }
    }
}
