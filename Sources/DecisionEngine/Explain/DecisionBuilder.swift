import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// Builds decisions from an evaluation's trace: reasons, missing inputs, changes and a summary.
public struct DecisionBuilder {
    public let evaluation: HouseholdEvaluation
    var rules: RuleSet { evaluation.rules }
    var schema: Schema { rules.schema }

    public init(_ evaluation: HouseholdEvaluation) { self.evaluation = evaluation }

    public func decisions(only: Set<String>? = nil) -> [Decision] {
        evaluation.evaluateAll(only: only).map { decision($0.0, member: $0.1, outcome: $0.2) }
    }

    /// The resident's text of one decision, for a roster row: built from a decision without the
    /// values used and without the texts of conditions that did not decide (which it never shows).
    public func residentText(_ p: CompiledPolicy, member: Int, outcome: PolicyOutcome) -> String {
        decision(p, member: member, outcome: outcome, residentOnly: true).residentText
    }

    /// The decision with every reason, its values and texts; with `residentOnly`, only what the
    /// resident's text reads.
    public func decision(_ p: CompiledPolicy, member: Int, outcome: PolicyOutcome, residentOnly: Bool = false) -> Decision {
        let subject = member >= 0 ? evaluation.record.members[member].id : evaluation.record.id
        let subjectLabel = member >= 0 ? evaluation.personName(member: member) : nil
        var reasons: [Decision.Reason] = []
        var changes: [Decision.Change] = []
        if outcome.notInEffect {
            let text = Self.notInEffect(p, on: evaluation.today)
            reasons.append(Decision.Reason(id: "effective", outcome: "unmet", text: text, values: [], basis: p.basis, source: p.sourcePath, decisive: true, depth: 0))
        } else {
            let decisive = decisiveConditions(p.eligible, outcome)
            reasons.reserveCapacity(p.conditions.count)
            for (index, (c, depth)) in p.conditions.enumerated() {
                let o = outcome.conditions[index]
                if c.isOverlap, o != .unmet { continue }
                let isDecisive = decisive[index]
                reasons.append(reason(c, o, depth: depth, member: member, decisive: isDecisive, brief: residentOnly && !isDecisive))
                if isDecisive, o == .unmet, outcome.status != .eligible, let change = change(c, member: member) { changes.append(change) }
            }
        }
        if let other = outcome.yieldedTo {
            let q = rules.policies[other]
            let theirs = evaluation.baseOutcome(q, member: member)
            let custom = p.higherOf.first { $0.policy == other }?.text.map { render($0, member: member) }
            let text = custom ?? Self.gaveWay(to: q.title, theirs: (theirs.amount ?? .zero).yuanString)
            reasons.append(Decision.Reason(id: "overlap.higher.\(q.id)", outcome: "unmet", text: text, values: [], basis: [], source: p.sourcePath, decisive: true, depth: 0))
        }
        let missing = outcome.status == .undetermined ? missingInputs(outcome.causes) : []
        let calculation = outcome.status == .eligible ? p.amount?.explain.map { render($0, member: member) } : nil
        var d = Decision(
            policy: p.id, title: p.title, subject: subject, subjectLabel: subjectLabel, status: outcome.status,
            amount: outcome.status == .eligible ? outcome.amount : nil, calculation: calculation, reasons: reasons,
            missing: missing, changes: changes, summary: summary(p, outcome, reasons, missing), basis: p.basis)
        if !residentOnly {
            d.inAudience = inAudience(p, member: member, status: outcome.status)
            d.horizonEnd = p.horizon.end(from: evaluation.today)
        }
        return d
    }

    /// Whether the subject is in the policy's audience. An unknown audience counts as in while the
    /// decision is open (the fact is asked anyway) and as out once it is 不符合 (nothing to ask).
    func inAudience(_ p: CompiledPolicy, member: Int, status: DecisionStatus) -> Bool {
        guard let audience = p.audience else { return true }
        switch evaluation.evaluator.eval(audience, member: member) {
        case .bool(let b): return b
        default: return status != .ineligible
        }
    }

