import PolicyExpr
import RuleCompiler

/// One member of a household, with a value (or unknown) for every field of the schema.
public struct MemberRecord: Sendable {
    public var id: String
    public var values: [Value]
    /// For by-kind money fields: the amount of each kind, or nil when the field is absent.
    public var kinds: [[Fixed]?]
}

/// A household in typed form: the schema's fields by slot, and its members.
public struct HouseholdRecord: Sendable {
    public var id: String
    public var values: [Value]
    public var kinds: [[Fixed]?]
    public var members: [MemberRecord]
    /// The region code, read once.
    public var region: String
    /// Where it came from, for messages: "households/h001.yaml".
    public var origin: String

    public static let maxMembers = 64

    public init(schema: Schema, id: String = "", origin: String = "") {
        self.id = id
        values = Array(repeating: .unknown([]), count: schema.household.count)
        kinds = Array(repeating: nil, count: schema.household.count)
        members = []
        region = ""
        self.origin = origin
    }

    public static func emptyMember(_ schema: Schema, id: String) -> MemberRecord {
        MemberRecord(id: id, values: Array(repeating: .unknown([]), count: schema.person.count), kinds: Array(repeating: nil, count: schema.person.count))
    }
}
