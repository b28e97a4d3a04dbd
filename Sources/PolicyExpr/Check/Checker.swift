import SourceDiagnostics

/// Resolves names and types in an expression, producing a typed tree or problems.
///
/// All problems of one expression are collected; the first failing sub-expression makes its
/// parent unchecked (nil) so that one mistake is reported once.
public struct Checker {
    public let table: SymbolTable
    public internal(set) var problems: [CheckProblem] = []

    public init(table: SymbolTable) { self.table = table }

    /// Checks `expr`; with `rounding`, a top-level division is allowed and rounds that way.
    public mutating func check(_ expr: Expr, memberScope: Bool, rounding: (RoundingUnit, Rounding)? = nil) -> TExpr? {
        check(expr, Scope(member: memberScope), rounding: rounding)
    }

    struct Scope {
        var member: Bool
    }

    mutating func fail(_ problem: CheckProblem) -> TExpr? {
        problems.append(problem)
        return nil
    }

    mutating func check(_ expr: Expr, _ scope: Scope, rounding: (RoundingUnit, Rounding)? = nil, expecting: ExprType? = nil) -> TExpr? {
        let r = expr.range
        switch expr.kind {
        case .number(let text):
            // Every literal is read within `Fixed.largestWhole`, as every value of a record is.
            if !text.contains("."), text.utf8.count <= 12, let i = Int64(text) {
                return TExpr(.constant(.int(i)), .int, r)
            }
            switch Fixed.parse(text) {
            case .success(let f):
                return TExpr(.constant(.fixed(f)), .decimal, r)
            case .failure(.tooLarge):
                return fail(CheckMessages.numberTooLarge(text, range: r))
            case .failure:
                return fail(CheckProblem("expr.bad-number", "`\(text)` is not a number huimin can hold exactly", r, help: "use at most 6 decimal places"))
            }
        case .date(let text):
            guard let d = Day(parsing: text) else {
                return fail(CheckProblem("expr.bad-date", "`\(text)` is not a date that exists", r))
            }
            return TExpr(.constant(.date(d)), .date, r)
        case .string(let s):
            if case .enumeration(let e) = expecting, let o = e.ordinal(of: s) {
                return TExpr(.constant(.enumeration(o)), .enumeration(e), r)
            }
            return TExpr(.constant(.text(s)), .text, r)
        case .bool(let b):
            return TExpr(.constant(.bool(b)), .bool, r)
        case .name(let parts):
            return checkName(parts.joined(separator: "."), r, scope, expecting: expecting)
        case .call(let name, let args):
            return checkCall(name, args, r, scope)
        case .unary(let op, let inner):
            guard let t = check(inner, scope) else { return nil }
            if op == "not" {
                guard t.type == .bool else { return fail(CheckMessages.expected("是/否 (bool)", found: t.type, range: inner.range, context: "the operand of `not`")) }
                return TExpr(.not(t), .bool, r)
            }
            guard t.type.isNumeric else { return fail(CheckMessages.expected("a number or money", found: t.type, range: inner.range, context: "the operand of `-`")) }
            return TExpr(.negate(t), t.type, r)
        case .binary(let op, let a, let b):
            return checkBinary(op, a, b, r, scope, rounding: rounding)
        case .list(let items):
            return checkList(items, r, scope, expecting: expecting)
        case .conditional(let c, let a, let b):
            let tc = check(c, scope), ta = check(a, scope), tb = check(b, scope, expecting: nil)
            guard let tc, let ta, let tb else { return nil }
            guard tc.type == .bool else { return fail(CheckMessages.expected("是/否 (bool)", found: tc.type, range: c.range, context: "the condition of `if`")) }
            guard let unified = unify(ta, tb) else {
                return fail(CheckMessages.mismatch("choose between", ta.type, tb.type, range: r, help: "both branches of `if` must have the same type"))
            }
            return TExpr(.conditional(tc, unified.0, unified.1), unified.0.type, r)
        case .filter(let source, let condition):
            guard let ts = check(source, scope) else { return nil }
            guard ts.type == .members else {
                return fail(CheckMessages.expected("家庭成员 (members)", found: ts.type, range: source.range, context: "the left side of `where`"))
            }
            guard let tc = check(condition, Scope(member: true)) else { return nil }
            guard tc.type == .bool else { return fail(CheckMessages.expected("是/否 (bool)", found: tc.type, range: condition.range, context: "the condition after `where`")) }
            return TExpr(.filter(ts, tc), .members, r)
        }
    }

