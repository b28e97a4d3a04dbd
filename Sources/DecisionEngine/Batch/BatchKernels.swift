import PolicyExpr
import RuleCompiler

/// Expressions as kernels over lanes, each mirroring ``Evaluator`` case for case.
extension BatchPlan {
    /// `person`: whether the expression is evaluated for a member (a person policy, a member
    /// `let`, an aggregate's filter or value) or for the household. Nil when it cannot be done
    /// over lanes.
    func compile(_ e: TExpr, person: Bool) -> Node? {
        switch e.op {
        case .constant(let value):
            if case .unknown = value {
                guard let kind = LaneKind(e.type), kind != .members else { return nil }
                return Node(person: false, kind: kind) { Lanes(count: $0.batch.households) }
            }
            guard let kind = LaneKind(e.type), kind != .members, let lane = Lanes.lane(value, kind) else { return nil }
            return Node(person: false, kind: kind, scalar: { _ in lane }) { Lanes(count: $0.batch.households, value: lane, known: true) }
        case .field(let i, let level, _):
            let spec = level == .household ? rules.schema.household[i] : rules.schema.person[i]
            guard let kind = LaneKind(spec.kind) else { return nil }
            if level == .person {
                guard person else { return nil }
                return Node(person: true, kind: kind) { $0.batch.personFields[i]! }
            }
            return Node(person: false, kind: kind) { $0.batch.householdFields[i]! }
        case .kind(let f, let k, let level, _):
            // A member's by-kind money; a household's is read by the row evaluator.
            guard level == .person, person, case .moneyByKind(let names, _) = rules.schema.person[f].kind, k < names.count else { return nil }
            return Node(person: true, kind: .fixed) { $0.batch.personKinds[f]![k] }
        case .regionName, .personName:
            return nil
        case .householdLet(let slot, _):
            guard let node = householdLet(slot) else { return nil }
            return Node(person: node.person, kind: node.kind, scalar: node.scalar) { run in
                if let l = run.householdLets[slot] { return l }
                let l = node.run(run)
                run.householdLets[slot] = l
                return l
            }
        case .memberLet(let slot, _):
            guard person, let node = memberLet(slot), node.kind != .members else { return nil }
            return Node(person: true, kind: node.kind, scalar: node.scalar) { run in
                if let l = run.memberLets[slot] { return l }
                let l = node.person ? node.run(run) : run.broadcast(node.run(run))
                run.memberLets[slot] = l
                return l
            }
        case .parameter(let i, _):
            guard let kind = LaneKind(rules.schema.parameters[i].type), kind != .members else { return nil }
            // Most batches are of one region, whose parameters are each one value.
            let scalar: (BatchRun) -> Int64? = { run in run.batch.contexts.count == 1 ? run.batch.contexts[0].parameters[i] : nil }
            return Node(person: false, kind: kind, scalar: scalar) { run in
                let batch = run.batch, context = batch.context
                var out = Lanes(count: batch.households)
                let contexts = batch.contexts.map { $0.parameters[i] }
                for h in 0..<batch.households {
                    if let lane = contexts[Int(context[h])] {
                        out.v[h] = lane
                        out.k[h] = true
                    }
                }
                return out
            }
        case .policy(let i, let facet, _, _):
            let other = rules.policies[i]
            if other.subject == .person, !person { return nil }
            return Node(person: other.subject == .person, kind: facet == .eligible ? .bool : .fixed) { run in
                let o = run.outcomes(i)
                var out = Lanes(count: o.status.count)
                for s in 0..<o.status.count {
                    switch o.status[s] {
                    case BatchOutcomes.eligible:
                        out.v[s] = facet == .eligible ? 1 : o.amount[s]
                        out.k[s] = true
                    case BatchOutcomes.ineligible:
                        out.v[s] = 0
                        out.k[s] = true
                    default: break
                    }
                }
                return out
            }
        case .today:
            let serial = Int64(today.serial)
            return Node(person: false, kind: .date, scalar: { _ in serial }) { Lanes(count: $0.batch.households, value: serial, known: true) }
        case .age, .dateOfAge:
            guard person, let birth = rules.schema.field(rules.schema.conventions.birthDate, .person)?.index,
                LaneKind(rules.schema.person[birth].kind) == .date
            else { return nil }
            var years: Node?
            if case .dateOfAge(let n) = e.op {
                guard let y = compile(n, person: true), y.kind == .int else { return nil }
                years = y
            }
            let today = self.today
            let tables = [today.ages(birthdayCounts: false), today.ages(birthdayCounts: true)]
            let work: (BatchRun) -> Lanes = { run in
                let batch = run.batch, context = batch.context, householdOf = batch.householdOf
                let b = batch.personFields[birth]!
                let n = years.map { run.shaped($0.run(run), $0.person, to: true) }
                var out = Lanes(count: batch.persons)
                let counts = batch.contexts.map(\.birthdayCounts)
                for p in 0..<batch.persons where b.k[p] {
                    guard let c = counts[Int(context[Int(householdOf[p])])] else { continue }
                    let born = Day(serial: Int32(truncatingIfNeeded: b.v[p]))
                    if let n {
                        guard n.k[p] else { continue }
                        guard let day = Day.dateOfAge(checked: n.v[p], bornOn: born, birthdayCounts: c) else { run.overflow(p, person: true); continue }
                        out.v[p] = Int64(day.serial)
                    } else {
                        out.v[p] = Int64(tables[c ? 1 : 0].age(bornOn: born))
                    }
                    out.k[p] = true
                }
                return out
            }
            guard years == nil else { return Node(person: true, kind: .date, run: work) }
            // Every `age` of the rules is the same lanes: worked out once a batch.
            return Node(person: true, kind: .int) { run in
                if let ages = run.ages { return ages }
                let ages = work(run)
                run.ages = ages
                return ages
            }
        case .allMembers:
            return Node(person: true, kind: .members) { Lanes(count: $0.batch.persons, value: 1, known: true) }
        case .negate(let a):
            guard let x = compile(a, person: person), x.kind == .int || x.kind == .fixed else { return nil }
            return map1(x, x.kind) { CheckedArithmetic.negated($0) }
        case .arithmetic(let op, let a, let b):
            guard let x = compile(a, person: person), let y = compile(b, person: person),
                [.int, .fixed].contains(x.kind), [.int, .fixed].contains(y.kind)
            else { return nil }
            if x.kind == .int, y.kind == .int {
                switch op {
                case .add: return map2(x, y, .int) { CheckedArithmetic.ints(.add, $0, $1) }
                case .subtract: return map2(x, y, .int) { CheckedArithmetic.ints(.subtract, $0, $1) }
                case .multiply: return map2(x, y, .int) { CheckedArithmetic.ints(.multiply, $0, $1) }
                }
            }
            let xi = x.kind == .int, yi = y.kind == .int
            return map2(x, y, .fixed) { a, b in CheckedArithmetic.fixed(op, a, int: xi, b, int: yi) }
        case .divide(let a, let b, let unit, let mode):
            guard let x = compile(a, person: person), let y = compile(b, person: person),
                [.int, .fixed].contains(x.kind), [.int, .fixed].contains(y.kind)
            else { return nil }
            let xi = x.kind == .int, yi = y.kind == .int
            return map2(x, y, .fixed, zeroIsUnknown: true) { a, b in
                guard let fa = xi ? Fixed.checked(a) : Fixed(raw: a), let fb = yi ? Fixed.checked(b) : Fixed(raw: b) else { return nil }
                if fb.raw == 0 { return Int64.min }  // division by zero: unknown, not an overflow
                return fa.checkedQuotient(fb, to: unit, mode: mode)?.raw
            }
        case .round(let a, let unit, let mode):
            guard let x = compile(a, person: person) else { return nil }
            guard x.kind == .fixed else { return x }
            return map1(x, .fixed) { Fixed(raw: $0).rounded(to: unit, mode: mode).raw }
        case .compare(let op, let a, let b):
            guard let x = compile(a, person: person), let y = compile(b, person: person) else { return nil }
            let numeric: Set<LaneKind> = [.int, .fixed]
            let ordered: Bool
            var xi = false, yi = false
            if x.kind == y.kind, [.int, .fixed, .date].contains(x.kind) {
                ordered = true
            } else if x.kind == y.kind, [.bool, .enumeration, .enumSet].contains(x.kind) {
                ordered = false
            } else if numeric.contains(x.kind), numeric.contains(y.kind) {
                ordered = true
                xi = x.kind == .int
                yi = y.kind == .int
            } else {
                return nil
            }
            if !xi, !yi { return compare(x, y, op, ordered: ordered) }
            return map2(x, y, .bool) { a, b in
                guard let fa = xi ? Fixed.checked(a)?.raw : a, let fb = yi ? Fixed.checked(b)?.raw : b else { return nil }
                let order = ordered ? (fa < fb ? -1 : fa == fb ? 0 : 1) : (fa == fb ? 0 : 1)
                let r: Bool
                switch op {
                case .less: r = order < 0
                case .lessOrEqual: r = order <= 0
                case .greater: r = order > 0
                case .greaterOrEqual: r = order >= 0
                case .equal: r = order == 0
                case .notEqual: r = order != 0
                }
                return r ? 1 : 0
            }
        case .and(let items), .or(let items):
            var decisive: Int64 = 0
            if case .or = e.op { decisive = 1 }
            let nodes = items.compactMap { compile($0, person: person) }
            guard nodes.count == items.count, nodes.allSatisfy({ $0.kind == .bool }) else { return nil }
            let shape = nodes.contains { $0.person }
            return Node(person: shape, kind: .bool) { [decisive] run in
                let n = shape ? run.batch.persons : run.batch.households
                var decided = [Bool](repeating: false, count: n), unknown = [Bool](repeating: false, count: n)
                for node in nodes {
                    let l = run.shaped(node.run(run), node.person, to: shape)
                    for i in 0..<n {
                        if l.k[i] { if l.v[i] == decisive { decided[i] = true } } else { unknown[i] = true }
                    }
                }
                var out = Lanes(count: n)
                for i in 0..<n {
                    if decided[i] { out.v[i] = decisive; out.k[i] = true } else if !unknown[i] { out.v[i] = 1 - decisive; out.k[i] = true }
                }
                return out
            }
        case .not(let a):
            guard let x = compile(a, person: person), x.kind == .bool else { return nil }
            return map1(x, .bool) { 1 - $0 }
        case .conditional(let c, let a, let b):
            guard let cn = compile(c, person: person), cn.kind == .bool, let x = compile(a, person: person), let y = compile(b, person: person),
                x.kind == y.kind, x.kind != .members
            else { return nil }
            let shape = cn.person || x.person || y.person
            return Node(person: shape, kind: x.kind) { run in
                let cl = run.shaped(cn.run(run), cn.person, to: shape)
                // A branch of one value (a parameter, a constant) is read as it is.
                let xs = x.scalar?(run), ys = y.scalar?(run)
                let xl = xs == nil ? run.shaped(x.run(run), x.person, to: shape) : Lanes(count: 0)
                let yl = ys == nil ? run.shaped(y.run(run), y.person, to: shape) : Lanes(count: 0)
                var out = Lanes(count: cl.count)
                for i in 0..<cl.count {
                    let xk = xs != nil || xl.k[i], yk = ys != nil || yl.k[i]
                    let xv = xs ?? (xk ? xl.v[i] : 0), yv = ys ?? (yk ? yl.v[i] : 0)
                    if cl.k[i] {
                        let yes = cl.v[i] != 0
                        out.v[i] = yes ? xv : yv
                        out.k[i] = yes ? xk : yk
                    } else if xk, yk, xv == yv {
                        out.v[i] = xv
                        out.k[i] = true
                    }
                }
                return out
            }
        case .contains(let set, let element):
            guard let s = compile(set, person: person), s.kind == .enumSet, let x = compile(element, person: person), x.kind == .enumeration else { return nil }
            return map2(s, x, .bool) { bits, o in
                guard o >= 0, o < 64 else { return nil }
                return UInt64(bitPattern: bits) & (1 << UInt64(o)) != 0 ? 1 : 0
            }
        case .filter(let source, let condition):
            guard let s = compile(source, person: person), s.kind == .members, let c = compile(condition, person: true), c.kind == .bool else { return nil }
            return Node(person: true, kind: .members) { run in
                var set = s.run(run)
                let cl = run.shaped(c.run(run), c.person, to: true)
                for p in 0..<set.count where set.v[p] != 0 {
                    if cl.k[p] {
                        if cl.v[p] == 0 { set.v[p] = 0 }
                    } else {
                        set.v[p] = 2
                    }
                }
                return set
            }
        case .known(let a):
            guard let x = compile(a, person: person), x.kind != .members else { return nil }
            return Node(person: x.person, kind: .bool) { run in
                let l = x.run(run)
                var out = Lanes(count: l.count, known: true)
                for i in 0..<l.count { out.v[i] = l.k[i] ? 1 : 0 }
                return out
            }
        case .extremum(let isMin, let items):
            let nodes = items.compactMap { compile($0, person: person) }
            guard nodes.count == items.count, let kind = nodes.first?.kind, nodes.allSatisfy({ $0.kind == kind }) else { return nil }
            let ordered = [.int, .fixed, .date].contains(kind)
            guard kind != .members else { return nil }
            let shape = nodes.contains { $0.person }
            return Node(person: shape, kind: kind) { run in
                let n = shape ? run.batch.persons : run.batch.households
                var out = Lanes(count: n, known: true)
                var first = [Bool](repeating: true, count: n)
                for node in nodes {
                    let l = run.shaped(node.run(run), node.person, to: shape)
                    for i in 0..<n {
                        if !l.k[i] { out.k[i] = false; continue }
                        if first[i] {
                            out.v[i] = l.v[i]
                            first[i] = false
                        } else if Self.replaces(l.v[i], out.v[i], min: isMin, ordered: ordered) {
                            out.v[i] = l.v[i]
                        }
                    }
                }
                return out
            }
        case .month(let end, let d):
            guard let x = compile(d, person: person), x.kind == .date else { return nil }
            return map1(x, .date) { lane in
                let (y, m, _) = Day(serial: Int32(truncatingIfNeeded: lane)).civil
                return Day(year: y, month: m, day: end == .start ? 1 : Day.daysIn(month: m, year: y)).map { Int64($0.serial) }
            }
        case .addDate(let unit, let d, let n):
            guard let x = compile(d, person: person), x.kind == .date, let y = compile(n, person: person), y.kind == .int else { return nil }
            return map2(x, y, .date) { lane, count in
                CheckedArithmetic.date(Day(serial: Int32(truncatingIfNeeded: lane)), adding: count, unit).map { Int64($0.serial) }
            }
        case .aggregate(let kind, let source, let filter, let value):
            return aggregate(kind, source, filter, value, person: person, type: e.type)
        }
    }

