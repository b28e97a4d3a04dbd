import PolicyExpr
import RuleCompiler

/// The names of a loaded rule set as an expression sees them: schema fields (and income kinds),
/// parameters, every `let` by its qualified name (`dibao.income`) or its own name (the first
/// policy's), and policy decisions
/// (`dibao.eligible`) — the slots `HouseholdEvaluation` reads, so checked expressions evaluate
/// against a real household.
final class RuleSymbols: SymbolTable, Sendable {
    let rules: RuleSet

    init(rules: RuleSet) { self.rules = rules }

    func lookup(_ name: String, memberScope: Bool) -> SymbolLookup {
        // A let by its qualified name, else by its own name in the first policy that has one.
        let named: (CompiledLet) -> Bool = { $0.qualifiedName == name }
        let bare: (CompiledLet) -> Bool = { $0.name == name }
        if memberScope, let i = rules.memberLets.firstIndex(where: named) ?? rules.memberLets.firstIndex(where: bare) {
            return .found(.memberLet(i, rules.memberLets[i].expr.type))
        }
        if let i = rules.householdLets.firstIndex(where: named) ?? rules.householdLets.firstIndex(where: bare) {
            return .found(.householdLet(i, rules.householdLets[i].expr.type))
        }
        for level in memberScope ? [FieldLevel.person, .household] : [.household] {
            if let symbol = field(name, level) { return .found(symbol) }
        }
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2, let p = rules.policies.firstIndex(where: { $0.id == parts[0] }), let facet = PolicyFacet(rawValue: parts[1]) {
            let person = rules.policies[p].subject == .person
            if person, !memberScope { return .misplaced("`\(parts[0])` decides for each member") }
            return .found(.policy(p, facet, personSubject: person))
        }
        if !memberScope, field(name, .person) != nil || rules.memberLets.contains(where: { $0.qualifiedName == name || $0.name == name }) {
            return .misplaced("each member has their own `\(name)`")
        }
        return .notFound
    }

    func field(_ name: String, _ level: FieldLevel) -> Symbol? {
        let fields = level == .household ? rules.schema.household : rules.schema.person
        if let f = fields.first(where: { $0.key == name }), let type = f.kind.exprType { return .field(f.index, level, type) }
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2, let f = fields.first(where: { $0.key == parts[0] }), case .moneyByKind(let kinds, _) = f.kind,
            let k = kinds.firstIndex(of: parts[1])
        {
            return .kind(field: f.index, kind: k, level)
        }
        return nil
    }

    func visibleNames(memberScope: Bool) -> [String] {
        var names = rules.householdLets.map(\.qualifiedName) + rules.schema.household.map(\.key)
        if memberScope { names += rules.memberLets.map(\.qualifiedName) + rules.schema.person.map(\.key) }
        return names
    }

    func parameter(named name: String) -> (index: Int, type: ExprType)? {
        rules.schema.parameter(name).map { ($0.index, $0.type) }
    }

    var parameterNames: [String] { rules.schema.parameters.map(\.name) }
}
