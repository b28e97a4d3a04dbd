/// What a name in an expression refers to.
public enum Symbol: Sendable {
    case field(Int, FieldLevel, ExprType)
    case kind(field: Int, kind: Int, FieldLevel)
    case householdLet(Int, ExprType)
    case memberLet(Int, ExprType)
    case policy(Int, PolicyFacet, personSubject: Bool)
}

/// The answer to a name lookup.
public enum SymbolLookup: Sendable {
    case found(Symbol)
    case notFound
    /// The name exists but not here (a member's field used at household level), with advice.
    case misplaced(String)
    /// The name's own definition failed to check; its error is already reported.
    case failed
}

/// The names an expression can use: fields of the schema, `let` values, parameters and policies.
/// The rule compiler implements it, checking `let` values on demand.
public protocol SymbolTable {
    func lookup(_ name: String, memberScope: Bool) -> SymbolLookup
    func visibleNames(memberScope: Bool) -> [String]
    func parameter(named name: String) -> (index: Int, type: ExprType)?
    var parameterNames: [String] { get }
}