    /// One household value from its members, mirroring `Evaluator.aggregate` member by member.
    func aggregate(_ kind: AggregateKind, _ source: TExpr, _ filter: TExpr?, _ value: TExpr?, person: Bool, type: ExprType) -> Node? {
        guard let s = compile(source, person: person), s.kind == .members else { return nil }
        let f = filter.map { compile($0, person: true) }
        if let f, f?.kind != .bool { return nil }
        let v = value.map { compile($0, person: true) }
        if let v, v == nil { return nil }
        let valueNode = v ?? nil, filterNode = f ?? nil
        let resultKind: LaneKind
        switch kind {
        case .count: resultKind = .int
        case .any, .all:
            guard valueNode?.kind == .bool else { return nil }
            resultKind = .bool
        case .sum:
            guard let vk = valueNode?.kind, vk == .int || vk == .fixed else { return nil }
            resultKind = vk == .int && value?.type == .int ? .int : .fixed
        case .min, .max:
            guard let vk = valueNode?.kind, vk != .members else { return nil }
            resultKind = vk
        }
        let ordered = [.int, .fixed, .date].contains(valueNode?.kind)
        let valueIsInt = valueNode?.kind == .int
        return Node(person: false, kind: resultKind) { run in
            let set = s.run(run)
            let fl = filterNode.map { run.shaped($0.run(run), $0.person, to: true) }
            // Without a value node only `count` is asked, which reads no values.
            let vl = valueNode.map { run.shaped($0.run(run), $0.person, to: true) } ?? Lanes(count: 0)
            let filtered = fl != nil, filterK = fl?.k ?? [], filterV = fl?.v ?? []
            let households = run.batch.households, firstMember = run.batch.firstMember
            var out = Lanes(count: households)
            // Through pointers: no checks of bounds or of the arrays' sharing in the loop.
            set.v.withUnsafeBufferPointer { setV in
            filterK.withUnsafeBufferPointer { filterK in
            filterV.withUnsafeBufferPointer { filterV in
            vl.k.withUnsafeBufferPointer { valueK in
            vl.v.withUnsafeBufferPointer { valueV in
            out.v.withUnsafeMutableBufferPointer { outV in
            out.k.withUnsafeMutableBufferPointer { outK in
            firstMember.withUnsafeBufferPointer { firstMember in
            for h in 0..<households {
                var anyUnknown = false, decided: Bool?
                var count: Int64 = 0, total: Int64 = 0, overflow = false
                var extreme: Int64?
                for m in Int(firstMember[h])..<Int(firstMember[h + 1]) where setV[m] != 0 {
                    var included: Bool? = setV[m] == 1 ? true : nil
                    if filtered, included != false {
                        if filterK[m] {
                            if filterV[m] == 0 { included = false }
                        } else {
                            included = nil
                        }
                    }
                    if included == false { continue }
                    switch kind {
                    case .count:
                        if included == nil { anyUnknown = true } else { count += 1 }
                    case .any, .all:
                        let hit: Bool? = valueK[m] ? (kind == .any ? valueV[m] != 0 : valueV[m] == 0) : nil
                        if hit == true, included == true { decided = kind == .any }
                        if hit == nil || included == nil, hit != false { anyUnknown = true }
                    case .sum, .min, .max:
                        if included == nil || !valueK[m] { anyUnknown = true; continue }
                        let x = valueV[m]
                        if kind == .sum {
                            let (t, o) = total.addingReportingOverflow(x)
                            total = t
                            overflow = overflow || o
                        } else if let e = extreme {
                            if Self.replaces(x, e, min: kind == .min, ordered: ordered) { extreme = x }
                        } else {
                            extreme = x
                        }
                    }
                    if decided != nil { break }
                }
                if let decided {
                    outV[h] = decided ? 1 : 0
                    outK[h] = true
                    continue
                }
                if anyUnknown { continue }
                switch kind {
                case .count: outV[h] = count
                case .any: outV[h] = 0
                case .all: outV[h] = 1
                case .sum:
                    if overflow { run.overflow(h, person: false); continue }
                    if resultKind == .fixed, valueIsInt {
                        guard let f = Fixed.checked(total) else { run.overflow(h, person: false); continue }
                        outV[h] = f.raw
                    } else {
                        outV[h] = total
                    }
                case .min, .max:
                    guard let e = extreme else { continue }
                    outV[h] = e
                }
                outK[h] = true
            }
            } } } } } } } }
            return out
        }
    }

