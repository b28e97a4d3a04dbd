import PolicyExpr

/// How `huimin gen-roster` fills a field (`sample:` in schema.yaml), for demonstration and
/// benchmark rosters. The distributions are the schema's, not Swift's: a new field or a
/// different population is a YAML change.
public indirect enum SampleSpec: Sendable {
    /// One of these values, by weight: `{ 城镇: 70, 农村: 30 }` (keys are written as in a roster).
    case weighted([(value: Value, weight: Int)])
    /// A number: zero in `zero` percent of cases, otherwise uniform in `from...to`
    /// (`{ zero: 40, from: 500, to: 6000 }`).
    case range(zeroPercent: Int, from: Fixed, to: Fixed)
    /// A birth date for an age in `from...to` years on the roster's date (`{ age: [0, 100] }`).
    case age(from: Int, to: Int)
    /// Each value of a list independently, with its percentage (`{ each: { dibao: 6 } }`).
    case each([(ordinal: Int, percent: Int)])
    /// Amounts by kind, each with its own sample (`{ wage: { zero: 50, from: 800, to: 6000 } }`).
    case kinds([(kind: Int, sample: SampleSpec)])
}

/// The household side of the sample: how many members a household has.
public struct HouseholdSample: Sendable {
    public var sizes: [(size: Int, weight: Int)] = [(1, 17), (2, 29), (3, 25), (4, 15), (5, 9), (6, 5)]
    public init() {}
}
