import PolicyExpr
import RuleCompiler

/// Evaluates every policy for one household on one date, caching `let` values, parameters and
/// decisions by slot. It is the trace that explanations read.
public final class HouseholdEvaluation: EvaluationContext {
    public let rules: RuleSet
    public let record: HouseholdRecord
    public let today: Day
    public let regionName: String
    let variant: Int?
    var parameterCache: [Value?]
    var householdLetCache: [Value?]
    var memberLetCache: [Value?]
    var baseOutcomes: [[PolicyOutcome?]]
    var finalOutcomes: [[PolicyOutcome?]]
    /// Set by `reveal` to show names; otherwise names are masked.
    public var revealNames = false

    public init(rules: RuleSet, record: HouseholdRecord, on day: Day) {
        self.rules = rules
        self.record = record
        self.today = day
        let resolved = rules.resolvedRegions[record.region]
        regionName = resolved?.name ?? rules.regionName(record.region) ?? record.region
        regionParameters = resolved?.parameters
        let schema = rules.schema
        variant = schema.conventions.variant.flatMap { schema.field($0, .household) }.flatMap {
            if case .enumeration(let o) = record.values[$0.index] { return o }
            return nil
        }
        parameterCache = Array(repeating: nil, count: schema.parameters.count)
        householdLetCache = Array(repeating: nil, count: rules.householdLets.count)
        memberLetCache = Array(repeating: nil, count: rules.memberLets.count * max(1, record.members.count))
        let slots = rules.policies.map { $0.subject == .person ? max(1, record.members.count) : 1 }
        baseOutcomes = slots.map { Array(repeating: nil, count: $0) }
        finalOutcomes = slots.map { Array(repeating: nil, count: $0) }
        birthDateField = schema.field(schema.conventions.birthDate, .person)?.index
        birthdayCountsStorage = schema.conventions.birthdayCounts
        if let name = schema.conventions.birthdayParameter, let spec = schema.parameter(name),
            case .enumeration(let e) = spec.type, case .enumeration(let o) = parameter(spec.index)
        {
            birthdayCountsStorage = e.values[o] == "same_day"
        }
    }

    var birthdayCountsStorage: Bool?
    /// The slot of the birth date (looked up once, not at every age).
    let birthDateField: Int?
    var regionParameters: [[ParameterEntry]?]?

    public var memberCount: Int { record.members.count }
    var evaluator: Evaluator<HouseholdEvaluation> { Evaluator(self) }

    // MARK: EvaluationContext

    public func field(_ index: Int, _ level: FieldLevel, member: Int) -> Value {
        let v = level == .household ? record.values[index] : (member >= 0 ? record.members[member].values[index] : .unknown([]))
        if case .unknown = v { return .unknown([.field(index, member: level == .household ? -1 : member)]) }
        return v
    }

    public func kind(field: Int, kind: Int, _ level: FieldLevel, member: Int) -> Value {
        let amounts = level == .household ? record.kinds[field] : (member >= 0 ? record.members[member].kinds[field] : nil)
        guard let amounts else { return .unknown([.field(field, member: level == .household ? -1 : member)]) }
        return .fixed(amounts[kind])
    }

    public func householdLet(_ slot: Int) -> Value {
        if let v = householdLetCache[slot] { return v }
        let v = evaluator.eval(rules.householdLets[slot].expr, member: -1)
        householdLetCache[slot] = v
        return v
    }

    public func memberLet(_ slot: Int, member: Int) -> Value {
        guard member >= 0 else { return .unknown([]) }
        let key = member * rules.memberLets.count + slot
        if let v = memberLetCache[key] { return v }
        let v = evaluator.eval(rules.memberLets[slot].expr, member: member)
        memberLetCache[key] = v
        return v
    }

    public func parameter(_ index: Int) -> Value {
        if let v = parameterCache[index] { return v }
        let entry = regionParameters.map { $0[index]?.last { $0.covers(today) } } ?? rules.parameterEntry(index, region: record.region, on: today).entry
        let v = entry?.value(variant: variant) ?? .unknown([.parameter(index)])
        parameterCache[index] = v
        return v
    }

    public func policy(_ index: Int, _ facet: PolicyFacet, member: Int) -> Value {
        let p = rules.policies[index]
        let outcome = finalOutcome(p, member: p.subject == .person ? member : -1)
        switch (outcome.status, facet) {
        case (.eligible, .eligible): return .bool(true)
        case (.ineligible, .eligible): return .bool(false)
        case (.eligible, .amount): return .fixed(outcome.amount ?? .zero)
        case (.ineligible, .amount): return .fixed(.zero)
        case (.undetermined, _): return .unknown(outcome.causes)
        }
    }

    public func age(member: Int) -> Value {
        guard member >= 0, let f = birthDateField else { return .unknown([]) }
        guard case .date(let birth) = field(f, .person, member: member) else { return .unknown([.field(f, member: member)]) }
        guard let counts = birthdayCountsStorage else { return .unknown([birthdayCause]) }
        return .int(Int64(today.age(bornOn: birth, birthdayCounts: counts)))
    }

    public func dateOfAge(_ years: Int64, member: Int) -> Value {
        guard member >= 0, let f = birthDateField else { return .unknown([]) }
        guard case .date(let birth) = field(f, .person, member: member) else { return .unknown([.field(f, member: member)]) }
        guard let counts = birthdayCountsStorage else { return .unknown([birthdayCause]) }
        return Day.dateOfAge(checked: years, bornOn: birth, birthdayCounts: counts).map { .date($0) } ?? .unknown([.overflow])
    }

    var birthdayCause: UnknownCause {
        rules.schema.conventions.birthdayParameter.flatMap { rules.schema.parameter($0) }.map { .parameter($0.index) } ?? .undefined("birthday")
    }

    public func personName(member: Int) -> String {
        guard member >= 0 else { return "" }
        return Masking.personLabel(record.members[member], schema: rules.schema, reveal: revealNames)
    }
}