    mutating func checkName(_ name: String, _ r: Range<Int>, _ scope: Scope, expecting: ExprType?) -> TExpr? {
        switch name {
        case "members": return TExpr(.allMembers, .members, r)
        case "today": return TExpr(.today, .date, r)
        case "region_name": return TExpr(.regionName, .text, r)
        case "person_name":
            guard scope.member else {
                return fail(CheckProblem("expr.member-only", "`person_name` belongs to each member", r, help: "use it in a person policy"))
            }
            return TExpr(.personName, .text, r)
        case "age":
            guard scope.member else {
                return fail(CheckProblem("expr.member-only", "`age` belongs to each member, not to the household", r,
                    help: "use it inside a member condition: count(members where age >= 60)"))
            }
            return TExpr(.age, .int, r)
        default: break
        }
        switch table.lookup(name, memberScope: scope.member) {
        case .found(let symbol):
            switch symbol {
            case .field(let i, let level, let type): return TExpr(.field(i, level, name: name), type, r)
            case .kind(let f, let k, let level): return TExpr(.kind(field: f, kind: k, level, name: name), .money, r)
            case .householdLet(let slot, let type): return TExpr(.householdLet(slot, name: name), type, r)
            case .memberLet(let slot, let type): return TExpr(.memberLet(slot, name: name), type, r)
            case .policy(let i, let facet, let person):
                return TExpr(.policy(i, facet, personSubject: person, name: name), facet == .eligible ? .bool : .money, r)
            }
        case .misplaced(let help):
            return fail(CheckProblem("expr.member-only", "`\(name)` belongs to each member, not to the household", r, help: help))
        case .failed:
            return nil
        case .notFound:
            if case .enumeration(let e) = expecting, let o = e.ordinal(of: name) {
                return TExpr(.constant(.enumeration(o)), .enumeration(e), r)
            }
            if case .enumeration(let e) = expecting {
                let suggestion = Suggestion.closest(to: name, among: e.values)
                return fail(CheckProblem("expr.unknown-value", "`\(name)` is not a value of \(e.name)", r,
                    help: suggestion.map { "did you mean `\($0)`?" } ?? "the values are: \(e.values.joined(separator: ", "))"))
            }
            let candidates = table.visibleNames(memberScope: scope.member) + CheckMessages.builtinNames
            return fail(CheckMessages.unknownName(name, range: r, candidates: candidates, suggestion: Suggestion.closest(to: name, among: candidates)))
        }
    }

    /// A number written out (or a choice between such) read as money: `amount: { value: 100 }`.
    public static func moneyLiteral(_ t: TExpr) -> TExpr? {
        switch t.op {
        case .constant(.int(let i)): return TExpr(.constant(.fixed(Fixed(i))), .money, t.range)
        case .constant(.fixed(let f)): return TExpr(.constant(.fixed(f)), .money, t.range)
        case .conditional(let c, let a, let b):
            let x = a.type == .money ? a : moneyLiteral(a), y = b.type == .money ? b : moneyLiteral(b)
            guard let x, let y else { return nil }
            return TExpr(.conditional(c, x, y), .money, t.range)
        default: return nil
        }
    }

