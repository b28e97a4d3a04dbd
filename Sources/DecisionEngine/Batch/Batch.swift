import PolicyExpr
import RuleCompiler

/// Households and their members laid out field by field, for the batch evaluator: a lane for
/// every household and every person of the batch, in input order.
public struct Batch: Sendable {
    public private(set) var households = 0
    public private(set) var persons = 0
    /// For each person, the index of its household in the batch.
    public private(set) var householdOf: [Int32] = []
    /// For each household, its first person; one more entry gives the end of the last.
    public private(set) var firstMember: [Int32] = [0]
    /// Lanes by the schema's field index; nil for fields no lane holds (text, codes).
    public var householdFields: [Lanes?]
    public var personFields: [Lanes?]
    /// A member's by-kind money (`incomes`): by field, a lane for each kind. Given when any of
    /// its kinds is (the others are then zero), so every kind's lane knows the same persons.
    public var personKinds: [[Lanes]?]
    /// For each household, its region and variant's parameters (an index into `contexts`).
    public var context: [Int32] = []
    public var contexts: [BatchContext] = []

    public init(schema: Schema) {
        householdFields = schema.household.map { LaneKind($0.kind) == nil ? nil : Lanes(count: 0) }
        personFields = schema.person.map { LaneKind($0.kind) == nil ? nil : Lanes(count: 0) }
        personKinds = schema.person.map { f in
            guard case .moneyByKind(let names, _) = f.kind, !names.isEmpty else { return nil }
            return Array(repeating: Lanes(count: 0), count: names.count)
        }
    }

    /// Every person lane: fields, then each kind of each by-kind field.
    private mutating func eachPersonLane(_ body: (inout Lanes) -> Void) {
        for i in personFields.indices where personFields[i] != nil { body(&personFields[i]!) }
        for i in personKinds.indices where personKinds[i] != nil {
            for k in personKinds[i]!.indices { body(&personKinds[i]![k]) }
        }
    }

    /// Adds a household of `members` persons with every lane unknown; returns its index.
    public mutating func addHousehold(members: Int, context c: Int32) -> Int {
        for i in householdFields.indices where householdFields[i] != nil {
            householdFields[i]!.v.append(0)
            householdFields[i]!.k.append(false)
        }
        eachPersonLane { lanes in
            lanes.v.append(contentsOf: repeatElement(0, count: members))
            lanes.k.append(contentsOf: repeatElement(false, count: members))
        }
        householdOf.append(contentsOf: repeatElement(Int32(households), count: members))
        persons += members
        firstMember.append(Int32(persons))
        context.append(c)
        households += 1
        return households - 1
    }

    /// Takes back the last household added (its rows turned out not to fit the batch).
    public mutating func removeLastHousehold() {
        let members = Int(firstMember[households] - firstMember[households - 1])
        for i in householdFields.indices where householdFields[i] != nil {
            householdFields[i]!.v.removeLast()
            householdFields[i]!.k.removeLast()
        }
        eachPersonLane { lanes in
            lanes.v.removeLast(members)
            lanes.k.removeLast(members)
        }
        householdOf.removeLast(members)
        persons -= members
        firstMember.removeLast()
        context.removeLast()
        households -= 1
    }

    @inline(__always) public mutating func setHousehold(_ field: Int, _ h: Int, _ lane: Int64) {
        householdFields[field]!.v[h] = lane
        householdFields[field]!.k[h] = true
    }

    @inline(__always) public mutating func setPerson(_ field: Int, _ p: Int, _ lane: Int64) {
        personFields[field]!.v[p] = lane
        personFields[field]!.k[p] = true
    }

    /// Sets one kind of a member's by-kind money; the first kind given makes the others zero.
    public mutating func setPersonKind(_ field: Int, _ kind: Int, _ p: Int, _ raw: Int64) {
        if !personKinds[field]![0].k[p] {
            for k in personKinds[field]!.indices {
                personKinds[field]![k].v[p] = 0
                personKinds[field]![k].k[p] = true
            }
        }
        personKinds[field]![kind].v[p] = raw
    }

    public func members(of h: Int) -> Range<Int> { Int(firstMember[h])..<Int(firstMember[h + 1]) }

    public mutating func removeAll() {
        households = 0
        persons = 0
        householdOf.removeAll(keepingCapacity: true)
        firstMember.removeAll(keepingCapacity: true)
        firstMember.append(0)
        context.removeAll(keepingCapacity: true)
        for i in householdFields.indices where householdFields[i] != nil {
            householdFields[i]!.v.removeAll(keepingCapacity: true)
            householdFields[i]!.k.removeAll(keepingCapacity: true)
        }
        eachPersonLane { lanes in
            lanes.v.removeAll(keepingCapacity: true)
            lanes.k.removeAll(keepingCapacity: true)
        }
    }
}

/// What every household of one region (and variant) shares on the date: its parameters and
/// how birthdays count, worked out once by the row evaluator.
public struct BatchContext: Sendable {
    /// By parameter index: the lane, or nil when the parameter has no value there.
    public let parameters: [Int64?]
    public let birthdayCounts: Bool?
    /// The region as explanations name it (武汉市江汉区).
    public let regionName: String
    /// False when a parameter's value does not fit its lane: such households go the row path.
    public let supported: Bool

    init(rules: RuleSet, region: String, variant: Int?, on day: Day) {
        var record = HouseholdRecord(schema: rules.schema)
        record.region = region
        if let v = variant, let f = rules.schema.conventions.variant.flatMap({ rules.schema.field($0, .household) }) {
            record.values[f.index] = .enumeration(v)
        }
        let evaluation = HouseholdEvaluation(rules: rules, record: record, on: day)
        var supported = true
        parameters = rules.schema.parameters.map { spec in
            let value = evaluation.parameter(spec.index)
            if value.isUnknown { return nil }
            guard let kind = LaneKind(spec.type), let lane = Lanes.lane(value, kind) else {
                supported = false
                return nil
            }
            return lane
        }
        birthdayCounts = evaluation.birthdayCountsStorage
        regionName = evaluation.regionName
        self.supported = supported
    }
}
