// Renaming checkpoint keys: ordered regex rules, an exact old → new map, and drop
// patterns (the key rewriting part of `tfmeta ckpt rename`, `to-object` and `match`).
import Foundation

/// One `REGEX=>REPLACEMENT` rule.
///
/// The pattern is an `NSRegularExpression`; the replacement is its template, so
/// `$1`, `$2` … name capture groups and `\$` is a literal dollar. Every match in
/// the key is replaced (anchor with `^`/`$` to replace once). A pattern that is
/// one plain literal (`^old/`, `/kernel$`, `a\.b`) with a replacement without `$`
/// or `\` is matched on the key's bytes instead, with the same results.
public struct KeyRule: Sendable, CustomStringConvertible {
    /// The regular expression, as given.
    public let pattern: String
    /// The replacement template, as given.
    public let replacement: String
    private let regex: NSRegularExpression
    /// The pattern as one literal (`^old/`, `/kernel$`), matched on the key's bytes
    /// without ICU; nil when the rule needs the regular expression (KeyRule+Literal.swift).
    let literal: LiteralKeyRule?

    /// Compiles a rule.
    ///
    /// - Parameters:
    ///   - pattern: An `NSRegularExpression` pattern.
    ///   - replacement: Its template (`$1` for group 1).
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` when the pattern does not compile.
    public init(pattern: String, replacement: String) throws {
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw MetaGraphKitError(.invalidArgument, "rule '\(pattern)=>\(replacement)': the pattern does not compile: \(error.localizedDescription)")
        }
        self.pattern = pattern
        self.replacement = replacement
        literal = LiteralKeyRule(pattern: pattern, replacement: replacement)
    }

    /// Parses `REGEX=>REPLACEMENT` (split at the first `=>`).
    ///
    /// - Parameter text: The rule as typed on the command line.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` without `=>` or for a pattern
    ///   that does not compile.
    public init(parsing text: String) throws {
        guard let r = text.range(of: "=>") else {
            throw MetaGraphKitError(.invalidArgument, "rule '\(text)': expected REGEX=>REPLACEMENT")
        }
        try self.init(pattern: String(text[..<r.lowerBound]), replacement: String(text[r.upperBound...]))
    }

    /// The key with every match replaced.
    ///
    /// - Parameter key: A checkpoint key.
    /// - Returns: The rewritten key (the same key when nothing matches).
    public func apply(_ key: String) -> String {
        if let literal, let decided = key.utf8.withContiguousStorageIfAvailable({ bytes -> String?? in
            guard literal.decides(bytes) else { return nil }
            return .some(literal.apply(bytes).map { String(decoding: $0, as: UTF8.self) })
        }), let decided {
            return decided ?? key
        }
        return applyRegex(key)
    }

    /// Whether the pattern matches anywhere in `key`.
    func matches(_ key: String) -> Bool {
        if let literal, let decided = key.utf8.withContiguousStorageIfAvailable({ bytes -> Bool? in
            literal.decides(bytes) ? literal.contains(bytes) : nil
        }), let decided {
            return decided
        }
        return matchesRegex(key)
    }

    /// ``apply(_:)`` through NSRegularExpression, whatever the pattern.
    func applyRegex(_ key: String) -> String {
        let range = NSRange(key.startIndex..., in: key)
        return regex.stringByReplacingMatches(in: key, range: range, withTemplate: replacement)
    }

    /// ``matches(_:)`` through NSRegularExpression, whatever the pattern.
    func matchesRegex(_ key: String) -> Bool {
        regex.firstMatch(in: key, range: NSRange(key.startIndex..., in: key)) != nil
    }

    public var description: String { "\(pattern)=>\(replacement)" }
}

