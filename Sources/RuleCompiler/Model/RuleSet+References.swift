import PolicyExpr

/// What a policy reads, through its conditions, its amount and the values they use.
public struct PolicyReferences: Sendable {
    /// Parameter indices, in schema order.
    public var parameters: [Int] = []
    /// Field indices by level, in schema order.
    public var householdFields: [Int] = []
    public var personFields: [Int] = []
    /// Other policies it refers to.
    public var policies: [Int] = []
}

extension RuleSet {
    public func references(of p: CompiledPolicy) -> PolicyReferences {
        var parameters = Set<Int>(), household = Set<Int>(), person = Set<Int>(), policies = Set<Int>()
        var seenHousehold = Set<Int>(), seenMember = Set<Int>()
        var stack: [TExpr] = []
        for (c, _) in p.conditions {
            if case .leaf(let when, let unless) = c.kind {
                stack.append(when)
                if let unless { stack.append(unless) }
            }
        }
        if let a = p.amount { stack.append(a.expr) }
        while let e = stack.popLast() {
            switch e.op {
            case .parameter(let i, _): parameters.insert(i)
            case .field(let i, let level, _), .kind(let i, _, let level, _):
                if level == .household { household.insert(i) } else { person.insert(i) }
            case .policy(let i, _, _, _): policies.insert(i)
            case .age, .dateOfAge:
                if let f = schema.field(schema.conventions.birthDate, .person) { person.insert(f.index) }
                stack += e.children
            case .householdLet(let i, _): if seenHousehold.insert(i).inserted { stack.append(householdLets[i].expr) }
            case .memberLet(let i, _): if seenMember.insert(i).inserted { stack.append(memberLets[i].expr) }
            default: stack += e.children
            }
        }
        return PolicyReferences(parameters: parameters.sorted(), householdFields: household.sorted(), personFields: person.sorted(), policies: policies.sorted())
    }
}
