import PolicyExpr
import SourceDiagnostics
import YAMLSource

/// The names one policy's expressions can use, resolving `let` values on demand so that a
/// value may be used before the line that defines it; cycles between values are reported.
final class PolicyScope: SymbolTable {
    let compiler: ExpressionCompiler
    let policy: Int

    init(compiler: ExpressionCompiler, policy: Int) {
        self.compiler = compiler
        self.policy = policy
    }

    func lookup(_ name: String, memberScope: Bool) -> SymbolLookup {
        let c = compiler
        let schema = c.schema
        if memberScope, let slot = c.memberLetSlot(policy: policy, name: name) {
            return c.resolveMemberLet(slot, from: policy)
        }
        if let slot = c.householdLetSlot(policy: policy, name: name) {
            return c.resolveHouseholdLet(slot, from: policy)
        }
        for level in memberScope ? [FieldLevel.person, .household] : [.household] {
            if let symbol = fieldSymbol(name, level, schema) { return .found(symbol) }
        }
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2, let other = c.policyIndex[parts[0]] {
            let target = c.raw[other]
            if let facet = PolicyFacet(rawValue: parts[1]) {
                if target.subject == .person, !memberScope {
                    return .misplaced("`\(target.id)` decides for each member: write any(members, \(name))")
                }
                c.noteDependency(on: other, at: name)
                return .found(.policy(other, facet, personSubject: target.subject == .person))
            }
            if memberScope, let slot = c.memberLetSlot(policy: other, name: parts[1]) {
                return c.resolveMemberLet(slot, from: policy)
            }
            if let slot = c.householdLetSlot(policy: other, name: parts[1]) {
                return c.resolveHouseholdLet(slot, from: policy)
            }
        }
        if !memberScope, fieldSymbol(name, .person, schema) != nil || c.memberLetSlot(policy: policy, name: name) != nil {
            return .misplaced("each member has their own `\(name)`: use it inside count(members where …), sum(members, …) or any(members, …)")
        }
        return .notFound
    }

    func fieldSymbol(_ name: String, _ level: FieldLevel, _ schema: Schema) -> Symbol? {
        let fields = level == .household ? schema.household : schema.person
        if let f = fields.first(where: { $0.key == name }), let type = f.kind.exprType {
            return .field(f.index, level, type)
        }
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2, let f = fields.first(where: { $0.key == parts[0] }), case .moneyByKind(let kinds, _) = f.kind,
            let k = kinds.firstIndex(of: parts[1])
        {
            return .kind(field: f.index, kind: k, level)
        }
        return nil
    }

    func visibleNames(memberScope: Bool) -> [String] {
        let c = compiler
        var names = c.raw[policy].lets.map(\.name)
        names += c.schema.household.flatMap { fieldNames($0) }
        if memberScope {
            names += c.raw[policy].memberLets.map(\.name)
            names += c.schema.person.flatMap { fieldNames($0) }
        }
        for p in c.raw where p.id != c.raw[policy].id {
            names += PolicyFacet.allCases.map { "\(p.id).\($0.rawValue)" }
            names += p.lets.map { "\(p.id).\($0.name)" }
        }
        return names
    }

    private func fieldNames(_ f: FieldSpec) -> [String] {
        if case .moneyByKind(let kinds, _) = f.kind { return kinds.map { "\(f.key).\($0)" } }
        return [f.key]
    }

    func parameter(named name: String) -> (index: Int, type: ExprType)? {
        compiler.schema.parameter(name).map { ($0.index, $0.type) }
    }

    var parameterNames: [String] { compiler.schema.parameters.map(\.name) }
}