    /// Why a policy not in effect on the date is unmet.
    static func notInEffect(_ p: CompiledPolicy, on today: Day) -> String {
        if let from = p.effectiveFrom, today < from { return "本政策自\(from.chinese)起施行。" }
        if let to = p.effectiveTo { return "本政策已于\(to.chinese)停止执行。" }
        return "本政策在该日期不适用。"
    }

    /// Why an eligible policy gave way to `q` (择高), unless the rules word it.
    static func gaveWay(to title: String, theirs: String) -> String {
        "同时符合\(title)（每月\(theirs)），两者择高享受\(title)。"
    }

    /// Which conditions decide the status, in walk order: for an unmet `all`, its unmet children;
    /// for an unknown one, its unknown children; for a met `any`, its met children; and so on down.
    func decisiveConditions(_ root: CompiledCondition, _ outcome: PolicyOutcome) -> [Bool] {
        var flags = Array(repeating: false, count: outcome.conditions.count)
        func same(_ a: PolicyOutcome.ConditionOutcome, _ b: PolicyOutcome.ConditionOutcome) -> Bool {
            switch (a, b) {
            case (.unknown, .unknown), (.unmet, .unmet): true
            case (.met, .met), (.met, .excepted), (.excepted, .met), (.excepted, .excepted): true
            default: false
            }
        }
        /// Marks `c` (at walk index `i`) and returns the index after its subtree.
        func visit(_ c: CompiledCondition, _ i: Int, decisive: Bool) -> Int {
            flags[i] = decisive
            var next = i + 1
            switch c.kind {
            case .leaf: break
            case .all(let xs), .any(let xs):
                for x in xs { next = visit(x, next, decisive: decisive && same(outcome.conditions[next], outcome.conditions[i])) }
            case .not(let x): next = visit(x, next, decisive: decisive)
            }
            return next
        }
        _ = visit(root, 0, decisive: true)
        return flags
    }

    /// A condition's reason; `brief` leaves out its values and text.
    func reason(_ c: CompiledCondition, _ o: PolicyOutcome.ConditionOutcome, depth: Int, member: Int, decisive: Bool, brief: Bool = false) -> Decision.Reason {
        let outcomeName: String
        let template: Template?
        switch o {
        case .met: outcomeName = "met"; template = c.met
        case .unmet: outcomeName = "unmet"; template = c.unmet
        case .excepted: outcomeName = "excepted"; template = c.excepted ?? c.met
        case .unknown: outcomeName = "unknown"; template = nil
        }
        guard !brief else {
            return Decision.Reason(id: c.id, outcome: outcomeName, text: nil, values: [], basis: c.basis, source: c.source, decisive: decisive, depth: depth)
        }
        let values = c.references.map { r -> Decision.ValueUsed in
            let v = evaluation.evaluator.eval(r.expr, member: member)
            return Decision.ValueUsed(name: r.name, label: r.label, value: v, type: r.expr.type)
        }
        return Decision.Reason(
            id: c.id, outcome: outcomeName, text: template.map { render($0, member: member) }, values: values, basis: c.basis,
            source: c.source, decisive: decisive, depth: depth)
    }

    /// Fills a template's holes from the evaluation.
    public func render(_ t: Template, member: Int) -> String {
        var out = ""
        for part in t.parts {
            switch part {
            case .text(let s): out += s
            case .value(let e): out += ValueFormatter.text(evaluation.evaluator.eval(e, member: member), e.type)
            }
        }
        return out
    }
}

extension DecisionBuilder {
    /// The short form a roster row needs: the ids of the decisive unmet conditions and the
    /// missing inputs, without rendering any text.
    public func brief(_ p: CompiledPolicy, member: Int, outcome: PolicyOutcome) -> (unmet: [String], missing: [String]) {
        var unmet: [String] = []
        if outcome.notInEffect {
            unmet = ["effective"]
        } else if outcome.status == .ineligible {
            let decisive = decisiveConditions(p.eligible, outcome)
            for (index, (c, _)) in p.conditions.enumerated() where decisive[index] && outcome.conditions[index] == .unmet {
                if case .leaf = c.kind { unmet.append(c.id) }
            }
            if let other = outcome.yieldedTo { unmet.append("overlap.higher.\(rules.policies[other].id)") }
        }
        let missing = outcome.status == .undetermined ? missingInputs(outcome.causes).map(\.input) : []
        return (unmet, missing)
    }
}
