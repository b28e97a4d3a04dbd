import PolicyExpr
import RuleCompiler

/// The rule set compiled for batches: every expression becomes a kernel over lanes, so a batch
/// of thousands of households is decided a field at a time instead of a household at a time.
///
/// It gives the same decisions as ``HouseholdEvaluation``: the same three-valued logic, the same
/// arithmetic and rounding. Where it cannot (text, which no lane holds; a value past 64 bits)
/// it says so: `make` returns nil for rules it cannot compile, and a household whose decision
/// it leaves undetermined or whose arithmetic overflows is handed back to the row evaluator,
/// which also gives its reasons.
public final class BatchPlan: @unchecked Sendable {
    public let rules: RuleSet
    public let today: Day
    private(set) var policies: [PolicyKernel]
    var householdLets: [Node?]
    var memberLets: [Node?]
    /// The household field that picks a parameter variant, if the schema has one.
    public let variantField: Int?

    /// Compiles every policy; nil when one uses what lanes cannot hold (text, by-kind money).
    public static func make(rules: RuleSet, on day: Day) -> BatchPlan? {
        let plan = BatchPlan(rules: rules, today: day)
        return plan.policies.count == rules.policies.count ? plan : nil
    }

    init(rules: RuleSet, today: Day) {
        self.rules = rules
        self.today = today
        householdLets = Array(repeating: nil, count: rules.householdLets.count)
        memberLets = Array(repeating: nil, count: rules.memberLets.count)
        variantField = rules.schema.conventions.variant.flatMap { rules.schema.field($0, .household) }?.index
        policies = []
        var compiled: [PolicyKernel] = []
        for p in rules.policies {
            guard let k = PolicyKernel(p, plan: self) else { break }
            compiled.append(k)
        }
        policies = compiled
    }

    /// The parameters and birthday rule of a region and variant on the plan's date.
    public func context(region: String, variant: Int?) -> BatchContext {
        BatchContext(rules: rules, region: region, variant: variant, on: today)
    }

    /// Whether policy `index` is in effect on the date (else it is unmet by `effective`).
    public func inEffect(_ index: Int) -> Bool { policies[index].inEffect }

    /// The id of condition `c` of policy `index` as bytes, if it is a leaf (a reason code).
    public func leafID(_ index: Int, _ c: Int) -> [UInt8]? { policies[index].leafIDs[c] }

    /// Decides every policy for every household of `batch`; `explaining` keeps each condition's
    /// outcome and which conditions decide, for ``BatchExplainer``. `reasons`, by policy: whether
    /// its reason codes (`BatchOutcomes.unmet`) are read; nil: every policy's.
    public func run(_ batch: Batch, explaining: Bool = false, reasons: [Bool]? = nil) -> BatchRun {
        BatchRun(plan: self, batch: batch, explaining: explaining, reasons: reasons)
    }

    func householdLet(_ slot: Int) -> Node? {
        if let n = householdLets[slot] { return n }
        let n = compile(rules.householdLets[slot].expr, person: false)
        householdLets[slot] = n
        return n
    }

    func memberLet(_ slot: Int) -> Node? {
        if let n = memberLets[slot] { return n }
        let n = compile(rules.memberLets[slot].expr, person: true)
        memberLets[slot] = n
        return n
    }
}

/// A compiled expression: its shape (one lane a household, or one a person), what its lanes
/// hold, and the kernel that fills them.
struct Node {
    let person: Bool
    let kind: LaneKind
    let run: (BatchRun) -> Lanes
    /// The one value of every lane, when the batch gives every subject the same known value (a
    /// constant; a parameter when the batch has one region): a comparison or an arithmetic
    /// step then reads it as it is, with no lanes made and repeated for each member.
    var scalar: ((BatchRun) -> Int64?)?

    init(person: Bool, kind: LaneKind, scalar: ((BatchRun) -> Int64?)? = nil, run: @escaping (BatchRun) -> Lanes) {
        self.person = person
        self.kind = kind
        self.scalar = scalar
        self.run = run
    }
}

/// One policy's conditions and amount as kernels.
final class PolicyKernel {
    indirect enum Condition {
        case leaf(when: Node, unless: Node?)
        case all([Condition])
        case any([Condition])
        case not(Condition)
    }
    let policy: CompiledPolicy
    let person: Bool
    let inEffect: Bool
    let root: Condition
    let amount: Node?
    /// Each condition's id as bytes, in the order of `policy.conditions`; leaves only.
    let leafIDs: [[UInt8]?]
    /// The tree in preorder (the order of `policy.conditions`): each condition's parent (-1 for
    /// the root), and whether the parent is a `not`.
    let parents: [Int]
    let underNot: [Bool]

