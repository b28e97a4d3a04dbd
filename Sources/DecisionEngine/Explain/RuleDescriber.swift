import PolicyExpr
import RuleCompiler

/// Puts a rule's expressions into plain Chinese for the 明白纸, with the parameters' figures for
/// a region and date filled in. Values with a label are named, not expanded; a parameter that is
/// a plain yes/no on the date is folded away, so a sheet never shows a branch that cannot apply.
public struct RuleDescriber {
    public let rules: RuleSet
    public let region: String
    public let date: Day
    let variantEnum: EnumType?

    public init(rules: RuleSet, region: String, date: Day) {
        self.rules = rules
        self.region = region
        self.date = date
        variantEnum = rules.schema.conventions.variant.flatMap { rules.schema.field($0, .household) }.flatMap {
            if case .enumeration(let e) = $0.kind { return e }
            return nil
        }
    }

    /// A description: a known value, or words.
    enum Described {
        case value(Value, ExprType)
        case words(String)
    }

    /// The entry of a parameter that applies on the date in the region, if any.
    public func entry(_ index: Int) -> ParameterEntry? {
        rules.parameterEntries(index, region: region)?.last { $0.covers(date) }
    }

    /// A parameter's figure as a resident reads it: "940元", or "城镇940元、农村820元"; nil when unset.
    public func figure(_ index: Int) -> String? {
        let spec = rules.schema.parameters[index]
        guard let e = entry(index) else { return nil }
        if let v = e.value { return ValueFormatter.text(v, spec.type) }
        guard let variants = variantEnum, !e.variantValues.isEmpty else { return nil }
        return e.variantValues.keys.sorted().map { variants.label($0) + ValueFormatter.text(e.variantValues[$0]!, spec.type) }.joined(separator: "、")
    }

    public func text(_ e: TExpr) -> String { words(describe(e)) }

    /// Like `text`, but a named value at the top is also spelt out: 达到起始年龄（年龄不低于80）.
    public func expanded(_ e: TExpr) -> String {
        let named: CompiledLet?
        switch e.op {
        case .householdLet(let i, _): named = rules.householdLets[i]
        case .memberLet(let i, _): named = rules.memberLets[i]
        default: named = nil
        }
        guard let l = named, let label = l.label else { return text(e) }
        let inner = text(l.expr)
        return inner == label ? label : "\(label)：\(inner)"
    }

    func words(_ d: Described) -> String {
        switch d {
        case .value(let v, let t): ValueFormatter.text(v, t)
        case .words(let w): w
        }
    }

