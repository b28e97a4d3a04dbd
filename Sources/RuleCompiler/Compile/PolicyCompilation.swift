import PolicyExpr
import SourceDiagnostics
import YAMLSource

extension ExpressionCompiler {
    /// Compiles one policy's conditions, amount and overlaps.
    func compilePolicy(_ index: Int) -> CompiledPolicy? {
        let p = raw[index]
        let member = p.subject == .person
        let before = bag.errorCount
        var eligible = withOwner("base:\(index)") { p.eligible.flatMap { compileCondition($0, policy: index, memberScope: member) } }
        let amount: CompiledAmount? = withOwner("base:\(index)") {
            guard let a = p.amount else { return nil }
            guard var t = checkExpression(a.value, policy: index, memberScope: member, rounding: a.rounding) else { return nil }
            if t.type != .money, let literal = Checker.moneyLiteral(t) { t = literal }
            guard t.type == .money else {
                bag.error("expr.type-mismatch", "the amount must be money, but this is \(t.type.chinese)", at: a.value.span)
                return nil
            }
            let selfAmount = TExpr(.policy(index, .amount, personSubject: member, name: "amount"), .money, 0..<0)
            let explain = withOwner("template") { checkTemplate(a.explain, policy: index, memberScope: member, extra: ["amount": selfAmount]) }
            return CompiledAmount(expr: t, rounding: a.rounding, explain: explain, span: a.value.span)
        }
        let audience = compileAudience(p, index: index)
        // `excluded_by` becomes a condition of its own, so it is explained like any other.
        var overlapConditions: [CompiledCondition] = []
        for o in p.excludedBy {
            guard let other = otherPolicy(o, from: index) else { continue }
            withOwner("base:\(index)") { noteDependency(on: other, at: o.policy) }
            let test = TExpr(.not(TExpr(.policy(other, .eligible, personSubject: raw[other].subject == .person, name: "\(o.policy).eligible"), .bool, 0..<0)), .bool, 0..<0)
            let text = withOwner("template") { checkTemplate(o.text, policy: index, memberScope: member) }
            overlapConditions.append(CompiledCondition(
                id: "overlap.\(o.policy)", kind: .leaf(when: test, unless: nil), met: nil, unmet: text, excepted: nil, change: nil,
                basis: [], span: o.node.span, references: [], isOverlap: true, rulesDirectory: rulesDirectory))
        }
        var higher: [(Int, Template?)] = []
        edges["final:\(index)", default: []].append(("base:\(index)", p.id))
        for o in p.higherOf {
            guard let other = otherPolicy(o, from: index) else { continue }
            if raw[other].subject != p.subject {
                bag.error("policy.overlap-subject", "择高 compares policies of the same subject; `\(o.policy)` is decided per \(raw[other].subject == .person ? "member" : "household")", at: o.node.span)
                continue
            }
            edges["final:\(index)", default: []].append(("base:\(other)", o.policy))
            higher.append((other, withOwner("template") { checkTemplate(o.text, policy: index, memberScope: member) }))
        }
        guard bag.errorCount == before, let root = eligible else { return nil }
        if !overlapConditions.isEmpty {
            if case .all(let items) = root.kind, root.met == nil, root.unmet == nil {
                eligible = CompiledCondition(id: root.id, kind: .all(items + overlapConditions), met: nil, unmet: nil, excepted: nil, change: nil, basis: root.basis, span: root.span, references: [], rulesDirectory: rulesDirectory)
            } else {
                eligible = CompiledCondition(id: "eligible", kind: .all([root] + overlapConditions), met: nil, unmet: nil, excepted: nil, change: nil, basis: [], span: root.span, references: [], rulesDirectory: rulesDirectory)
            }
        }
        return CompiledPolicy(
            index: index, id: p.id, title: p.title, subject: p.subject, effectiveFrom: p.effectiveFrom, effectiveTo: p.effectiveTo,
            basis: p.basis, who: p.who, procedure: p.procedure, publicity: p.publicity, audience: audience, horizon: p.horizon, eligible: eligible!, amount: amount, higherOf: higher, file: p.file, rulesDirectory: rulesDirectory)
    }

    /// Checks `audience:`: a condition over the policy's subject. It is read after every decision
    /// is made, so it may use other policies' results without ordering them (its own owner).
    func compileAudience(_ p: RawPolicy, index: Int) -> TExpr? {
        guard let node = p.audience else { return nil }
        return withOwner("audience:\(index)") {
            guard let t = checkExpression(node, policy: index, memberScope: p.subject == .person) else { return nil }
            guard t.type == .bool else {
                bag.error("expr.type-mismatch", "`audience` must be true or false, but this is \(t.type.chinese)", at: node.span,
                    help: "say who the policy is for: `age >= 60`, `disability_grade >= 1`")
                return nil
            }
            return t
        }
    }

    func otherPolicy(_ o: RawPolicy.Overlap, from index: Int) -> Int? {
        guard let other = policyIndex[o.policy] else {
            bag.error("policy.unknown", "no policy is named `\(o.policy)`", at: o.node.span,
                help: Suggestion.closest(to: o.policy, among: raw.map(\.id)).map { "did you mean `\($0)`?" })
            return nil
        }
        if other == index {
            bag.error("policy.overlap-self", "a policy cannot overlap with itself", at: o.node.span)
            return nil
        }
        return other
    }

