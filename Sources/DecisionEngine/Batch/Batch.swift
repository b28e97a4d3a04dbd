import PolicyExpr
import RuleCompiler

/// Households and their members laid out field by field, for the batch evaluator: a lane for
/// every household and every person of the batch, in input order.
///
/// Households are added one at a time, their values set in flat arrays sized once for the batch
/// (a field's values one after another); `seal` then hands each field its own lanes.
public struct Batch: Sendable {
    public private(set) var households = 0
    public private(set) var persons = 0
    /// For each person, the index of its household in the batch.
    public private(set) var householdOf: [Int32] = []
    /// For each household, its first person; one more entry gives the end of the last.
    public private(set) var firstMember: [Int32] = [0]
    /// Lanes by the schema's field index; nil for fields no lane holds (text, codes). Given by `seal`.
    public private(set) var householdFields: [Lanes?] = []
    public private(set) var personFields: [Lanes?] = []
    /// A member's by-kind money (`incomes`): by field, a lane for each kind. Given when any of
    /// its kinds is (the others are then zero), so every kind's lane knows the same persons.
    public private(set) var personKinds: [[Lanes]?] = []
    /// For each household, its region and variant's parameters (an index into `contexts`).
    public var context: [Int32] = []
    public var contexts: [BatchContext] = []

    /// While households are added: each field's values at `slot * capacity + index`.
    @usableFromInline let householdCapacity: Int, personCapacity: Int
    /// By field: its slot, or -1 when no lane holds it; by by-kind field, its first kind's slot.
    @usableFromInline let householdSlot: [Int], personSlot: [Int], kindSlot: [Int], kindCount: [Int]
    @usableFromInline var hv: [Int64], hk: [Bool], pv: [Int64], pk: [Bool]

    /// Room for up to `households` households of `persons` persons in all, every value unknown.
    public init(schema: Schema, households: Int, persons: Int) {
        var next = 0
        householdSlot = schema.household.map { f in
            guard LaneKind(f.kind) != nil else { return -1 }
            defer { next += 1 }
            return next
        }
        let householdSlots = next
        next = 0
        personSlot = schema.person.map { f in
            guard LaneKind(f.kind) != nil else { return -1 }
            defer { next += 1 }
            return next
        }
        kindCount = schema.person.map { f in
            if case .moneyByKind(let names, _) = f.kind { return names.count }
            return 0
        }
        kindSlot = kindCount.map { n in
            guard n > 0 else { return -1 }
            defer { next += n }
            return next
        }
        householdCapacity = households
        personCapacity = persons
        hv = Array(repeating: 0, count: householdSlots * households)
        hk = Array(repeating: false, count: householdSlots * households)
        pv = Array(repeating: 0, count: next * persons)
        pk = Array(repeating: false, count: next * persons)
        householdOf.reserveCapacity(persons)
        firstMember.reserveCapacity(households + 1)
        context.reserveCapacity(households)
    }

    /// Adds a household of `members` persons (its values unknown); returns its index.
    public mutating func addHousehold(members: Int, context c: Int32) -> Int {
        for _ in 0..<members { householdOf.append(Int32(households)) }
        persons += members
        firstMember.append(Int32(persons))
        context.append(c)
        households += 1
        return households - 1
    }

    /// Makes a household's values and its members' unknown again (a household the row path takes).
    public mutating func clear(household h: Int) {
        let members = members(of: h)
        for slot in 0..<(hv.count / max(1, householdCapacity)) {
            hv[slot * householdCapacity + h] = 0
            hk[slot * householdCapacity + h] = false
        }
        for slot in 0..<(pv.count / max(1, personCapacity)) {
            for p in members {
                pv[slot * personCapacity + p] = 0
                pk[slot * personCapacity + p] = false
            }
        }
    }

