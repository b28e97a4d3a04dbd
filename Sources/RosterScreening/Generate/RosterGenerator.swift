import DecisionEngine
import PolicyExpr
import RuleCompiler

/// A deterministic pseudo-random sequence (SplitMix64): the same seed gives the same roster on
/// every machine.
public struct SplitMix64: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<n`.
    public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    public mutating func percent(_ p: Int) -> Bool { below(100) < p }

    public mutating func weighted<T>(_ items: [(T, Int)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var r = below(max(total, 1))
        for (item, w) in items {
            if r < w { return item }
            r -= w
        }
        return items[items.count - 1].0
    }
}

/// Writes a roster in a rule set's schema from the `sample:` distributions in its schema.yaml:
/// one row per person, households contiguous, the 户主 first, headers by Chinese label, cells
/// as a civil-affairs export writes them. Fields without a sample are left out.
public struct RosterGenerator {
    public let schema: Schema
    public let date: Day
    var rng: SplitMix64

    /// A column: a field (or one kind of a by-kind field) at household or member level.
    enum Column {
        case householdID, personID, relation
        case field(FieldSpec)
        case kind(FieldSpec, kind: Int, SampleSpec)
    }

    let columns: [Column]
    let relationField: FieldSpec?
    let headOrdinal: Int?

    public init(schema: Schema, date: Day, seed: UInt64) {
        self.schema = schema
        self.date = date
        rng = SplitMix64(seed: seed)
        let c = schema.conventions
        relationField = schema.field(c.relation, .person)
        if let f = relationField, case .enumeration(let e) = f.kind { headOrdinal = e.ordinal(of: c.headRelation) } else { headOrdinal = nil }
        var columns: [Column] = [.householdID, .personID, .relation]
        func isSpecial(_ f: FieldSpec) -> Bool {
            f.level == .household ? f.key == c.householdID : (f.key == c.personID || f.key == c.relation)
        }
        for f in schema.household + schema.person where !isSpecial(f) {
            guard let sample = f.sample else { continue }
            if case .kinds(let kinds) = sample {
                columns += kinds.map { .kind(f, kind: $0.kind, $0.sample) }
            } else {
                columns.append(.field(f))
            }
        }
        self.columns = columns
    }

    public var header: [String] {
        columns.map { column in
            switch column {
            case .householdID: schema.field(schema.conventions.householdID, .household)?.label ?? "household_id"
            case .personID: schema.field(schema.conventions.personID, .person)?.label ?? "person_id"
            case .relation: relationField?.label ?? "relation"
            case .field(let f): f.label
            case .kind(let f, let k, _):
                if case .moneyByKind(_, let labels) = f.kind { labels[k] } else { f.key }
            }
        }
    }

    /// Writes `persons` rows (the last household cut short to fit) through `emit`.
    public mutating func generate(persons: Int, emit: ([String]) -> Void) {
        var written = 0
        var household = 0
        while written < persons {
            household += 1
            let size = min(rng.weighted(schema.sample.sizes), persons - written)
            let householdID = "H" + Self.padded(household, 7)
            // Household fields are drawn once and written on every member's row.
            var householdCells: [Int: String] = [:]
            for (i, column) in columns.enumerated() {
                if case .field(let f) = column, f.level == .household { householdCells[i] = cell(f, f.sample!) }
            }
            for m in 0..<size {
                written += 1
                var row: [String] = []
                row.reserveCapacity(columns.count)
                for (i, column) in columns.enumerated() {
                    switch column {
                    case .householdID: row.append(householdID)
                    case .personID: row.append("P" + Self.padded(written, 8))
                    case .relation: row.append(relation(first: m == 0))
                    case .field(let f): row.append(householdCells[i] ?? cell(f, f.sample!))
                    case .kind(let f, _, let sample): row.append(cell(f, sample))
                    }
                }
                emit(row)
            }
        }
    }

    mutating func relation(first: Bool) -> String {
        guard let f = relationField, case .enumeration(let e) = f.kind else { return "" }
        if first, let head = headOrdinal { return e.label(head) }
        if case .weighted(let items)? = f.sample {
            let others = items.filter { $0.value != .enumeration(headOrdinal ?? -1) }
            if !others.isEmpty { return Masking.cell(rng.weighted(others.map { ($0.value, $0.weight) }), f, reveal: true) }
        }
        let others = e.values.indices.filter { $0 != headOrdinal }
        return others.isEmpty ? "" : e.label(others[rng.below(others.count)])
    }

    mutating func cell(_ f: FieldSpec, _ sample: SampleSpec) -> String {
        switch sample {
        case .weighted(let items):
            return Masking.cell(rng.weighted(items.map { ($0.value, $0.weight) }), f, reveal: true)
        case .range(let zero, let from, let to):
            if rng.percent(zero) { return "0" }
            let lo = Int(from.raw / Fixed.scale), hi = Int(to.raw / Fixed.scale)
            return String(lo + rng.below(hi - lo + 1))
        case .age(let from, let to):
            // A birthday anywhere in the year of the age: today minus (age + a fraction) years.
            let age = from + rng.below(to - from + 1)
            let birth = date.adding(years: -age).adding(days: -rng.below(365))
            return birth.description
        case .each(let items):
            guard case .enumList(let e) = f.kind else { return "" }
            let chosen = items.filter { rng.percent($0.percent) }.map { e.label($0.ordinal) }
            return chosen.isEmpty ? "无" : chosen.joined(separator: "、")
        case .kinds:
            return ""
        }
    }

    static func padded(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
