import PolicyExpr
import SourceDiagnostics
import YAMLSource

/// Reads rule-file nodes, reporting every problem as a diagnostic at its place:
/// unknown keys (with a suggestion), missing keys and values of the wrong kind.
final class RuleDecoder {
    var bag = DiagnosticBag()

    /// The pairs of a mapping, after checking its keys; nil if the node is not a mapping.
    func mapping(
        _ node: YAMLNode, _ what: String, allowed: [String], required: [String] = [], openKeys: Bool = false
    ) -> [(key: String, keyNode: YAMLNode, value: YAMLNode)]? {
        guard let pairs = node.mapping else {
            bag.error("rules.wrong-kind", "\(what) must be a mapping of `key: value` lines, found \(node.kindDescription)", at: node.span)
            return nil
        }
        var result: [(String, YAMLNode, YAMLNode)] = []
        for (k, v) in pairs {
            guard let key = k.scalar else {
                bag.error("rules.wrong-kind", "keys in \(what) must be plain names", at: k.span)
                continue
            }
            if !openKeys, !allowed.contains(key) {
                let s = Suggestion.closest(to: key, among: allowed)
                bag.error("rules.unknown-key", "unknown key `\(key)` in \(what)", at: k.span,
                    help: s.map { "did you mean `\($0)`?" } ?? "the keys here are: \(allowed.joined(separator: ", "))")
                continue
            }
            result.append((key, k, v))
        }
        for key in required where !result.contains(where: { $0.0 == key }) {
            bag.error("rules.missing-key", "\(what) has no `\(key)`", at: Span(file: node.span.file, start: node.span.start, end: node.span.start + 1),
                help: "add `\(key): …`")
        }
        return result
    }

    func string(_ node: YAMLNode, _ what: String) -> String? {
        guard let s = node.scalar, !node.isNull else {
            bag.error("rules.wrong-kind", "\(what) must be a single value, found \(node.kindDescription)", at: node.span)
            return nil
        }
        return s
    }

    func strings(_ node: YAMLNode, _ what: String) -> [String]? {
        if let s = node.scalar, !node.isNull { return [s] }
        guard let items = node.sequence else {
            bag.error("rules.wrong-kind", "\(what) must be a list, found \(node.kindDescription)", at: node.span)
            return nil
        }
        return items.compactMap { string($0, "each item of \(what)") }
    }

    func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        switch node.scalar {
        case "true", "yes", "是": return true
        case "false", "no", "否": return false
        default:
            bag.error("rules.wrong-kind", "\(what) must be true or false", at: node.span)
            return nil
        }
    }

    func date(_ node: YAMLNode, _ what: String) -> Day? {
        guard let s = string(node, what) else { return nil }
        guard let d = Day(parsing: s) else {
            bag.error("rules.bad-date", "\(what) `\(s)` is not a date that exists", at: node.span, help: "write dates as YYYY-MM-DD")
            return nil
        }
        return d
    }

    func fixed(_ node: YAMLNode, _ what: String) -> Fixed? {
        guard let s = string(node, what) else { return nil }
        switch Fixed.parse(s) {
        case .success(let f):
            return f
        case .failure(.tooLarge):
            bag.error("rules.number-too-large", "\(what) `\(s)`超过12位整数，超出规则中数值的范围", at: node.span,
                help: "数值（整数部分）不超过 999,999,999,999；请核对是否多写了位数")
        case .failure(.misplacedSeparator):
            bag.error("rules.bad-number", "\(what) `\(s)`中的逗号没有按三位分节，读不准是多少", at: node.span,
                help: "写作 1181.5 或 1,181.5：小数点用“.”，分节逗号每三位一个，也可以不写逗号")
        case .failure:
            bag.error("rules.bad-number", "\(what) `\(s)` is not a number", at: node.span)
        }
        return nil
    }

    func choice<W: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ what: String, _: W.Type) -> W? where W.RawValue == String {
        guard let s = string(node, what) else { return nil }
        guard let w = W(rawValue: s) else {
            let all = W.allCases.map(\.rawValue)
            bag.error("rules.bad-value", "\(what) `\(s)` is not one of: \(all.joined(separator: ", "))", at: node.span,
                help: Suggestion.closest(to: s, among: all).map { "did you mean `\($0)`?" })
            return nil
        }
        return w
    }
}
