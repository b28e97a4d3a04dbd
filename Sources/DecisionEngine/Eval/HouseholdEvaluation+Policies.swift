import PolicyExpr
import RuleCompiler

extension HouseholdEvaluation {
    /// The decision after 择高: the base decision, unless another policy pays more.
    public func finalOutcome(_ p: CompiledPolicy, member: Int) -> PolicyOutcome {
        let slot = max(0, member)
        if let o = finalOutcomes[p.index][slot] { return o }
        var outcome = baseOutcome(p, member: member)
        if outcome.status == .eligible {
            for (other, _) in p.higherOf {
                let q = rules.policies[other]
                let theirs = baseOutcome(q, member: member)
                switch theirs.status {
                case .ineligible: continue
                case .undetermined:
                    outcome.status = .undetermined
                    outcome.causes += theirs.causes
                case .eligible:
                    let mine = outcome.amount ?? .zero, their = theirs.amount ?? .zero
                    if their > mine || (their == mine && other < p.index) {
                        outcome.status = .ineligible
                        outcome.yieldedTo = other
                    }
                }
                if outcome.status != .eligible { break }
            }
        }
        finalOutcomes[p.index][slot] = outcome
        return outcome
    }

    /// Conditions and amount, before overlaps of 择高.
    public func baseOutcome(_ p: CompiledPolicy, member: Int) -> PolicyOutcome {
        let slot = max(0, member)
        if let o = baseOutcomes[p.index][slot] { return o }
        var conditions: [PolicyOutcome.ConditionOutcome] = []
        conditions.reserveCapacity(8)
        var outcome: PolicyOutcome
        if let from = p.effectiveFrom, today < from {
            outcome = PolicyOutcome(status: .ineligible, amount: nil, conditions: [], causes: [], notInEffect: true)
        } else if let to = p.effectiveTo, today > to {
            outcome = PolicyOutcome(status: .ineligible, amount: nil, conditions: [], causes: [], notInEffect: true)
        } else {
            let root = evaluate(p.eligible, member: member, into: &conditions)
            switch root {
            case .met, .excepted:
                outcome = PolicyOutcome(status: .eligible, amount: nil, conditions: conditions, causes: [])
                if let a = p.amount {
                    var v = evaluator.eval(a.expr, member: member)
                    if let (unit, mode) = a.rounding, case .fixed(let f) = v {
                        if case .divide = a.expr.op {} else { v = .fixed(f.rounded(to: unit, mode: mode)) }
                    }
                    switch v {
                    case .fixed(let f): outcome.amount = f
                    case .int(let i):
                        if let f = Fixed.checked(i) {
                            outcome.amount = f
                        } else {
                            outcome.status = .undetermined
                            outcome.causes = [.overflow]
                        }
                    default:
                        outcome.status = .undetermined
                        outcome.causes = v.causes
                    }
                }
            case .unmet:
                outcome = PolicyOutcome(status: .ineligible, amount: nil, conditions: conditions, causes: [])
            case .unknown(let causes):
                outcome = PolicyOutcome(status: .undetermined, amount: nil, conditions: conditions, causes: causes)
            }
        }
        baseOutcomes[p.index][slot] = outcome
        return outcome
    }

    /// Evaluates a condition tree without short-cuts, so that every condition has an outcome to explain.
    func evaluate(_ c: CompiledCondition, member: Int, into out: inout [PolicyOutcome.ConditionOutcome]) -> PolicyOutcome.ConditionOutcome {
        let position = out.count
        out.append(.unmet)
        let result: PolicyOutcome.ConditionOutcome
        switch c.kind {
        case .leaf(let when, let unless):
            let w = evaluator.eval(when, member: member)
            if case .bool(true) = w {
                result = .met
            } else {
                let u = unless.map { evaluator.eval($0, member: member) }
                switch (w, u) {
                case (_, .bool(true)?): result = .excepted
                case (.bool(false), nil), (.bool(false), .bool(false)?): result = .unmet
                default: result = .unknown(w.causes + (u?.causes ?? []))
                }
            }
        case .all(let items):
            result = combine(items, member: member, into: &out, decisive: .unmet, otherwise: .met)
        case .any(let items):
            result = combine(items, member: member, into: &out, decisive: .met, otherwise: .unmet)
        case .not(let inner):
            switch evaluate(inner, member: member, into: &out) {
            case .met, .excepted: result = .unmet
            case .unmet: result = .met
            case .unknown(let c): result = .unknown(c)
            }
        }
        out[position] = result
        return result
    }

    /// `all` (an unmet child decides) or `any` (a met child decides), evaluating every child.
    func combine(_ items: [CompiledCondition], member: Int, into out: inout [PolicyOutcome.ConditionOutcome], decisive: PolicyOutcome.ConditionOutcome, otherwise: PolicyOutcome.ConditionOutcome) -> PolicyOutcome.ConditionOutcome {
        var decided = false
        var causes: [UnknownCause] = []
        var unknown = false
        for item in items {
            switch evaluate(item, member: member, into: &out) {
            case .unknown(let c): unknown = true; causes += c
            case .excepted: if decisive == .met { decided = true }
            case let o: if o == decisive { decided = true }
            }
        }
        return decided ? decisive : unknown ? .unknown(causes) : otherwise
    }

    /// Every policy's decision, in rule order: one for a household policy, one a member for a person policy.
    public func evaluateAll(only: Set<String>? = nil) -> [(CompiledPolicy, Int, PolicyOutcome)] {
        var results: [(CompiledPolicy, Int, PolicyOutcome)] = []
        for p in rules.policies where only == nil || only!.contains(p.id) {
            if p.subject == .person {
                for m in record.members.indices { results.append((p, m, finalOutcome(p, member: m))) }
            } else {
                results.append((p, -1, finalOutcome(p, member: -1)))
            }
        }
        return results
    }
}