    init?(_ p: CompiledPolicy, plan: BatchPlan) {
        policy = p
        person = p.subject == .person
        inEffect = !((p.effectiveFrom.map { plan.today < $0 } ?? false) || (p.effectiveTo.map { plan.today > $0 } ?? false))
        guard p.conditions.count <= 64 else { return nil }
        func condition(_ c: CompiledCondition) -> Condition? {
            switch c.kind {
            case .leaf(let when, let unless):
                guard let w = plan.compile(when, person: p.subject == .person), w.kind == .bool else { return nil }
                guard let unless else { return .leaf(when: w, unless: nil) }
                guard let u = plan.compile(unless, person: p.subject == .person), u.kind == .bool else { return nil }
                return .leaf(when: w, unless: u)
            case .all(let xs):
                let items = xs.compactMap(condition)
                return items.count == xs.count ? .all(items) : nil
            case .any(let xs):
                let items = xs.compactMap(condition)
                return items.count == xs.count ? .any(items) : nil
            case .not(let x): return condition(x).map { .not($0) }
            }
        }
        guard let root = condition(p.eligible) else { return nil }
        self.root = root
        var parents: [Int] = [], underNot: [Bool] = []
        func flatten(_ c: Condition, parent: Int, not: Bool) {
            let at = parents.count
            parents.append(parent)
            underNot.append(not)
            switch c {
            case .leaf: break
            case .all(let xs), .any(let xs): for x in xs { flatten(x, parent: at, not: false) }
            case .not(let x): flatten(x, parent: at, not: true)
            }
        }
        flatten(root, parent: -1, not: false)
        self.parents = parents
        self.underNot = underNot
        if let a = p.amount {
            guard let n = plan.compile(a.expr, person: person), n.kind == .fixed || n.kind == .int else { return nil }
            amount = n
        } else {
            amount = nil
        }
        for (other, _) in p.higherOf where plan.rules.policies[other].subject != p.subject { return nil }
        leafIDs = p.conditions.map { c, _ in
            if case .leaf = c.kind { return Array(c.id.utf8) }
            return nil
        }
    }
}

/// A policy's decisions for every subject of a batch (households, or persons).
public struct BatchOutcomes: Sendable {
    /// 0 eligible, 1 ineligible, 2 undetermined.
    public var status: [UInt8]
    /// `Fixed.raw` of the amount where eligible.
    public var amount: [Int64]
    /// The decisive unmet conditions, as bits over `policy.conditions`, where ineligible (or
    /// eligible but liable to give way to another policy).
    public var unmet: [UInt64]
    /// The policy this one gave way to (择高), or -1.
    public var yielded: [Int32]

    public static let eligible: UInt8 = 0, ineligible: UInt8 = 1, undetermined: UInt8 = 2
}

/// The decisions for one batch, worked out policy by policy when first asked for.
public final class BatchRun {
    public let plan: BatchPlan
    public let batch: Batch
    var householdLets: [Lanes?]
    /// Each member's age (周岁) on the date, once asked for.
    var ages: Lanes?
    var memberLets: [Lanes?]
    var base: [BatchOutcomes?]
    var final: [BatchOutcomes?]
    /// Households whose arithmetic left 64 bits: the row evaluator decides them.
    public private(set) var overflowed: [Bool]
    /// Kept when explaining, by policy: each condition's outcome for each subject (condition
    /// `c`, subject `s` at `c * subjects + s`; 0 met, 1 unmet, 2 unknown, 3 excepted), and the
    /// conditions that decide, as bits over `policy.conditions`.
    let explaining: Bool
    var conditionOutcomes: [[UInt8]?]
    var decisive: [[UInt64]?]
    /// By policy, whether its reason codes are read (nil: every policy's).
    let reasons: [Bool]?

    init(plan: BatchPlan, batch: Batch, explaining: Bool, reasons: [Bool]?) {
        self.plan = plan
        self.batch = batch
        self.explaining = explaining
        self.reasons = reasons
        conditionOutcomes = Array(repeating: nil, count: explaining ? plan.policies.count : 0)
        decisive = Array(repeating: nil, count: explaining ? plan.policies.count : 0)
        householdLets = Array(repeating: nil, count: plan.rules.householdLets.count)
        memberLets = Array(repeating: nil, count: plan.rules.memberLets.count)
        base = Array(repeating: nil, count: plan.policies.count)
        final = Array(repeating: nil, count: plan.policies.count)
        overflowed = Array(repeating: false, count: batch.households)
    }

    /// Marks the household of lane `i` (a person's when `person`) for the row evaluator.
    @inline(__always) func overflow(_ i: Int, person: Bool) {
        overflowed[person ? Int(batch.householdOf[i]) : i] = true
    }