    /// Makes two operands comparable: a whole-number literal next to money or a decimal takes its type.
    func unify(_ a: TExpr, _ b: TExpr) -> (TExpr, TExpr)? {
        if a.type == b.type { return (a, b) }
        func widen(_ x: TExpr, to t: ExprType) -> TExpr? {
            switch (x.op, x.type, t) {
            case (.constant(.int(let i)), .int, .money), (.constant(.int(let i)), .int, .decimal):
                return TExpr(.constant(.fixed(Fixed(i))), t, x.range)
            case (.constant(.fixed(let f)), .decimal, .money):
                return TExpr(.constant(.fixed(f)), .money, x.range)
            case (_, .int, .decimal):
                return TExpr(x.op, .decimal, x.range)
            default:
                return nil
            }
        }
        if let wa = widen(a, to: b.type) { return (wa, b) }
        if let wb = widen(b, to: a.type) { return (a, wb) }
        return nil
    }

    mutating func checkBinary(_ op: String, _ a: Expr, _ b: Expr, _ r: Range<Int>, _ scope: Scope, rounding: (RoundingUnit, Rounding)?) -> TExpr? {
        switch op {
        case "and", "or":
            let ta = check(a, scope), tb = check(b, scope)
            guard let ta, let tb else { return nil }
            for (t, e) in [(ta, a), (tb, b)] where t.type != .bool {
                return fail(CheckMessages.expected("是/否 (bool)", found: t.type, range: e.range, context: "each side of `\(op)`"))
            }
            func flatten(_ t: TExpr) -> [TExpr] {
                switch (op, t.op) {
                case ("and", .and(let xs)), ("or", .or(let xs)): xs
                default: [t]
                }
            }
            let items = flatten(ta) + flatten(tb)
            return TExpr(op == "and" ? .and(items) : .or(items), .bool, r)
        case "in", "not in":
            if case .list(let items) = b.kind {
                guard let te = check(a, scope) else { return nil }
                guard case .enumeration = te.type else {
                    return fail(CheckMessages.expected("a choice (enum) field", found: te.type, range: a.range, context: "the left side of `\(op)`"))
                }
                guard let ts = checkList(items, b.range, scope, expecting: te.type) else { return nil }
                let test = TExpr(.contains(set: ts, element: te), .bool, r)
                return op == "in" ? test : TExpr(.not(test), .bool, r)
            }
            guard let ts = check(b, scope) else { return nil }
            let element: TExpr?
            switch ts.type {
            case .enumSet(let e): element = check(a, scope, expecting: .enumeration(e))
            default:
                return fail(CheckMessages.expected("a list of choices", found: ts.type, range: b.range, context: "the right side of `\(op)`"))
            }
            guard let te = element else { return nil }
            guard case .enumSet(let e) = ts.type, te.type == .enumeration(e) else {
                return fail(CheckMessages.mismatch("look for", te.type, ts.type, range: r))
            }
            let test = TExpr(.contains(set: ts, element: te), .bool, r)
            return op == "in" ? test : TExpr(.not(test), .bool, r)
        case "<", "<=", ">", ">=", "==", "!=":
            return checkComparison(ComparisonOp(rawValue: op)!, a, b, r, scope)
        case "/":
            guard let (unit, mode) = rounding else {
                _ = check(a, scope)
                _ = check(b, scope)
                return fail(CheckProblem("expr.unrounded-division", "a division must say how it rounds", r,
                    help: "write round(… / …, fen) — or yuan, jiao; add half_up, down or up for the mode — or give the value a `round:`"))
            }
            guard let ta = check(a, scope), let tb = check(b, scope) else { return nil }
            let type: ExprType
            switch (ta.type, tb.type) {
            case (.money, .int), (.money, .decimal): type = .money
            case (.money, .money), (.int, .int), (.int, .decimal), (.decimal, .int), (.decimal, .decimal): type = .decimal
            default: return fail(CheckMessages.mismatch("divide", ta.type, tb.type, range: r))
            }
            return TExpr(.divide(ta, tb, unit, mode), type, r)
        default:
            guard let ta = check(a, scope), let tb = check(b, scope) else { return nil }
            let arith = ArithmeticOp(rawValue: op)!
            if arith == .multiply {
                switch (ta.type, tb.type) {
                case (.int, .int): return TExpr(.arithmetic(arith, ta, tb), .int, r)
                case (.money, .int), (.money, .decimal), (.int, .money), (.decimal, .money):
                    return TExpr(.arithmetic(arith, ta, tb), .money, r)
                case (.decimal, .int), (.int, .decimal), (.decimal, .decimal):
                    return TExpr(.arithmetic(arith, ta, tb), .decimal, r)
                default:
                    return fail(CheckMessages.mismatch("multiply", ta.type, tb.type, range: r,
                        help: ta.type == .money && tb.type == .money ? "money times money has no meaning; multiply by a count or a rate" : nil))
                }
            }
            if ta.type == .date || tb.type == .date {
                return fail(CheckMessages.mismatch(arith == .add ? "add" : "subtract", ta.type, tb.type, range: r,
                    help: "move a date with add_days(date, n), add_months(date, n) or add_years(date, n)"))
            }
            guard ta.type.isNumeric, tb.type.isNumeric, let (ua, ub) = unify(ta, tb) else {
                return fail(CheckMessages.mismatch(arith == .add ? "add" : "subtract", ta.type, tb.type, range: r))
            }
            return TExpr(.arithmetic(arith, ua, ub), ua.type, r)
        }
    }

