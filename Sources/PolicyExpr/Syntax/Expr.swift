/// The syntax tree of an expression, before names and types are resolved.
public struct Expr: Sendable {
    public indirect enum Kind: Sendable {
        case number(String)
        case date(String)
        case string(String)
        case bool(Bool)
        /// A dotted name: `per_capita_income`, `incomes.wage`, `dibao.eligible`.
        case name([String])
        case call(String, [Expr])
        case unary(String, Expr)
        case binary(String, Expr, Expr)
        case list([Expr])
        case conditional(Expr, Expr, Expr)
        /// `members where counts_in_household`
        case filter(Expr, Expr)
    }

    public let kind: Kind
    public let range: Range<Int>

    public init(_ kind: Kind, _ range: Range<Int>) {
        self.kind = kind
        self.range = range
    }

    public var dottedName: String? {
        if case .name(let parts) = kind { return parts.joined(separator: ".") }
        return nil
    }
}