    func describe(_ e: TExpr) -> Described {
        switch e.op {
        case .constant(let v): return .value(v, e.type)
        case .field(let i, let level, _):
            return .words((level == .household ? rules.schema.household[i] : rules.schema.person[i]).label)
        case .kind(let f, let k, let level, _):
            let field = level == .household ? rules.schema.household[f] : rules.schema.person[f]
            if case .moneyByKind(_, let labels) = field.kind { return .words(labels[k]) }
            return .words(field.label)
        case .householdLet(let i, _):
            let l = rules.householdLets[i]
            guard let label = l.label else { return describe(l.expr) }
            // A named standard shows its figure: 低保标准（城镇940元、农村820元）.
            if case .parameter(let p, _) = l.expr.op, rules.schema.parameters[p].type != .bool, let f = figure(p) { return .words("\(label)（\(f)）") }
            return .words(label)
        case .memberLet(let i, _):
            let l = rules.memberLets[i]
            return l.label.map { .words($0) } ?? describe(l.expr)
        case .parameter(let i, _):
            let spec = rules.schema.parameters[i]
            if let v = entry(i)?.value, spec.type == .bool { return .value(v, .bool) }
            return .words(spec.label + (figure(i).map { "（\($0)）" } ?? "（本地未规定）"))
        case .policy(let i, let facet, _, _):
            return .words(facet == .eligible ? "符合\(rules.policies[i].title)" : "\(rules.policies[i].title)金额")
        case .today: return .words("申请当日")
        case .regionName: return .words(rules.regionName(region) ?? region)
        case .personName: return .words("本人")
        case .age: return .words("年龄（周岁）")
        case .dateOfAge(let n): return .words("年满\(text(n))周岁之日")
        case .allMembers: return .words("家庭成员")
        case .negate(let a): return .words("负的\(text(a))")
        case .arithmetic(let op, let a, let b):
            let sign = op == .add ? "＋" : op == .subtract ? "－" : "×"
            // A sum inside a product keeps its brackets: （标准 － 收入）× 人数.
            func operand(_ x: TExpr) -> String {
                if op == .multiply, case .arithmetic(let inner, _, _) = x.op, inner != .multiply { return "（\(text(x))）" }
                return text(x)
            }
            return .words("\(operand(a)) \(sign) \(operand(b))")
        case .divide(let a, let b, let unit, let mode):
            return .words("\(text(a)) ÷ \(text(b))（计算到\(unit.chinese)，\(mode.chinese)）")
        case .round(let a, let unit, let mode): return .words("\(text(a))（计算到\(unit.chinese)，\(mode.chinese)）")
        case .compare(let op, let a, let b):
            // Two figures known on the date are compared here, not left to the reader.
            if let x = number(a), let y = number(b) {
                let r: Bool
                switch op {
                case .less: r = x < y
                case .lessOrEqual: r = x <= y
                case .greater: r = x > y
                case .greaterOrEqual: r = x >= y
                case .equal: r = x == y
                case .notEqual: r = x != y
                }
                return .value(.bool(r), .bool)
            }
            if case .value(.bool(let x), _) = describe(b), op == .equal || op == .notEqual {
                let yes = x == (op == .equal)
                return .words(yes ? text(a) : "不属于“\(text(a))”")
            }
            return .words("\(text(a))\(op.chinese)\(text(b))")
        case .and(let xs): return junction(xs, isAnd: true)
        case .or(let xs): return junction(xs, isAnd: false)
        case .not(let a):
            switch describe(a) {
            case .value(.bool(let b), _): return .value(.bool(!b), .bool)
            case .words(let w): return .words("不属于“\(w)”")
            case .value(let v, let t): return .words("并非\(ValueFormatter.text(v, t))")
            }
        case .conditional(let c, let a, let b):
            if case .value(.bool(let x), _) = describe(c) { return describe(x ? a : b) }
            return .words("\(text(c))的，为\(text(a))；否则为\(text(b))")
        case .contains(let set, let element):
            if case .constant(.enumSet(let bits)) = set.op, case .enumSet(let en) = set.type {
                let labels = en.values.indices.filter { bits & (1 << UInt64($0)) != 0 }.map { en.label($0) }
                return .words("\(text(element))为\(labels.joined(separator: "、"))\(labels.count > 1 ? "之一" : "")")
            }
            return .words("\(text(set))包括\(text(element))")
        case .aggregate(let kind, let source, let filter, let value):
            var who = text(source)
            if let filter { who = "\(who)中“\(text(filter))”的成员" }
            switch kind {
            case .count: return .words("\(who)人数")
            case .sum: return .words("\(who)的\(value.map(text) ?? "")合计")
            case .any: return .words("\(who)中有人\(value.map(text) ?? "")")
            case .all: return .words("\(who)都\(value.map(text) ?? "")")
            case .min: return .words("\(who)中最小的\(value.map(text) ?? "")")
            case .max: return .words("\(who)中最大的\(value.map(text) ?? "")")
            }
        case .filter(let a, let b): return .words("\(text(a))中“\(text(b))”的成员")
        case .known(let a): return .words("已登记\(text(a))")
        case .extremum(let isMin, let xs): return .words("\(xs.map(text).joined(separator: "、"))中较\(isMin ? "小" : "大")者")
        case .addDate(let unit, let a, let n):
            return .words("\(text(a))起\(text(n))\(unit == .days ? "天" : unit == .months ? "个月" : "年")")
        case .month(let edge, let a): return .words("\(text(a))所在月的\(edge == .start ? "第一天" : "最后一天")")
        }
    }

    /// A number known without a household: a constant, or a parameter with one value on the date.
    func number(_ e: TExpr) -> Fixed? {
        let v: Value?
        switch e.op {
        case .constant(let c): v = c
        case .parameter(let i, _): v = entry(i)?.value
        default: v = nil
        }
        switch v {
        case .int(let i)?: return Fixed.checked(i)
        case .fixed(let f)?: return f
        default: return nil
        }
    }

    /// `and`/`or` with yes/no parameters folded: a false part of an `and` (or a true part of an
    /// `or`) decides it; a true part of an `and` drops out.
    func junction(_ xs: [TExpr], isAnd: Bool) -> Described {
        var parts: [String] = []
        for x in xs {
            switch describe(x) {
            case .value(.bool(let b), _):
                if b != isAnd { return .value(.bool(b), .bool) }
            case let d: parts.append(words(d))
            }
        }
        if parts.isEmpty { return .value(.bool(isAnd), .bool) }
        return .words(parts.count == 1 ? parts[0] : parts.joined(separator: isAnd ? "，并且" : "，或者"))
    }
}