/// How checkpoint keys are renamed: drops, then the exact map, then the rules.
///
/// For each key:
/// 1. if any ``drops`` pattern matches the (original) key, the key is left out;
/// 2. else if ``map`` has the key, its value is the new name and the rules are
///    not applied (the map is for exceptions the rules get wrong);
/// 3. else every rule is applied in order, each to the previous rule's result.
public struct KeyRules: Sendable {
    /// Rules applied in order.
    public var rules: [KeyRule]
    /// Exact old name → new name; wins over the rules.
    public var map: [String: String]
    /// Patterns of keys to leave out (matched anywhere in the original key).
    public var drops: [KeyRule]

    /// No renaming at all.
    public init(rules: [KeyRule] = [], map: [String: String] = [:], drops: [KeyRule] = []) {
        self.rules = rules
        self.map = map
        self.drops = drops
    }

    /// Builds rules from command-line text.
    ///
    /// - Parameters:
    ///   - rules: `REGEX=>REPLACEMENT` strings.
    ///   - drops: Regular expressions of keys to leave out.
    ///   - mapFile: A JSON file holding one object of string → string, or nil.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for a rule or pattern that
    ///   does not compile or a map file that is not a JSON object of strings;
    ///   `notFound`/`io` when the map file cannot be read.
    public init(rules: [String], drops: [String] = [], mapFile: String? = nil) throws {
        self.rules = try rules.map { try KeyRule(parsing: $0) }
        self.drops = try drops.map { try KeyRule(pattern: $0, replacement: "") }
        map = try mapFile.map { try Self.readMap($0) } ?? [:]
    }

    /// Reads a `--map` file: one JSON object whose values are all strings.
    ///
    /// - Parameter path: The file.
    /// - Returns: Old name → new name.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` naming the first bad value.
    public static func readMap(_ path: String) throws -> [String: String] {
        let bytes = try FileIO.read(path)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            // Foundation's localized text is "The data is not in the correct format";
            // the debug description says what and where ("Too many nested arrays or
            // dictionaries around character 513.").
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            throw MetaGraphKitError.invalidArgument(path, "not JSON: \(detail)")
        }
        guard let dict = object as? [String: Any] else {
            throw MetaGraphKitError.invalidArgument(path, "expected a JSON object of old name → new name")
        }
        var map: [String: String] = [:]
        for (k, v) in dict {
            guard let s = v as? String else {
                throw MetaGraphKitError.invalidArgument(path, "the value of \"\(k)\" is not a string")
            }
            map[k] = s
        }
        return map
    }

    /// Whether nothing is renamed or dropped.
    public var isEmpty: Bool { rules.isEmpty && map.isEmpty && drops.isEmpty }

    /// The new name of a key, or nil when a drop pattern matches it.
    ///
    /// - Parameter key: The original key.
    /// - Returns: The new name (possibly unchanged), or nil to leave the key out.
    public func apply(_ key: String) -> String? {
        if drops.contains(where: { $0.matches(key) }) { return nil }
        if let mapped = map[key] { return mapped }
        return rules.reduce(key) { $1.apply($0) }
    }

    /// Renames a list of keys and checks that no two land on one name.
    ///
    /// - Parameters:
    ///   - keys: The original keys, in the order to report them.
    ///   - file: The checkpoint, for messages.
    /// - Returns: (original, new) pairs of kept keys in `keys` order, and the dropped keys.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` naming both keys of the first
    ///   collision, or a key renamed to the empty string.
    public func plan(_ keys: [String], file: String) throws -> (kept: [(from: String, to: String)], dropped: [String]) {
        var kept: [(from: String, to: String)] = []
        var dropped: [String] = []
        var owner: [String: String] = [:]
        owner.reserveCapacity(keys.count)
        kept.reserveCapacity(keys.count)
        for key in keys {
            guard let new = apply(key) else { dropped.append(key); continue }
            guard !new.isEmpty else {
                throw MetaGraphKitError.invalidArgument(file, "\(key) would be renamed to the empty string")
            }
            if let other = owner[new] {
                throw MetaGraphKitError.invalidArgument(file, "\(other) and \(key) would both be renamed to \(new); add a rule, a --map entry or a --drop")
            }
            owner[new] = key
            kept.append((key, new))
        }
        return (kept, dropped)
    }
}