    /// Whether `x` takes the place of the extreme so far, as `Evaluator` decides it: by order for
    /// numbers and dates; values without an order are never less, so a maximum takes any
    /// different later value and a minimum keeps the first.
    static func replaces(_ x: Int64, _ e: Int64, min: Bool, ordered: Bool) -> Bool {
        let less = ordered && x < e
        return less == min && x != e
    }

    func map1(_ x: Node, _ kind: LaneKind, _ f: @escaping (Int64) -> Int64?) -> Node {
        Node(person: x.person, kind: kind) { run in
            var l = x.run(run)
            for i in 0..<l.count where l.k[i] {
                if let r = f(l.v[i]) { l.v[i] = r } else { l.k[i] = false; run.overflow(i, person: x.person) }
            }
            return l
        }
    }

    /// Two operands of one kind compared, a loop for each operator (no call per element), as
    /// the general comparison decides: values without an order are only equal or not.
    func compare(_ x: Node, _ y: Node, _ op: ComparisonOp, ordered: Bool) -> Node {
        let shape = x.person || y.person
        return Node(person: shape, kind: .bool) { run in
            /// The lanes of `test`, an operand of one value read as it is.
            @inline(__always) func lanes(_ test: (Int64, Int64) -> Bool) -> Lanes {
                if let c = y.scalar?(run) {
                    let a = run.shaped(x.run(run), x.person, to: shape)
                    var out = Lanes(count: a.count)
                    out.set(a) { test($0, c) }
                    return out
                }
                if let c = x.scalar?(run) {
                    let b = run.shaped(y.run(run), y.person, to: shape)
                    var out = Lanes(count: b.count)
                    out.set(b) { test(c, $0) }
                    return out
                }
                let a = run.shaped(x.run(run), x.person, to: shape), b = run.shaped(y.run(run), y.person, to: shape)
                var out = Lanes(count: a.count)
                out.set(a, b, test)
                return out
            }
            switch (op, ordered) {
            case (.less, true): return lanes(<)
            case (.lessOrEqual, true): return lanes(<=)
            case (.greater, true): return lanes(>)
            case (.greaterOrEqual, true): return lanes(>=)
            case (.equal, _), (.lessOrEqual, false): return lanes(==)
            case (.notEqual, _), (.greater, false): return lanes(!=)
            case (.less, false): return lanes { _, _ in false }
            case (.greaterOrEqual, false): return lanes { _, _ in true }
            }
        }
    }

