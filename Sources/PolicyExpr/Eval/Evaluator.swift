/// Evaluates checked expressions with three-valued (Kleene) logic.
///
/// An absent input is unknown; `false and unknown` is false and `true or unknown` is true, so
/// only an unknown that decides the outcome leaves the result unknown. Nothing here loops
/// beyond the members of one household, so evaluation always ends.
public struct Evaluator<Context: EvaluationContext> {
    public let context: Context

    public init(_ context: Context) { self.context = context }

    public func eval(_ e: TExpr, member: Int) -> Value {
        switch e.op {
        case .constant(let v): return v
        case .field(let i, let level, _): return context.field(i, level, member: member)
        case .kind(let f, let k, let level, _): return context.kind(field: f, kind: k, level, member: member)
        case .householdLet(let slot, _): return context.householdLet(slot)
        case .memberLet(let slot, _): return context.memberLet(slot, member: member)
        case .parameter(let i, _): return context.parameter(i)
        case .policy(let i, let facet, _, _): return context.policy(i, facet, member: member)
        case .today: return .date(context.today)
        case .regionName: return .text(context.regionName)
        case .personName: return .text(context.personName(member: member))
        case .age: return context.age(member: member)
        case .dateOfAge(let n):
            switch eval(n, member: member) {
            case .int(let years): return context.dateOfAge(years, member: member)
            case let other: return .unknown(other.causes)
            }
        case .allMembers:
            let n = context.memberCount
            return .members(MemberSet(definite: n >= 64 ? .max : (1 << UInt64(n)) - 1), [])
        case .negate(let a):
            switch eval(a, member: member) {
            case .int(let i): return CheckedArithmetic.negated(i).map { .int($0) } ?? .unknown([.overflow])
            case .fixed(let f): return CheckedArithmetic.negated(f.raw).map { .fixed(Fixed(raw: $0)) } ?? .unknown([.overflow])
            case let other: return .unknown(other.causes)
            }
        case .arithmetic(let op, let a, let b):
            return arithmetic(op, eval(a, member: member), eval(b, member: member))
        case .divide(let a, let b, let unit, let mode):
            let x = eval(a, member: member), y = eval(b, member: member)
            guard let (ra, ai) = x.numericRaw, let (rb, bi) = y.numericRaw else { return .unknown(x.causes + y.causes) }
            guard let fx = ai ? Fixed.checked(ra) : Fixed(raw: ra), let fy = bi ? Fixed.checked(rb) : Fixed(raw: rb) else { return .unknown([.overflow]) }
            switch fx.quotient(fy, to: unit, mode: mode) {
            case .success(let q): return .fixed(q)
            case .failure(.divisionByZero): return .unknown([.divisionByZero])
            case .failure(.overflow): return .unknown([.overflow])
            }
        case .round(let a, let unit, let mode):
            switch eval(a, member: member) {
            case .fixed(let f): return f.checkedRounded(to: unit, mode: mode).map { .fixed($0) } ?? .unknown([.overflow])
            case let other: return other
            }
        case .compare(let op, let a, let b):
            return compare(op, eval(a, member: member), eval(b, member: member))
        case .and(let items):
            return kleene(items, member: member, decisive: false)
        case .or(let items):
            return kleene(items, member: member, decisive: true)
        case .not(let a):
            switch eval(a, member: member) {
            case .bool(let b): return .bool(!b)
            case let other: return .unknown(other.causes)
            }
        case .conditional(let c, let a, let b):
            switch eval(c, member: member) {
            case .bool(true): return eval(a, member: member)
            case .bool(false): return eval(b, member: member)
            case let other:
                let x = eval(a, member: member), y = eval(b, member: member)
                return x == y && !x.isUnknown ? x : .unknown(other.causes + x.causes + y.causes)
            }
        case .contains(let set, let element):
            let s = eval(set, member: member), x = eval(element, member: member)
            guard case .enumSet(let bits) = s, case .enumeration(let o) = x else { return .unknown(s.causes + x.causes) }
            return .bool(bits & (1 << UInt64(o)) != 0)
        case .aggregate(let kind, let source, let filter, let value):
            return aggregate(kind, eval(source, member: member), filter, value)
        case .filter(let source, let condition):
            let s = eval(source, member: member)
            guard case .members(let set, var causes) = s else { return s }
            var result = MemberSet(definite: 0, maybe: 0)
            forEachMember(set.definite | set.maybe) { m in
                let inSource: Bool? = set.definite & (1 << UInt64(m)) != 0 ? true : nil
                switch eval(condition, member: m) {
                case .bool(true):
                    if inSource == true { result.definite |= 1 << UInt64(m) } else { result.maybe |= 1 << UInt64(m) }
                case .bool(false): break
                case let other:
                    result.maybe |= 1 << UInt64(m)
                    causes += other.causes
                }
            }
            return .members(result, causes)
        case .known(let a):
            return .bool(!eval(a, member: member).isUnknown)
        case .extremum(let isMin, let items):
            var best: Value?
            var causes: [UnknownCause] = []
            for item in items {
                let v = eval(item, member: member)
                if v.isUnknown { causes += v.causes; continue }
                if let b = best, case .bool(let less) = compare(.less, v, b) {
                    if less == isMin, v != b { best = v }
                } else if best == nil {
                    best = v
                }
            }
            if !causes.isEmpty || best == nil { return .unknown(causes) }
            return best!
        case .month(let end, let d):
            guard case .date(let day) = eval(d, member: member) else { return .unknown(eval(d, member: member).causes) }
            let (y, m, _) = day.civil
            return .date(Day(year: y, month: m, day: end == .start ? 1 : Day.daysIn(month: m, year: y))!)
        case .addDate(let unit, let d, let n):
            let dv = eval(d, member: member), nv = eval(n, member: member)
            guard case .date(let day) = dv, case .int(let count) = nv else { return .unknown(dv.causes + nv.causes) }
            return CheckedArithmetic.date(day, adding: count, unit).map { .date($0) } ?? .unknown([.overflow])
        }
    }