    /// Every field's values and whether each is known, by pointer, for filling them all while a
    /// roster is read row after row. The memory is the batch's own, valid only inside `body`.
    @inline(__always)
    public mutating func withLaneMemory<R>(_ body: (LaneMemory) -> R) -> R {
        let (householdSlot, personSlot, kindSlot, kindCount) = (self.householdSlot, self.personSlot, self.kindSlot, self.kindCount)
        let (householdCapacity, personCapacity) = (self.householdCapacity, self.personCapacity)
        return pv.withUnsafeMutableBufferPointer { pv in
            pk.withUnsafeMutableBufferPointer { pk in
                hv.withUnsafeMutableBufferPointer { hv in
                    hk.withUnsafeMutableBufferPointer { hk in
                        body(LaneMemory(hv: hv, hk: hk, pv: pv, pk: pk, householdSlot: householdSlot, personSlot: personSlot, kindSlot: kindSlot,
                                        kindCount: kindCount, householdCapacity: householdCapacity, personCapacity: personCapacity))
                    }
                }
            }
        }
    }

    /// A batch's values while households are added, by pointer (`withLaneMemory`).
    public struct LaneMemory {
        let hv: UnsafeMutableBufferPointer<Int64>, hk: UnsafeMutableBufferPointer<Bool>
        let pv: UnsafeMutableBufferPointer<Int64>, pk: UnsafeMutableBufferPointer<Bool>
        let householdSlot: [Int], personSlot: [Int], kindSlot: [Int], kindCount: [Int]
        let householdCapacity: Int, personCapacity: Int

        /// Where a person field's values, and whether each is known, begin. `field` must have lanes.
        public func person(_ field: Int) -> (v: UnsafeMutablePointer<Int64>, k: UnsafeMutablePointer<Bool>) {
            let base = personSlot[field] * personCapacity
            return (pv.baseAddress! + base, pk.baseAddress! + base)
        }

        /// Where a household field's values, and whether each is known, begin. `field` must have lanes.
        public func household(_ field: Int) -> (v: UnsafeMutablePointer<Int64>, k: UnsafeMutablePointer<Bool>) {
            let base = householdSlot[field] * householdCapacity
            return (hv.baseAddress! + base, hk.baseAddress! + base)
        }

        /// Sets one kind of a member's by-kind money; the first kind given makes the others zero.
        public func setPersonKind(_ field: Int, _ kind: Int, _ p: Int, _ raw: Int64) {
            let first = kindSlot[field]
            if !pk[first * personCapacity + p] {
                for k in 0..<kindCount[field] {
                    pv[(first + k) * personCapacity + p] = 0
                    pk[(first + k) * personCapacity + p] = true
                }
            }
            pv[(first + kind) * personCapacity + p] = raw
        }
    }

    /// Gives every field its lanes, cut to the households added, once they all are.
    public mutating func seal() {
        func lanes(_ v: [Int64], _ k: [Bool], _ slot: Int, _ capacity: Int, _ n: Int) -> Lanes {
            Lanes(v: Array(v[(slot * capacity)..<(slot * capacity + n)]), k: Array(k[(slot * capacity)..<(slot * capacity + n)]))
        }
        householdFields = householdSlot.map { $0 < 0 ? nil : lanes(hv, hk, $0, householdCapacity, households) }
        personFields = personSlot.map { $0 < 0 ? nil : lanes(pv, pk, $0, personCapacity, persons) }
        personKinds = kindSlot.indices.map { f in
            kindSlot[f] < 0 ? nil : (0..<kindCount[f]).map { lanes(pv, pk, kindSlot[f] + $0, personCapacity, persons) }
        }
        (hv, hk, pv, pk) = ([], [], [], [])
    }

    /// A household field's value while households are added; nil when unknown.
    @inlinable @inline(__always) public func household(_ field: Int, _ h: Int) -> Int64? {
        let i = householdSlot[field] * householdCapacity + h
        return hk[i] ? hv[i] : nil
    }

    /// A person field's value while households are added; nil when unknown.
    @inlinable @inline(__always) public func person(_ field: Int, _ p: Int) -> Int64? {
        let i = personSlot[field] * personCapacity + p
        return pk[i] ? pv[i] : nil
    }

    @inlinable @inline(__always) public mutating func setHousehold(_ field: Int, _ h: Int, _ lane: Int64) {
        let i = householdSlot[field] * householdCapacity + h
        hv[i] = lane
        hk[i] = true
    }

    @inlinable @inline(__always) public mutating func setPerson(_ field: Int, _ p: Int, _ lane: Int64) {
        let i = personSlot[field] * personCapacity + p
        pv[i] = lane
        pk[i] = true
    }

    @inlinable public func members(of h: Int) -> Range<Int> { Int(firstMember[h])..<Int(firstMember[h + 1]) }
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
