import PolicyExpr
import SourceDiagnostics
import YAMLSource

/// The kind of value a record field holds.
public enum FieldKind: Sendable, Equatable {
    case bool, int, decimal, money, date, text
    /// A region code (行政区划代码, GB/T 2260).
    case region
    /// An 18-digit 居民身份证号码, checked against its GB 11643 check digit.
    case idNumber
    case enumeration(EnumType)
    case enumList(EnumType)
    /// Money by kind (`incomes`): a present map lists all kinds, absent kinds are zero.
    case moneyByKind([String], labels: [String])

    public static func == (a: FieldKind, b: FieldKind) -> Bool {
        switch (a, b) {
        case (.bool, .bool), (.int, .int), (.decimal, .decimal), (.money, .money), (.date, .date), (.text, .text),
            (.region, .region), (.idNumber, .idNumber):
            true
        case (.enumeration(let x), .enumeration(let y)), (.enumList(let x), .enumList(let y)): x === y
        case (.moneyByKind(let x, _), .moneyByKind(let y, _)): x == y
        default: false
        }
    }

    /// The expression type of the field as a whole (by-kind fields are read kind by kind).
    public var exprType: ExprType? {
        switch self {
        case .bool: .bool
        case .int: .int
        case .decimal: .decimal
        case .money: .money
        case .date: .date
        case .text, .region, .idNumber: .text
        case .enumeration(let e): .enumeration(e)
        case .enumList(let e): .enumSet(e)
        case .moneyByKind: nil
        }
    }

    /// The `type:` that declares it in schema.yaml (one of `RuleDecoder.fieldTypes`).
    public var typeName: String {
        switch self {
        case .bool: "bool"
        case .int: "int"
        case .decimal: "decimal"
        case .money: "money"
        case .date: "date"
        case .text: "text"
        case .region: "region"
        case .idNumber: "id_number"
        case .enumeration: "enum"
        case .enumList: "enum_list"
        case .moneyByKind: "money_by_kind"
        }
    }
}

/// How a field is derived from another when absent (birth date and sex from the 身份证号).
public enum Derivation: String, Sendable, CaseIterable {
    case birthDate = "id_number.birth_date"
    case sex = "id_number.sex"
}

/// One field of a household or of a member. A class: the schema's fields are read in every
/// cell of a roster, and a reference costs one count where a struct of strings costs many.
public final class FieldSpec: Sendable {
    public let key: String
    public let kind: FieldKind
    public let label: String
    public let aliases: [String]
    public let ask: String?
    public let sensitive: Bool
    public let derive: Derivation?
    /// The value used when a record or roster does not give one (`default:`), e.g. the region of
    /// a street office's roster that has no region column.
    public let defaultValue: Value?
    /// How `huimin gen-roster` fills it (`sample:`); nil leaves it empty.
    public let sample: SampleSpec?
    public let span: Span
    public let level: FieldLevel
    public let index: Int

    init(key: String, kind: FieldKind, label: String, aliases: [String], ask: String?, sensitive: Bool, derive: Derivation?,
         defaultValue: Value?, sample: SampleSpec? = nil, span: Span, level: FieldLevel, index: Int) {
        self.sample = sample
        self.key = key
        self.kind = kind
        self.label = label
        self.aliases = aliases
        self.ask = ask
        self.sensitive = sensitive
        self.derive = derive
        self.defaultValue = defaultValue
        self.span = span
        self.level = level
        self.index = index
    }
}

/// A parameter declared in the schema: its type and words; the values live in regions/.
public struct ParameterSpec: Sendable {
    public let name: String
    public let type: ExprType
    public let label: String
    public let unit: String?
    public let span: Span
    public let index: Int
}

/// rules/schema.yaml, decoded.
public struct Schema: Sendable {
    public var enums: [String: EnumType] = [:]
    public var household: [FieldSpec] = [] { didSet { householdNames = Self.names(of: household) } }
    public var person: [FieldSpec] = [] { didSet { personNames = Self.names(of: person) } }
    /// Each field under its key, its label and its aliases, for reading records without a search.
    public private(set) var householdNames: [String: FieldSpec] = [:]
    public private(set) var personNames: [String: FieldSpec] = [:]
    public var parameters: [ParameterSpec] = []
    public var conventions = Conventions()
    /// Household sizes for `huimin gen-roster` (`sample: { household_size: {…} }`).
    public var sample = HouseholdSample()

    /// Which fields play which part, so that Swift knows dates, regions and households, not policies.
    public struct Conventions: Sendable {
        public var householdID = "id"
        public var personID = "id"
        public var region = "region"
        public var variant: String? = "hukou_type"
        public var birthDate = "birth_date"
        public var birthdayParameter: String? = "age.birthday_counts"
        /// Whether a birthday itself completes the year, when no parameter says so (`birthday_counts`).
        public var birthdayCounts: Bool?
        public var name = "name"
        public var relation = "relation"
        public var headRelation = "head"
        public var receiving: String? = "receiving"
    }

    /// The member field that lists the policies a person already receives (`conventions.receiving`),
    /// when the schema has one of the right type.
    public var receivingField: (field: FieldSpec, policies: EnumType)? {
        guard let f = conventions.receiving.flatMap({ field($0, .person) }), case .enumList(let e) = f.kind else { return nil }
        return (f, e)
    }

    public func field(_ key: String, _ level: FieldLevel) -> FieldSpec? {
        named(key, level).flatMap { $0.key == key ? $0 : nil }
    }

    /// The field a record's column or key names: by key first, then by label or alias.
    public func named(_ name: String, _ level: FieldLevel) -> FieldSpec? {
        level == .household ? householdNames[name] : personNames[name]
    }

    /// A key names its own field even where it is another field's label or alias; otherwise the
    /// first field with that label or alias.
    static func names(of fields: [FieldSpec]) -> [String: FieldSpec] {
        var names: [String: FieldSpec] = [:]
        for f in fields {
            if names[f.label] == nil { names[f.label] = f }
            for a in f.aliases where names[a] == nil { names[a] = f }
        }
        for f in fields { names[f.key] = f }
        return names
    }

    public func parameter(_ name: String) -> ParameterSpec? { parameters.first { $0.name == name } }
}

extension FieldSpec {
    func with(default value: Value?, sample: SampleSpec?) -> FieldSpec {
        FieldSpec(key: key, kind: kind, label: label, aliases: aliases, ask: ask, sensitive: sensitive, derive: derive,
            defaultValue: value, sample: sample, span: span, level: level, index: index)
    }
}
