import PolicyExpr
import RuleCompiler
import SourceDiagnostics

extension DecisionBuilder {
    /// What would change an unmet condition: its `change:` text, the date an age is reached,
    /// or the boundary of a comparison ("家庭人均月收入需低于940元，现为1,200元").
    func change(_ c: CompiledCondition, member: Int) -> Decision.Change? {
        if let t = c.change {
            // A `change:` text that names a date is a change on that date (年满80周岁之日).
            let date = t.parts.lazy.compactMap { part -> Day? in
                guard case .value(let e) = part, e.type == .date, case .date(let d) = self.evaluation.evaluator.eval(e, member: member) else { return nil }
                return d
            }.first
            return Decision.Change(condition: c.id, kind: date == nil ? "text" : "date", text: render(t, member: member), date: date, threshold: nil, current: nil)
        }
        guard case .leaf(let when, _) = c.kind, case .compare(let op, let lhs, let rhs) = when.op else { return nil }
        let ev = evaluation.evaluator
        if case .age = lhs.op, op == .greaterOrEqual || op == .greater, case .int(let n) = ev.eval(rhs, member: member) {
            guard let years = CheckedArithmetic.ints(.add, n, op == .greater ? 1 : 0),
                case .date(let day) = evaluation.dateOfAge(years, member: member), day > evaluation.today
            else { return nil }
            return Decision.Change(condition: c.id, kind: "date", text: Self.reaching(String(years), on: day.chinese), date: day, threshold: String(years), current: nil)
        }
        let left = ev.eval(lhs, member: member), right = ev.eval(rhs, member: member)
        guard lhs.type.isNumeric, !left.isUnknown, !right.isUnknown else { return nil }
        let label = referenceLabel(lhs) ?? "该项"
        let threshold = ValueFormatter.text(right, rhs.type)
        let current = ValueFormatter.text(left, lhs.type)
        return Decision.Change(
            condition: c.id, kind: "boundary", text: Self.boundary(label, op, threshold, current), date: nil,
            threshold: jsonNumber(right, rhs.type), current: jsonNumber(left, lhs.type))
    }

    /// The change of an age not yet reached.
    static func reaching(_ years: String, on day: String) -> String { "将于\(day)年满\(years)周岁" }

    /// The change of a comparison not met: where the boundary is, and where the value is now.
    static func boundary(_ label: String, _ op: ComparisonOp, _ threshold: String, _ current: String) -> String {
        "\(label)需\(op.chinese)\(threshold)，现为\(current)"
    }

    func jsonNumber(_ v: Value, _ type: ExprType) -> String? {
        switch v {
        case .int(let i): return type == .money ? MoneyTotal(yuan: i).decimalString(places: 2) : String(i)
        case .fixed(let f): return type == .money ? f.decimalString(places: 2) : f.plainString
        default: return nil
        }
    }

    func referenceLabel(_ e: TExpr) -> String? { Self.referenceLabel(e, rules: rules) }

    /// What a comparison's left side is called in a change ("家庭人均月收入"): the label of the
    /// `let`, field, kind or parameter it names.
    static func referenceLabel(_ e: TExpr, rules: RuleSet) -> String? {
        let schema = rules.schema
        switch e.op {
        case .householdLet(let slot, let name): return rules.householdLets[slot].label ?? name
        case .memberLet(let slot, let name): return rules.memberLets[slot].label ?? name
        case .field(let i, let level, _): return (level == .household ? schema.household : schema.person)[i].label
        case .kind(let f, let k, let level, _):
            if case .moneyByKind(_, let labels) = (level == .household ? schema.household : schema.person)[f].kind { return labels[k] }
            return nil
        case .parameter(let i, _): return schema.parameters[i].label
        case .aggregate(.count, _, _, _): return "人数"
        default: return nil
        }
    }

    /// The inputs whose absence left the decision open, each with what to bring.
    func missingInputs(_ causes: [UnknownCause]) -> [Decision.Missing] {
        var seen = Set<UnknownCause>()
        var result: [Decision.Missing] = []
        for cause in causes where seen.insert(cause).inserted {
            switch cause {
            case .field(let i, let member):
                if member < 0 {
                    let f = schema.household[i]
                    result.append(Decision.Missing(input: f.key, label: f.label, ask: f.ask, subject: nil))
                } else {
                    let f = schema.person[i]
                    let m = evaluation.record.members[member]
                    let who = evaluation.personName(member: member)
                    result.append(Decision.Missing(input: "members[\(m.id)].\(f.key)", label: "\(who)的\(f.label)", ask: f.ask, subject: m.id))
                }
            case .parameter(let i):
                let spec = schema.parameters[i]
                result.append(Decision.Missing(
                    input: "parameter:\(spec.name)", label: "\(evaluation.regionName)在\(evaluation.today.chinese)的\(spec.label)（规则中缺少此参数，请联系政策管理人员）",
                    ask: nil, subject: nil))
            case .undefined(let what):
                let label: String
                switch cause {
                case .divisionByZero: label = "计算时除数为0（如共同生活的家庭成员人数为0）"
                case .overflow: label = "所填金额或数量过大，超出可计算的范围（请核对是否多填了位数）"
                default: label = "无法计算的值（\(what)）"
                }
                result.append(Decision.Missing(input: "undefined:\(what)", label: label, ask: nil, subject: nil))
            }
        }
        return result
    }

    func summary(_ p: CompiledPolicy, _ o: PolicyOutcome, _ reasons: [Decision.Reason], _ missing: [Decision.Missing]) -> String {
        switch o.status {
        case .eligible:
            if let a = o.amount, p.amount != nil { return "符合\(p.title)条件，预计每月\(a.yuanString)。" }
            return "符合\(p.title)条件。"
        case .ineligible:
            let why = reasons.first { $0.decisive && $0.outcome == "unmet" && $0.text != nil }?.text
            return "不符合\(p.title)条件" + (why.map { "：\($0)" } ?? "。")
        case .undetermined:
            let labels = missing.map(\.label)
            return "暂不能确定是否符合\(p.title)条件，还需核实：\(labels.isEmpty ? "部分信息" : labels.joined(separator: "、"))。"
        }
    }
}
