import PolicyExpr
import SourceDiagnostics
import YAMLSource

/// Checks every expression of every policy, turning problems into diagnostics in the YAML
/// file's coordinates, and records which policy depends on which.
final class ExpressionCompiler {
    let schema: Schema
    let raw: [RawPolicy]
    let policyIndex: [String: Int]
    var bag = DiagnosticBag()

    enum LetState { case unchecked, inProgress, done(TExpr), failed }
    struct LetInfo {
        let policy: Int
        let raw: RawPolicy.Let
        var state: LetState = .unchecked
    }
    var householdLets: [LetInfo] = []
    var memberLets: [LetInfo] = []
    var householdLetIndex: [String: Int] = [:]
    var memberLetIndex: [String: Int] = [:]

    /// Dependency graph: "base:p" (conditions and amount), "final:p" (after 择高), "let:h3", "let:m2".
    var edges: [String: [(to: String, label: String)]] = [:]
    var owners: [String] = []

    let rulesDirectory: String

    init(schema: Schema, raw: [RawPolicy], rulesDirectory: String) {
        self.rulesDirectory = rulesDirectory
        self.schema = schema
        self.raw = raw
        var index: [String: Int] = [:]
        for (i, p) in raw.enumerated() { index[p.id] = i }
        policyIndex = index
        for (i, p) in raw.enumerated() {
            for l in p.lets {
                householdLetIndex["\(i)/\(l.name)"] = householdLets.count
                householdLets.append(LetInfo(policy: i, raw: l))
            }
            for l in p.memberLets {
                memberLetIndex["\(i)/\(l.name)"] = memberLets.count
                memberLets.append(LetInfo(policy: i, raw: l))
            }
        }
    }

    func householdLetSlot(policy: Int, name: String) -> Int? { householdLetIndex["\(policy)/\(name)"] }
    func memberLetSlot(policy: Int, name: String) -> Int? { memberLetIndex["\(policy)/\(name)"] }

    func noteDependency(on policy: Int, at name: String) {
        guard let owner = owners.last else { return }
        edges[owner, default: []].append(("final:\(policy)", name))
    }

    func resolveHouseholdLet(_ slot: Int, from policy: Int) -> SymbolLookup { resolveLet(slot, memberScope: false) }
    func resolveMemberLet(_ slot: Int, from policy: Int) -> SymbolLookup { resolveLet(slot, memberScope: true) }

    /// Checks a `let` value the first time it is used (so order in the file does not matter);
    /// reports it when it is defined through itself.
    func resolveLet(_ slot: Int, memberScope: Bool) -> SymbolLookup {
        let lets: ReferenceWritableKeyPath<ExpressionCompiler, [LetInfo]> = memberScope ? \.memberLets : \.householdLets
        let node = "let:\(memberScope ? "m" : "h")\(slot)"
        func symbol(_ t: TExpr) -> SymbolLookup { .found(memberScope ? .memberLet(slot, t.type) : .householdLet(slot, t.type)) }
        if let owner = owners.last { edges[owner, default: []].append((node, self[keyPath: lets][slot].raw.name)) }
        switch self[keyPath: lets][slot].state {
        case .done(let t): return symbol(t)
        case .failed: return .failed
        case .inProgress:
            reportLetCycle(self[keyPath: lets][slot])
            self[keyPath: lets][slot].state = .failed
            return .failed
        case .unchecked:
            self[keyPath: lets][slot].state = .inProgress
            let info = self[keyPath: lets][slot]
            let t = withOwner(node) { checkExpression(info.raw.value, policy: info.policy, memberScope: memberScope, rounding: info.raw.rounding) }
            if case .failed = self[keyPath: lets][slot].state { return .failed }
            self[keyPath: lets][slot].state = t.map { .done($0) } ?? .failed
            return t.map(symbol) ?? .failed
        }
    }

    func reportLetCycle(_ info: LetInfo) {
        bag.error("rules.let-cycle", "the value `\(info.raw.name)` is defined in terms of itself", at: info.raw.nameNode.span,
            help: "a `let` value may use others, but not in a circle")
    }

    func withOwner<T>(_ owner: String, _ body: () -> T) -> T {
        owners.append(owner)
        defer { owners.removeLast() }
        return body()
    }

    /// Parses and checks one expression held in a YAML scalar.
    func checkExpression(_ node: YAMLNode, policy: Int, memberScope: Bool, rounding: (RoundingUnit, Rounding)? = nil) -> TExpr? {
        guard let text = node.scalar, !node.isNull else {
            bag.error("rules.wrong-kind", "an expression must be a single value, found \(node.kindDescription)", at: node.span)
            return nil
        }
        return checkExpressionText(text, offset: 0, in: node, policy: policy, memberScope: memberScope, rounding: rounding)
    }

    func checkExpressionText(_ text: String, offset: Int, in node: YAMLNode, policy: Int, memberScope: Bool, rounding: (RoundingUnit, Rounding)?) -> TExpr? {
        func span(_ r: Range<Int>) -> Span { node.sourceSpan(ofValueRange: (r.lowerBound + offset)..<(r.upperBound + offset)) }
        switch Parser.parse(text) {
        case .failure(let e):
            bag.error("expr.syntax", e.message, at: span(e.range), help: e.help)
            return nil
        case .success(let expr):
            var checker = Checker(table: PolicyScope(compiler: self, policy: policy))
            let t = checker.check(expr, memberScope: memberScope, rounding: rounding)
            for p in checker.problems {
                bag.add(Diagnostic(p.id, p.message, at: span(p.range), notes: p.notes, help: p.help))
            }
            return checker.problems.isEmpty ? t : nil
        }
    }

    /// A template: text with `{expression}` holes (`{{` and `}}` stand for braces).
    func checkTemplate(_ node: YAMLNode?, policy: Int, memberScope: Bool, extra: [String: TExpr] = [:]) -> Template? {
        guard let node else { return nil }
        guard let text = node.scalar else {
            bag.error("rules.wrong-kind", "a text must be a single value, found \(node.kindDescription)", at: node.span)
            return nil
        }
        var parts: [Template.Part] = []
        let bytes = Array(text.utf8)
        var literal: [UInt8] = []
        var i = 0
        var ok = true
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "{"), i + 1 < bytes.count, bytes[i + 1] == b { literal.append(b); i += 2; continue }
            if b == UInt8(ascii: "}"), i + 1 < bytes.count, bytes[i + 1] == b { literal.append(b); i += 2; continue }
            guard b == UInt8(ascii: "{") else { literal.append(b); i += 1; continue }
            guard let close = bytes[(i + 1)...].firstIndex(of: UInt8(ascii: "}")) else {
                bag.error("template.unclosed", "`{` opens a value that is never closed", at: node.sourceSpan(ofValueRange: i..<(i + 1)), help: "close it with `}`, or write `{{` for a brace")
                return nil
            }
            if !literal.isEmpty { parts.append(.text(String(decoding: literal, as: UTF8.self))); literal = [] }
            let inner = String(decoding: bytes[(i + 1)..<close], as: UTF8.self)
            if let special = extra[inner.trimmingSpaces] {
                parts.append(.value(special))
            } else if let t = checkExpressionText(inner, offset: i + 1, in: node, policy: policy, memberScope: memberScope, rounding: (.fen, .halfUp)) {
                parts.append(.value(t))
            } else {
                ok = false
            }
            i = close + 1
        }
        if !literal.isEmpty { parts.append(.text(String(decoding: literal, as: UTF8.self))) }
        return ok ? Template(parts: parts, span: node.span) : nil
    }
}