    /// Policy `index`'s decisions after 择高.
    public func outcomes(_ index: Int) -> BatchOutcomes {
        if let o = final[index] { return o }
        var o = baseOutcomes(index)
        let p = plan.rules.policies[index]
        if !p.higherOf.isEmpty {
            for s in o.status.indices where o.status[s] == BatchOutcomes.eligible {
                for (other, _) in p.higherOf {
                    let theirs = baseOutcomes(other)
                    switch theirs.status[s] {
                    case BatchOutcomes.ineligible: continue
                    case BatchOutcomes.undetermined: o.status[s] = BatchOutcomes.undetermined
                    default:
                        if theirs.amount[s] > o.amount[s] || (theirs.amount[s] == o.amount[s] && other < index) {
                            o.status[s] = BatchOutcomes.ineligible
                            o.yielded[s] = Int32(other)
                        }
                    }
                    if o.status[s] != BatchOutcomes.eligible { break }
                }
            }
        }
        final[index] = o
        return o
    }

    /// Conditions and amount, before 择高.
    func baseOutcomes(_ index: Int) -> BatchOutcomes {
        if let o = base[index] { return o }
        let kernel = plan.policies[index]
        let n = kernel.person ? batch.persons : batch.households
        var o = BatchOutcomes(status: Array(repeating: BatchOutcomes.ineligible, count: n), amount: Array(repeating: 0, count: n),
                              unmet: Array(repeating: 0, count: n), yielded: Array(repeating: -1, count: n))
        guard kernel.inEffect else {
            base[index] = o
            return o
        }
        // Each condition's outcome for every subject: 0 met, 1 unmet, 2 unknown, 3 excepted.
        let count = kernel.policy.conditions.count
        var outcomes = Array(repeating: [UInt8](), count: count)
        var position = 0
        func evaluate(_ c: PolicyKernel.Condition) -> [UInt8] {
            let at = position
            position += 1
            var result = [UInt8](repeating: 1, count: n)
            switch c {
            case .leaf(let when, let unless):
                let w = shaped(when.run(self), when.person, to: kernel.person)
                // Met; else excepted (`unless` true); else unmet when both are known; else unknown.
                result.withUnsafeMutableBufferPointer { r in
                    w.v.withUnsafeBufferPointer { wv in
                        w.k.withUnsafeBufferPointer { wk in
                            guard let unless else {
                                for s in 0..<n { r[s] = wk[s] ? (wv[s] != 0 ? 0 : 1) : 2 }
                                return
                            }
                            let u = shaped(unless.run(self), unless.person, to: kernel.person)
                            u.v.withUnsafeBufferPointer { uv in
                                u.k.withUnsafeBufferPointer { uk in
                                    for s in 0..<n {
                                        r[s] = wk[s] && wv[s] != 0 ? 0 : uk[s] && uv[s] != 0 ? 3 : wk[s] && uk[s] ? 1 : 2
                                    }
                                }
                            }
                        }
                    }
                }
            case .all(let items), .any(let items):
                let isAll: Bool
                if case .all = c { isAll = true } else { isAll = false }
                // Per subject: bit 0, an item decides (unmet under `all`, met or excepted under
                // `any`); bit 1, an item is unknown.
                var seen = [UInt8](repeating: 0, count: n)
                for item in items {
                    let r = evaluate(item)
                    seen.withUnsafeMutableBufferPointer { seen in
                        r.withUnsafeBufferPointer { r in
                            for s in 0..<n {
                                let decides = isAll ? r[s] == 1 : r[s] == 0 || r[s] == 3
                                seen[s] |= (decides ? 1 : 0) | (r[s] == 2 ? 2 : 0)
                            }
                        }
                    }
                }
                let (decided, open): (UInt8, UInt8) = isAll ? (1, 0) : (0, 1)
                result.withUnsafeMutableBufferPointer { r in
                    seen.withUnsafeBufferPointer { seen in
                        for s in 0..<n { r[s] = seen[s] & 1 != 0 ? decided : seen[s] != 0 ? 2 : open }
                    }
                }
            case .not(let inner):
                let r = evaluate(inner)
                for s in 0..<n { result[s] = r[s] == 2 ? 2 : r[s] == 1 ? 0 : 1 }
            }
            outcomes[at] = result
            return result
        }
        let root = evaluate(kernel.root)
        // An amount of one value (a parameter) is read as it is.
        let amountScalar = kernel.amount?.scalar?(self)
        let amounts = amountScalar != nil ? nil : kernel.amount.map { shaped($0.run(self), $0.person, to: kernel.person) }
        let rounding: (RoundingUnit, Rounding)? = {
            guard let a = kernel.policy.amount, let r = a.rounding else { return nil }
            if case .divide = a.expr.op { return nil }
            return r
        }()
        // Which leaves decide an unmet policy: those of a subject that is ineligible, or eligible
        // but liable to give way (择高).
        // Worked out only when the reason codes or the texts are read.
        let (decisiveMasks, decisiveUnmet) = explaining || reasons?[index] ?? true
            ? decisiveConditions(kernel, outcomes, n) : ([], [UInt64](repeating: 0, count: n))
        if explaining {
            conditionOutcomes[index] = Array(outcomes.joined())
            decisive[index] = decisiveMasks
        }
        let yields = !kernel.policy.higherOf.isEmpty, amountKind = kernel.amount?.kind
        o.status.withUnsafeMutableBufferPointer { status in
            o.amount.withUnsafeMutableBufferPointer { amount in
                o.unmet.withUnsafeMutableBufferPointer { unmet in
                    root.withUnsafeBufferPointer { root in
                        decisiveUnmet.withUnsafeBufferPointer { reasons in
                            for s in 0..<n {
                                switch root[s] {
                                case 0, 3:
                                    status[s] = BatchOutcomes.eligible
                                    // Giving way to another policy (择高) makes it unmet, with the unmet leaves under its `not`s.
                                    if yields { unmet[s] = reasons[s] }
                                    guard let kind = amountKind, amountScalar != nil || amounts != nil else { continue }
                                    guard amountScalar != nil || amounts!.k[s] else { status[s] = BatchOutcomes.undetermined; continue }
                                    let value = amountScalar ?? amounts!.v[s]
                                    if kind == .int {
                                        guard let f = Fixed.checked(value) else { overflow(s, person: kernel.person); continue }
                                        amount[s] = f.raw
                                    } else {
                                        let f = Fixed(raw: value)
                                        amount[s] = rounding.map { f.rounded(to: $0.0, mode: $0.1).raw } ?? f.raw
                                    }
                                case 1:
                                    status[s] = BatchOutcomes.ineligible
                                    unmet[s] = reasons[s]
                                default:
                                    status[s] = BatchOutcomes.undetermined
                                }
                            }
                        }
                    }
                }
            }
        }
        base[index] = o
        return o
    }