    mutating func checkComparison(_ op: ComparisonOp, _ a: Expr, _ b: Expr, _ r: Range<Int>, _ scope: Scope) -> TExpr? {
        // A bare name on one side may be a value of the other side's enumeration.
        var ta = check(a, scope, quiet: true)
        let tb = check(b, scope, expecting: ta?.type)
        if ta == nil { ta = check(a, scope, expecting: tb?.type) }
        guard let ta, let tb else { return nil }
        guard let (ua, ub) = unify(ta, tb) else {
            return fail(CheckMessages.mismatch("compare", ta.type, tb.type, range: r))
        }
        switch ua.type {
        case .members:
            return fail(CheckProblem("expr.type-mismatch", "members cannot be compared", r, help: "compare count(…) instead"))
        case .bool, .text, .enumeration, .enumSet:
            guard op == .equal || op == .notEqual else {
                return fail(CheckProblem("expr.type-mismatch", "\(ua.type.chinese) can only be compared with `==` or `!=`", r))
            }
        default: break
        }
        return TExpr(.compare(op, ua, ub), .bool, r)
    }

    /// Checks `a`, keeping problems only if it fails for a reason other than an unknown bare name.
    mutating func check(_ expr: Expr, _ scope: Scope, quiet: Bool) -> TExpr? {
        guard quiet, case .name = expr.kind else { return check(expr, scope) }
        let saved = problems
        let result = check(expr, scope)
        if result == nil, let last = problems.last, last.id == "expr.unknown-name" { problems = saved }
        return result
    }

    mutating func checkList(_ items: [Expr], _ r: Range<Int>, _ scope: Scope, expecting: ExprType?) -> TExpr? {
        guard case .enumeration(let e) = expecting ?? .bool else {
            if case .enumSet(let e) = expecting { return checkList(items, r, scope, expecting: .enumeration(e)) }
            return fail(CheckProblem("expr.bad-list", "a list here must hold choices of a field, compared with `in`", r,
                help: "write `relation in [spouse, child]`"))
        }
        var bits: UInt64 = 0
        for item in items {
            guard let t = check(item, scope, expecting: .enumeration(e)) else { continue }
            guard case .constant(.enumeration(let o)) = t.op else {
                _ = fail(CheckProblem("expr.bad-list", "list items must be written out as values of \(e.name)", item.range))
                continue
            }
            bits |= 1 << UInt64(o)
        }
        return TExpr(.constant(.enumSet(bits)), .enumSet(e), r)
    }
}