    /// `and` (decisive false) or `or` (decisive true): the decisive value wins over unknown.
    func kleene(_ items: [TExpr], member: Int, decisive: Bool) -> Value {
        var causes: [UnknownCause] = []
        var unknown = false
        for item in items {
            switch eval(item, member: member) {
            case .bool(let b):
                if b == decisive { return .bool(decisive) }
            case let other:
                unknown = true
                causes += other.causes
            }
        }
        return unknown ? .unknown(causes) : .bool(!decisive)
    }

    func forEachMember(_ bits: UInt64, _ body: (Int) -> Void) {
        var rest = bits
        while rest != 0 {
            let m = rest.trailingZeroBitCount
            body(m)
            rest &= rest - 1
        }
    }

    /// `CheckedArithmetic` on values: an overflow is unknown, never a wrap.
    func arithmetic(_ op: ArithmeticOp, _ x: Value, _ y: Value) -> Value {
        if case .int(let a) = x, case .int(let b) = y {
            return CheckedArithmetic.ints(op, a, b).map { .int($0) } ?? .unknown([.overflow])
        }
        guard let (a, ai) = x.numericRaw, let (b, bi) = y.numericRaw else { return .unknown(x.causes + y.causes) }
        return CheckedArithmetic.fixed(op, a, int: ai, b, int: bi).map { .fixed(Fixed(raw: $0)) } ?? .unknown([.overflow])
    }