    /// A kernel of two operands; `f` returning nil is an overflow (the household goes to the row
    /// evaluator), and with `zeroIsUnknown`, `Int64.min` is an unknown result (division by zero).
    func map2(_ x: Node, _ y: Node, _ kind: LaneKind, zeroIsUnknown: Bool = false, _ f: @escaping (Int64, Int64) -> Int64?) -> Node {
        let shape = x.person || y.person
        // Of two operands of one value each, one value (none where `f` fails: the lanes then say how).
        var scalar: ((BatchRun) -> Int64?)?
        if let xs = x.scalar, let ys = y.scalar {
            scalar = { run in
                guard let a = xs(run), let b = ys(run), let r = f(a, b), !(zeroIsUnknown && r == .min) else { return nil }
                return r
            }
        }
        return Node(person: shape, kind: kind, scalar: scalar) { run in
            let xc = x.scalar?(run), yc = xc == nil ? y.scalar?(run) : nil
            // An operand of one value is read as it is; the other's lanes are the shape's.
            let a = xc == nil ? run.shaped(x.run(run), x.person, to: shape) : Lanes(count: 0)
            let b = yc == nil ? run.shaped(y.run(run), y.person, to: shape) : Lanes(count: 0)
            var out = Lanes(count: xc == nil ? a.count : b.count)
            for i in 0..<out.count {
                guard xc != nil || a.k[i], yc != nil || b.k[i] else { continue }
                guard let r = f(xc ?? a.v[i], yc ?? b.v[i]) else { run.overflow(i, person: shape); continue }
                if zeroIsUnknown, r == .min { continue }
                out.v[i] = r
                out.k[i] = true
            }
            return out
        }
    }
}
