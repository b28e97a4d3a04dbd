/// Whether a field belongs to the household or to each member.
public enum FieldLevel: Sendable, Equatable { case household, person }

/// What a reference to another policy reads from its decision.
public enum PolicyFacet: String, Sendable, CaseIterable {
    /// true when eligible, false when ineligible, unknown when undetermined.
    case eligible
    /// the monthly amount when eligible, 0 when ineligible, unknown when undetermined.
    case amount
}

public enum AggregateKind: String, Sendable { case count, sum, any, all, min, max }
public enum ArithmeticOp: String, Sendable { case add = "+", subtract = "-", multiply = "*" }
public enum ComparisonOp: String, Sendable {
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="

    /// The reverse reading, for `changes`: what must hold for the condition to be met.
    public var chinese: String {
        switch self {
        case .less: "低于"
        case .lessOrEqual: "不高于"
        case .greater: "高于"
        case .greaterOrEqual: "不低于"
        case .equal: "为"
        case .notEqual: "不为"
        }
    }
}
public enum DateUnit: String, Sendable { case days, months, years }

/// Which end of a date's month.
public enum MonthEnd: String, Sendable { case start = "month_start", end = "month_end" }

/// A checked expression: every name resolved to a slot, every node typed.
public struct TExpr: Sendable {
    public indirect enum Op: Sendable {
        case constant(Value)
        case field(Int, FieldLevel, name: String)
        /// One kind of a by-kind money field: `incomes.wage`.
        case kind(field: Int, kind: Int, FieldLevel, name: String)
        case householdLet(Int, name: String)
        case memberLet(Int, name: String)
        case parameter(Int, name: String)
        case policy(Int, PolicyFacet, personSubject: Bool, name: String)
        case today
        /// The name of the household's region (武汉市江岸区).
        case regionName
        /// The current member, by masked name or relation (张某某, 配偶).
        case personName
        /// The current member's age in 周岁 on the evaluation date.
        case age
        /// The first day the current member is `n` 周岁.
        case dateOfAge(TExpr)
        case allMembers
        case negate(TExpr)
        case arithmetic(ArithmeticOp, TExpr, TExpr)
        case divide(TExpr, TExpr, RoundingUnit, Rounding)
        case round(TExpr, RoundingUnit, Rounding)
        case compare(ComparisonOp, TExpr, TExpr)
        case and([TExpr])
        case or([TExpr])
        case not(TExpr)
        case conditional(TExpr, TExpr, TExpr)
        case contains(set: TExpr, element: TExpr)
        case aggregate(AggregateKind, source: TExpr, filter: TExpr?, value: TExpr?)
        case filter(TExpr, TExpr)
        case known(TExpr)
        case extremum(isMin: Bool, [TExpr])
        case addDate(DateUnit, TExpr, TExpr)
        /// The first or last day of a date's month (benefits that run from the month a condition is met).
        case month(MonthEnd, TExpr)
    }

    public let op: Op
    public let type: ExprType
    public let range: Range<Int>

    public init(_ op: Op, _ type: ExprType, _ range: Range<Int>) {
        self.op = op
        self.type = type
        self.range = range
    }

    /// Direct children, for walks over the tree.
    public var children: [TExpr] {
        switch op {
        case .constant, .field, .kind, .householdLet, .memberLet, .parameter, .policy, .today, .age, .allMembers, .regionName, .personName: []
        case .dateOfAge(let a), .negate(let a), .round(let a, _, _), .not(let a), .known(let a), .month(_, let a): [a]
        case .arithmetic(_, let a, let b), .divide(let a, let b, _, _), .compare(_, let a, let b), .filter(let a, let b),
            .addDate(_, let a, let b):
            [a, b]
        case .contains(let a, let b): [a, b]
        case .and(let xs), .or(let xs), .extremum(_, let xs): xs
        case .conditional(let a, let b, let c): [a, b, c]
        case .aggregate(_, let s, let f, let v): [s] + (f.map { [$0] } ?? []) + (v.map { [$0] } ?? [])
        }
    }

    /// True when this node is evaluated per member (inside an aggregate's filter or value).
    public static func isMemberScoped(_ op: Op) -> Bool {
        switch op {
        case .field(_, .person, _), .kind(_, _, .person, _), .memberLet, .age, .dateOfAge, .personName: true
        default: false
        }
    }
}
