/// What an expression reads while it is evaluated: the record, `let` values, parameters and
/// other policies' decisions, all by slot. The decision engine implements it with caches.
public protocol EvaluationContext: AnyObject {
    var today: Day { get }
    var memberCount: Int { get }
    func field(_ index: Int, _ level: FieldLevel, member: Int) -> Value
    func kind(field: Int, kind: Int, _ level: FieldLevel, member: Int) -> Value
    func householdLet(_ slot: Int) -> Value
    func memberLet(_ slot: Int, member: Int) -> Value
    func parameter(_ index: Int) -> Value
    /// Another policy's decision: for a person policy, the given member's (member is -1 at household level).
    func policy(_ index: Int, _ facet: PolicyFacet, member: Int) -> Value
    func age(member: Int) -> Value
    var regionName: String { get }
    func personName(member: Int) -> String
    func dateOfAge(_ years: Int64, member: Int) -> Value
}
