// `ckpt match --emit-rules`: the rules that explain a match report's suggestions,
// generalised to scope level where the per-key suggestions agree.
import Foundation

extension MatchReport {
    /// Rules that turn each suggested source name into its target's name.
    ///
    /// A suggestion is used when it is mutual (the missing tensor suggests the
    /// unused key and the key suggests the tensor). Each pair gives a scope rule: the
    /// leading components that differ, up to the common tail
    /// (`net/layer1/kernel` → `model/dense_1/kernel` gives `^net/layer1/` →
    /// `model/dense_1/`), so the keys of one renamed scope share one rule. A rule that
    /// would also rename a key that already matches, or send a key elsewhere than
    /// its suggestion, is replaced by exact `map` entries.
    ///
    /// - Parameter base: The steps the report was made with; they come first in the result.
    /// - Returns: `base` followed by the new steps, and how many pairs they explain.
    public func suggestedRules(after base: RuleSet = RuleSet()) -> (rules: RuleSet, explained: Int) {
        var pairs: [(from: String, to: String)] = []
        for m in missing {
            guard let s = m.suggestion, let u = unused.first(where: { $0.source == s.source }),
                  u.suggestion?.key == m.target.key else { continue }
            let target = targetKind == .metaGraph || m.target.fullName.isEmpty ? m.target.key : m.target.fullName
            pairs.append((s.name, target))
        }
        let allNames = matched.map(\.name) + mismatched.map(\.name) + unused.map(\.name)
        let matchedNames = Set(matched.map(\.name) + mismatched.map(\.name))
        // Fine rules, grouped.
        var rules: [(pattern: String, replacement: String, literal: (String, String))] = []
        var exact: [String: String] = [:]
        for (from, to) in pairs {
            let a = from.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let b = to.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            var tail = 0
            while tail < min(a.count, b.count) - 1, a[a.count - 1 - tail] == b[b.count - 1 - tail] { tail += 1 }
            guard tail > 0 else { exact[from] = to; continue }
            let headA = a[..<(a.count - tail)].joined(separator: "/"), headB = b[..<(b.count - tail)].joined(separator: "/")
            if !rules.contains(where: { $0.literal == (headA, headB) }) {
                rules.append(("^" + Self.escapePattern(headA + "/"), Self.escapeTemplate(headB + "/"), (headA, headB)))
            }
        }
        // Keep the rules that rename only what they should.
        let want = Dictionary(pairs, uniquingKeysWith: { a, _ in a })
        var kept: [KeyRule] = []
        for r in rules {
            guard let rule = try? KeyRule(pattern: r.pattern, replacement: r.replacement) else { continue }
            let touched = allNames.filter { rule.matches($0) }
            let good = touched.allSatisfy { name in
                !matchedNames.contains(name) && (want[name].map { rule.apply(name) == $0 } ?? false)
            }
            if good {
                kept.append(rule)
            } else {
                for name in touched where want[name] != nil && !matchedNames.contains(name) { exact[name] = want[name] }
            }
        }
        var steps = RuleSet()
        if !exact.isEmpty { steps.append(.map(exact), origin: "match --emit-rules") }
        // Longer scopes first, so a nested rename is not pre-empted by its parent's.
        for rule in kept.sorted(by: { $0.pattern.count > $1.pattern.count }) { steps.append(.rename(rule), origin: "match --emit-rules") }
        // The steps together (one may feed the next): every pair lands, nothing matched moves;
        // otherwise exact names for every pair.
        let sound = pairs.allSatisfy { steps.renameNode($0.from) == $0.to }
            && matchedNames.allSatisfy { steps.renameNode($0) == $0 }
        if !sound {
            steps = RuleSet()
            steps.append(.map(want), origin: "match --emit-rules")
        }
        var out = base
        out.append(contentsOf: steps)
        return (out, pairs.count)
    }

    /// A literal for a regular expression: the ICU metacharacters escaped, `/` left readable.
    static func escapePattern(_ s: String) -> String {
        var out = ""
        for c in s {
            if "\\^$.|?*+()[]{}".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// A literal for a replacement template: `$` and `\` escaped.
    static func escapeTemplate(_ s: String) -> String {
        var out = ""
        for c in s {
            if c == "$" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