    /// The conditions that decide, and of them the unmet leaves (as `DecisionBuilder.brief` picks
    /// them), for every subject: a condition is decisive when its parent is and it came out as its
    /// parent did (met and excepted count as the same), or its parent is a `not`; a decisive unmet
    /// leaf is a reason.
    func decisiveConditions(_ kernel: PolicyKernel, _ outcomes: [[UInt8]], _ n: Int) -> (decisive: [UInt64], unmet: [UInt64]) {
        var unmet = [UInt64](repeating: 0, count: n)
        // Bit i: condition i is decisive for the subject; the root always is.
        var decisive = [UInt64](repeating: 1, count: n)
        decisive.withUnsafeMutableBufferPointer { decisive in
            unmet.withUnsafeMutableBufferPointer { unmet in
                for i in kernel.parents.indices {
                    outcomes[i].withUnsafeBufferPointer { mine in
                        // Without branches: which subjects take each step is anyone's guess.
                        let bit: UInt64 = 1 << UInt64(i)
                        if i > 0 {
                            let parent = UInt64(kernel.parents[i]), at = UInt64(i)
                            if kernel.underNot[i] {
                                for s in 0..<n { decisive[s] |= ((decisive[s] >> parent) & 1) << at }
                            } else {
                                outcomes[Int(parent)].withUnsafeBufferPointer { theirs in
                                    for s in 0..<n {
                                        // Met and excepted count as the same.
                                        let a = mine[s] == 3 ? 0 : mine[s], b = theirs[s] == 3 ? 0 : theirs[s]
                                        let same: UInt64 = a == b ? 1 : 0
                                        decisive[s] |= ((decisive[s] >> parent) & same) << at
                                    }
                                }
                            }
                        }
                        if kernel.leafIDs[i] != nil {
                            for s in 0..<n { unmet[s] |= decisive[s] & (mine[s] == 1 ? bit : 0) }
                        }
                    }
                }
            }
        }
        return (decisive, unmet)
    }

    /// Lanes of one shape as the subject's shape: a household's lane repeated for each member.
    func shaped(_ lanes: Lanes, _ person: Bool, to subjectIsPerson: Bool) -> Lanes {
        person == subjectIsPerson || !subjectIsPerson ? lanes : broadcast(lanes)
    }

    func broadcast(_ h: Lanes) -> Lanes {
        var out = Lanes(count: batch.persons)
        let of = batch.householdOf
        for p in 0..<batch.persons {
            let i = Int(of[p])
            out.v[p] = h.v[i]
            out.k[p] = h.k[i]
        }
        return out
    }
}
