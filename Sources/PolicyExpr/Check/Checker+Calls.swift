import SourceDiagnostics

extension Checker {
    mutating func checkCall(_ name: String, _ args: [Expr], _ r: Range<Int>, _ scope: Scope) -> TExpr? {
        func arity(_ n: ClosedRange<Int>, _ usage: String) -> Bool {
            if n.contains(args.count) { return true }
            problems.append(CheckProblem("expr.arguments", "`\(name)` takes \(n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound) to \(n.upperBound)") argument\(n.upperBound == 1 ? "" : "s"), found \(args.count)", r, help: "write \(usage)"))
            return false
        }
        switch name {
        case "count":
            guard arity(1...1, "count(members where …)"), let (source, filter) = memberSource(args[0], scope) else { return nil }
            return TExpr(.aggregate(.count, source: source, filter: filter, value: nil), .int, r)
        case "sum", "min", "max", "any", "all":
            if (name == "min" || name == "max"), let first = args.first, !isMemberSet(first, scope) {
                return checkExtremum(name == "min", args, r, scope)
            }
            let usage = name == "any" || name == "all" ? "\(name)(members, condition)" : "\(name)(members, value)"
            guard arity(2...2, usage), let (source, filter) = memberSource(args[0], scope) else { return nil }
            guard let value = check(args[1], Scope(member: true)) else { return nil }
            let kind = AggregateKind(rawValue: name)!
            if kind == .any || kind == .all {
                guard value.type == .bool else { return fail(CheckMessages.expected("是/否 (bool)", found: value.type, range: args[1].range, context: "the condition of `\(name)`")) }
                return TExpr(.aggregate(kind, source: source, filter: filter, value: value), .bool, r)
            }
            guard value.type.isNumeric || (kind != .sum && value.type == .date) else {
                return fail(CheckMessages.expected("a number or money", found: value.type, range: args[1].range, context: "the value of `\(name)`"))
            }
            return TExpr(.aggregate(kind, source: source, filter: filter, value: value), value.type, r)
        case "round":
            guard arity(2...3, "round(value, fen) or round(value, yuan, half_up)") else { return nil }
            guard let unit = word(args[1], RoundingUnit.self, "a unit: yuan, jiao, fen or whole") else { return nil }
            var mode = Rounding.halfUp
            if args.count == 3 {
                guard let m = word(args[2], Rounding.self, "a mode: half_up (四舍五入), down (舍去) or up (进一)") else { return nil }
                mode = m
            }
            guard let value = check(args[0], scope, rounding: (unit, mode)) else { return nil }
            guard value.type.isNumeric else { return fail(CheckMessages.expected("a number or money", found: value.type, range: args[0].range, context: "the value of `round`")) }
            if case .divide = value.op { return value }
            let type: ExprType = value.type == .int ? .int : value.type
            return TExpr(.round(value, unit, mode), type, r)
        case "known":
            guard arity(1...1, "known(field)"), let value = check(args[0], scope) else { return nil }
            return TExpr(.known(value), .bool, r)
        case "param":
            guard arity(1...1, "param(dibao.standard)") else { return nil }
            guard let pname = args[0].dottedName else {
                return fail(CheckProblem("expr.arguments", "`param` takes the name of a parameter", args[0].range, help: "write param(dibao.standard)"))
            }
            guard let (index, type) = table.parameter(named: pname) else {
                let s = Suggestion.closest(to: pname, among: table.parameterNames)
                return fail(CheckProblem("expr.unknown-parameter", "unknown parameter `\(pname)`", args[0].range,
                    help: s.map { "did you mean `\($0)`?" } ?? "declare it under `parameters:` in rules/schema.yaml"))
            }
            return TExpr(.parameter(index, name: pname), type, r)
        case "date_of_age":
            guard scope.member else {
                return fail(CheckProblem("expr.member-only", "`date_of_age` belongs to each member", r, help: "use it in a person policy or inside a member condition"))
            }
            guard arity(1...1, "date_of_age(80)"), let n = check(args[0], scope) else { return nil }
            guard n.type == .int else { return fail(CheckMessages.expected("整数 (int)", found: n.type, range: args[0].range, context: "the age")) }
            if case .constant(.int(let years)) = n.op, years < 0 || years >= 10_000 {
                return fail(CheckMessages.dateOutOfRange(name, range: args[0].range))
            }
            return TExpr(.dateOfAge(n), .date, r)
        case "month_start", "month_end":
            guard arity(1...1, "\(name)(today)"), let d = check(args[0], scope) else { return nil }
            guard d.type == .date else { return fail(CheckMessages.expected("日期 (date)", found: d.type, range: args[0].range, context: "the argument of `\(name)`")) }
            return TExpr(.month(MonthEnd(rawValue: name)!, d), .date, r)
        case "add_days", "add_months", "add_years":
            guard arity(2...2, "\(name)(date, n)"), let d = check(args[0], scope), let n = check(args[1], scope) else { return nil }
            guard d.type == .date else { return fail(CheckMessages.expected("日期 (date)", found: d.type, range: args[0].range, context: "the first argument of `\(name)`")) }
            guard n.type == .int else { return fail(CheckMessages.expected("整数 (int)", found: n.type, range: args[1].range, context: "the second argument of `\(name)`")) }
            let unit: DateUnit = name == "add_days" ? .days : name == "add_months" ? .months : .years
            // A count known at load that no date can be moved by (more than the 9999 years a
            // date holds) is an error now, not an unknown at every evaluation.
            if case .constant(.int(let count)) = n.op, CheckedArithmetic.date(Day.earliest, adding: Int64(clamping: count.magnitude), unit) == nil {
                return fail(CheckMessages.dateOutOfRange(name, range: args[1].range))
            }
            return TExpr(.addDate(unit, d, n), .date, r)
        default:
            let s = Suggestion.closest(to: name, among: CheckMessages.builtinFunctions)
            return fail(CheckProblem("expr.unknown-function", "unknown function `\(name)`", r,
                help: s.map { "did you mean `\($0)`?" } ?? "the functions are: \(CheckMessages.builtinFunctions.joined(separator: ", "))"))
        }
    }

    /// The members an aggregate runs over, splitting off a `where` so it is evaluated with Kleene logic per member.
    mutating func memberSource(_ e: Expr, _ scope: Scope) -> (TExpr, TExpr?)? {
        guard let t = check(e, scope) else { return nil }
        guard t.type == .members else {
            _ = fail(CheckMessages.expected("家庭成员 (members)", found: t.type, range: e.range, context: "the first argument"))
            return nil
        }
        if case .filter(let source, let condition) = t.op { return (source, condition) }
        return (t, nil)
    }

    func isMemberSet(_ e: Expr, _ scope: Scope) -> Bool {
        switch e.kind {
        case .filter: return true
        case .name(let parts):
            let name = parts.joined(separator: ".")
            if name == "members" { return true }
            if case .found(.householdLet(_, .members)) = table.lookup(name, memberScope: scope.member) { return true }
            if case .found(.memberLet(_, .members)) = table.lookup(name, memberScope: scope.member) { return true }
            return false
        default: return false
        }
    }

    mutating func checkExtremum(_ isMin: Bool, _ args: [Expr], _ r: Range<Int>, _ scope: Scope) -> TExpr? {
        guard args.count >= 2 else {
            return fail(CheckProblem("expr.arguments", "`\(isMin ? "min" : "max")` of values takes two or more", r, help: "write \(isMin ? "min" : "max")(a, b)"))
        }
        var typed: [TExpr] = []
        for a in args {
            guard let t = check(a, scope) else { return nil }
            typed.append(t)
        }
        var result = typed[0]
        var unified: [TExpr] = [result]
        for t in typed.dropFirst() {
            guard let (x, y) = unify(result, t) else { return fail(CheckMessages.mismatch("compare", result.type, t.type, range: r)) }
            result = x
            unified = unified.map { $0.type == x.type ? $0 : TExpr($0.op, x.type, $0.range) }
            unified.append(y)
        }
        return TExpr(.extremum(isMin: isMin, unified), result.type, r)
    }

    mutating func word<W: RawRepresentable & CaseIterable>(_ e: Expr, _: W.Type, _ what: String) -> W? where W.RawValue == String {
        guard let name = e.dottedName, let w = W(rawValue: name) else {
            problems.append(CheckProblem("expr.arguments", "expected \(what)", e.range,
                help: Suggestion.closest(to: e.dottedName ?? "", among: W.allCases.map(\.rawValue)).map { "did you mean `\($0)`?" }))
            return nil
        }
        return w
    }
}