    func compare(_ op: ComparisonOp, _ x: Value, _ y: Value) -> Value {
        let order: Int
        switch (x, y) {
        case (.int(let a), .int(let b)): order = a < b ? -1 : a == b ? 0 : 1
        case (.date(let a), .date(let b)): order = a < b ? -1 : a == b ? 0 : 1
        case (.bool(let a), .bool(let b)): order = a == b ? 0 : 1
        case (.text(let a), .text(let b)): order = a == b ? 0 : 1
        case (.enumeration(let a), .enumeration(let b)): order = a == b ? 0 : 1
        case (.enumSet(let a), .enumSet(let b)): order = a == b ? 0 : 1
        default:
            // An int beside a fixed value: compared exactly, in 128 bits (no int is past its range).
            guard let (a, ai) = x.numericRaw, let (b, bi) = y.numericRaw else { return .unknown(x.causes + y.causes) }
            let wa = Int128(a) * (ai ? Int128(Fixed.scale) : 1), wb = Int128(b) * (bi ? Int128(Fixed.scale) : 1)
            order = wa < wb ? -1 : wa == wb ? 0 : 1
        }
        switch op {
        case .less: return .bool(order < 0)
        case .lessOrEqual: return .bool(order <= 0)
        case .greater: return .bool(order > 0)
        case .greaterOrEqual: return .bool(order >= 0)
        case .equal: return .bool(order == 0)
        case .notEqual: return .bool(order != 0)
        }
    }

    func aggregate(_ kind: AggregateKind, _ sourceValue: Value, _ filter: TExpr?, _ value: TExpr?) -> Value {
        guard case .members(let set, let setCauses) = sourceValue else { return .unknown(sourceValue.causes) }
        var causes: [UnknownCause] = []
        var anyUnknown = false
        var count: Int64 = 0
        var total = Fixed.zero
        var totalIsInt = true
        var intTotal: Int64 = 0
        var overflow = false
        var extreme: Value?
        var decided: Bool?
        forEachMember(set.definite | set.maybe) { m in
            if decided != nil { return }
            // Is member m included? true, false or unknown.
            var included: Bool? = set.definite & (1 << UInt64(m)) != 0 ? true : nil
            if included == nil { causes += setCauses }
            if let filter, included != false {
                switch eval(filter, member: m) {
                case .bool(false): included = false
                case .bool(true): break
                case let other: included = nil; causes += other.causes
                }
            }
            if included == false { return }
            switch kind {
            case .count:
                if included == nil { anyUnknown = true } else { count += 1 }
            case .any, .all:
                let v = eval(value!, member: m)
                let hit: Bool? = v.asBool.map { kind == .any ? $0 : !$0 }
                if hit == true, included == true { decided = kind == .any; return }
                if hit == nil || included == nil {
                    if hit != false { anyUnknown = true; causes += v.causes }
                }
            case .sum, .min, .max:
                if included == nil { anyUnknown = true; return }
                let v = eval(value!, member: m)
                if v.isUnknown { anyUnknown = true; causes += v.causes; return }
                if kind == .sum {
                    if case .int(let i) = v {
                        let (t, o) = intTotal.addingReportingOverflow(i)
                        intTotal = t
                        overflow = overflow || o
                    } else {
                        totalIsInt = false
                        if let t = total.adding(v.asFixed ?? .zero) { total = t } else { overflow = true }
                    }
                } else if let e = extreme, case .bool(let less) = compare(.less, v, e) {
                    if less == (kind == .min), v != e { extreme = v }
                } else if extreme == nil {
                    extreme = v
                }
            }
        }
        if let decided { return .bool(decided) }
        if anyUnknown { return .unknown(causes) }
        if overflow { return .unknown([.overflow]) }
        switch kind {
        case .count: return .int(count)
        case .any: return .bool(false)
        case .all: return .bool(true)
        case .sum:
            if value!.type == .int && totalIsInt { return .int(intTotal) }
            guard let ints = Fixed.checked(intTotal), let sum = total.adding(ints) else { return .unknown([.overflow]) }
            return .fixed(sum)
        case .min, .max: return extreme ?? .unknown([.undefined("empty")])
        }
    }
}