    func compileCondition(_ c: RawPolicy.RawCondition, policy: Int, memberScope: Bool) -> CompiledCondition? {
        let kind: CompiledCondition.Kind
        var references: [ValueReference] = []
        switch c.kind {
        case .leaf(let when, let unless):
            let w = checkExpression(when, policy: policy, memberScope: memberScope)
            let u = unless.flatMap { checkExpression($0, policy: policy, memberScope: memberScope) }
            guard let w else { return nil }
            if unless != nil, u == nil { return nil }
            for (t, node) in [(w, when)] + (u.map { [($0, unless!)] } ?? []) where t.type != .bool {
                bag.error("expr.type-mismatch", "a condition must be true or false, but this is \(t.type.chinese)", at: node.span,
                    help: "compare it: `… < standard`, `… == 0`")
                return nil
            }
            kind = .leaf(when: w, unless: u)
            references = collectReferences(w) + (u.map(collectReferences) ?? [])
        case .all(let items), .any(let items):
            let children = items.compactMap { compileCondition($0, policy: policy, memberScope: memberScope) }
            guard children.count == items.count else { return nil }
            if case .all = c.kind { kind = .all(children) } else { kind = .any(children) }
        case .not(let inner):
            guard let x = compileCondition(inner, policy: policy, memberScope: memberScope) else { return nil }
            kind = .not(x)
        }
        var seen = Set<String>()
        references = references.filter { seen.insert($0.name).inserted }
        let templates = withOwner("template") {
            [c.met, c.unmet, c.excepted, c.change].map { checkTemplate($0, policy: policy, memberScope: memberScope) }
        }
        return CompiledCondition(
            id: c.id, kind: kind, met: templates[0], unmet: templates[1], excepted: templates[2], change: templates[3],
            basis: c.basis, span: c.node.span, references: references, rulesDirectory: rulesDirectory)
    }

    /// The values a condition reads at its own level (not those read per member inside an aggregate).
    func collectReferences(_ e: TExpr) -> [ValueReference] {
        switch e.op {
        case .householdLet(let slot, let name):
            return [ValueReference(name: name, label: householdLets[slot].raw.label ?? name, expr: e)]
        case .memberLet(let slot, let name):
            return [ValueReference(name: name, label: memberLets[slot].raw.label ?? name, expr: e)]
        case .field(let i, let level, let name):
            let f = level == .household ? schema.household[i] : schema.person[i]
            return f.sensitive ? [] : [ValueReference(name: name, label: f.label, expr: e)]
        case .kind(let fi, let k, let level, let name):
            let f = level == .household ? schema.household[fi] : schema.person[fi]
            guard case .moneyByKind(_, let labels) = f.kind else { return [] }
            return [ValueReference(name: name, label: labels[k], expr: e)]
        case .parameter(let i, let name):
            return [ValueReference(name: name, label: schema.parameters[i].label, expr: e)]
        case .policy(let i, _, _, let name):
            return [ValueReference(name: name, label: raw[i].title, expr: e)]
        case .age:
            return [ValueReference(name: "age", label: "年龄（周岁）", expr: e)]
        case .aggregate(_, let source, _, _):
            return collectReferences(source)
        case .filter(let source, _):
            return collectReferences(source)
        default:
            return e.children.flatMap(collectReferences)
        }
    }

    /// Checks `let` values that nothing used, so that their mistakes are reported too.
    func checkRemainingLets() {
        for slot in householdLets.indices {
            if case .unchecked = householdLets[slot].state { _ = withOwner("unused") { resolveHouseholdLet(slot, from: householdLets[slot].policy) } }
        }
        for slot in memberLets.indices {
            if case .unchecked = memberLets[slot].state { _ = withOwner("unused") { resolveMemberLet(slot, from: memberLets[slot].policy) } }
        }
    }

    /// Reports cycles between policies; returns an order in which each policy follows those it needs.
    func checkCycles() -> [Int] {
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var path: [String] = []
        var reported = Set<String>()
        func policyOf(_ node: String) -> Int? {
            let parts = node.split(separator: ":")
            return parts[0] == "base" || parts[0] == "final" ? Int(parts[1]) : nil
        }
        func visit(_ node: String) {
            state[node] = 1
            path.append(node)
            for (to, _) in edges[node] ?? [] {
                if state[to] == 1 {
                    let loop = path[path.lastIndex(of: to)!...] + [to]
                    var names: [String] = []
                    for n in loop.compactMap(policyOf).map({ raw[$0].id }) where names.last != n { names.append(n) }
                    let key = Set(names).sorted().joined(separator: ",")
                    if names.count > 1, reported.insert(key).inserted, let first = loop.compactMap(policyOf).first {
                        bag.error("policy.cycle", "policies refer to each other in a circle: \(names.joined(separator: " → "))", at: raw[first].idNode.span,
                            help: "a policy may use another's decision only if that one does not, through any chain, use it back")
                    }
                } else if state[to] == nil {
                    visit(to)
                }
            }
            path.removeLast()
            state[node] = 2
        }
        for i in raw.indices where state["final:\(i)"] == nil { visit("final:\(i)") }
        var order: [Int] = []
        var seen = Set<String>()
        var placed = Set<Int>()
        func place(_ node: String) {
            guard seen.insert(node).inserted else { return }
            for (to, _) in edges[node] ?? [] { place(to) }
            if node.hasPrefix("final:"), let i = policyOf(node), placed.insert(i).inserted { order.append(i) }
        }
        for i in raw.indices { place("final:\(i)") }
        return order
    }
}
