import PolicyExpr
import SourceDiagnostics

extension RuleLoader {
    /// Values no policy uses, and conditions whose outcome cannot vary: ones that can never be
    /// met or never fail, given the fields' types (amounts, counts and ages are never negative)
    /// and the yes/no parameters that have one value everywhere. Warnings: the rules still run.
    static func checkUsage(_ s: inout LoadState) {
        guard let schema = s.schema else { return }
        var seenHousehold = Set<Int>(), seenMember = Set<Int>()
        var stack: [TExpr] = []
        func template(_ t: Template?) {
            for part in t?.parts ?? [] { if case .value(let e) = part { stack.append(e) } }
        }
        for p in s.compiled {
            for (c, _) in p.conditions {
                if case .leaf(let w, let u) = c.kind { stack.append(w); u.map { stack.append($0) } }
                [c.met, c.unmet, c.excepted, c.change].forEach(template)
                stack += c.references.map(\.expr)
            }
            if let a = p.amount { stack.append(a.expr); template(a.explain) }
            p.higherOf.forEach { template($0.text) }
        }
        while let e = stack.popLast() {
            switch e.op {
            case .householdLet(let i, _): if seenHousehold.insert(i).inserted { stack.append(s.householdLets[i].expr) }
            case .memberLet(let i, _): if seenMember.insert(i).inserted { stack.append(s.memberLets[i].expr) }
            default: stack += e.children
            }
        }
        for (i, l) in s.householdLets.enumerated() where !seenHousehold.contains(i) { unused(l, &s.bag) }
        for (i, l) in s.memberLets.enumerated() where !seenMember.contains(i) { unused(l, &s.bag) }

        let constants = constantBoolParameters(s, schema)
        for p in s.compiled {
            for (c, _) in p.conditions where !c.isOverlap {
                guard case .leaf(let when, _) = c.kind, let always = Self.fixedOutcome(when, constants) else { continue }
                if always {
                    s.bag.warning("lint.condition-always-met", "the condition `\(c.id)` of `\(p.id)` is met whatever the household", at: c.span,
                        help: "amounts, counts and ages are never negative, and its yes/no parameters have one value everywhere; remove it or fix the comparison")
                } else {
                    s.bag.warning("lint.condition-never-met", "the condition `\(c.id)` of `\(p.id)` can never be met", at: c.span,
                        help: "amounts, counts and ages are never negative, and its yes/no parameters have one value everywhere; no household can qualify through it")
                }
            }
        }
    }

    static func unused(_ l: CompiledLet, _ bag: inout DiagnosticBag) {
        bag.warning("lint.unused-let", "`\(l.name)` is never used", at: l.span,
            help: "use it in a condition, an amount or a text, or remove it")
    }

    /// Yes/no parameters that hold one value in every region and on every date.
    static func constantBoolParameters(_ s: LoadState, _ schema: Schema) -> [Int: Bool] {
        var values: [Int: Set<Bool>] = [:]
        for region in s.regions.values {
            for (i, entries) in region.parameters where schema.parameters[i].type == .bool {
                for e in entries {
                    let all = (e.value.map { [$0] } ?? []) + Array(e.variantValues.values)
                    for v in all { if case .bool(let b) = v { values[i, default: []].insert(b) } }
                    if all.isEmpty { values[i, default: []].formUnion([true, false]) }
                }
            }
        }
        return values.compactMapValues { $0.count == 1 ? $0.first : nil }
    }

    /// true or false when the expression cannot vary; nil when it can.
    static func fixedOutcome(_ e: TExpr, _ constants: [Int: Bool]) -> Bool? {
        switch e.op {
        case .constant(.bool(let b)): return b
        case .parameter(let i, _): return constants[i]
        case .not(let a): return fixedOutcome(a, constants).map { !$0 }
        case .and(let xs):
            let parts = xs.map { fixedOutcome($0, constants) }
            if parts.contains(false) { return false }
            return parts.allSatisfy { $0 == true } ? true : nil
        case .or(let xs):
            let parts = xs.map { fixedOutcome($0, constants) }
            if parts.contains(true) { return true }
            return parts.allSatisfy { $0 == false } ? false : nil
        case .compare(let op, let a, let b):
            if isNonNegative(a), let c = constant(b) { return bound(op, c) }
            if isNonNegative(b), let c = constant(a) { return bound(op.flipped, c) }
            return nil
        default: return nil
        }
    }

    /// For `x op c` with x ≥ 0: true or false when every x ≥ 0 gives the same answer.
    static func bound(_ op: ComparisonOp, _ c: Fixed) -> Bool? {
        switch op {
        case .greaterOrEqual: c <= .zero ? true : nil
        case .greater: c < .zero ? true : nil
        case .less: c <= .zero ? false : nil
        case .lessOrEqual: c < .zero ? false : nil
        case .equal: c < .zero ? false : nil
        case .notEqual: c < .zero ? true : nil
        }
    }

    static func constant(_ e: TExpr) -> Fixed? {
        switch e.op {
        case .constant(.int(let i)): Fixed(i)
        case .constant(.fixed(let f)): f
        case .negate(let a): constant(a).map { .zero - $0 }
        default: nil
        }
    }

    /// Amounts and counts as records give them: money and whole numbers are never negative.
    static func isNonNegative(_ e: TExpr) -> Bool {
        switch e.op {
        case .field, .kind: e.type == .money || e.type == .int
        case .age: true
        case .aggregate(.count, _, _, _): true
        case .aggregate(.sum, _, _, let value?): isNonNegative(value)
        case .arithmetic(let op, let a, let b): op != .subtract && isNonNegative(a) && isNonNegative(b)
        default: false
        }
    }
}

extension ComparisonOp {
    /// The operator with its sides swapped: `c < x` is `x > c`.
    var flipped: ComparisonOp {
        switch self {
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        case .equal, .notEqual: self
        }
    }
}
