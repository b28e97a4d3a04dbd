/// An enumeration declared in the schema: its values (keys) and their Chinese labels.
public final class EnumType: Sendable {
    public let name: String
    public let values: [String]
    public let labels: [String]
    public let aliases: [[String]]
    /// Every spelling (value, label, alias) to its ordinal; the first declared wins.
    private let lookup: [String: Int]

    public init(name: String, values: [String], labels: [String], aliases: [[String]] = []) {
        self.name = name
        self.values = values
        self.labels = labels
        self.aliases = aliases.count == values.count ? aliases : Array(repeating: [], count: values.count)
        var lookup: [String: Int] = [:]
        for (i, v) in values.enumerated() where lookup[v] == nil { lookup[v] = i }
        for (i, l) in labels.enumerated() where lookup[l] == nil { lookup[l] = i }
        for (i, list) in self.aliases.enumerated() { for a in list where lookup[a] == nil { lookup[a] = i } }
        self.lookup = lookup
    }

    public func ordinal(of value: String) -> Int? { lookup[value] }

    /// Every spelling (value, label, alias) with its ordinal.
    public var spellings: [String: Int] { lookup }

    public func label(_ ordinal: Int) -> String {
        ordinal < labels.count ? labels[ordinal] : values[ordinal]
    }
}

/// The static type of an expression.
public enum ExprType: Sendable, Equatable, CustomStringConvertible {
    case bool, int, decimal, money, date, text
    case enumeration(EnumType)
    /// A set of values of one enumeration (a person's `receiving` list, `[spouse, child]`).
    case enumSet(EnumType)
    /// A set of a household's members.
    case members

    public static func == (a: ExprType, b: ExprType) -> Bool {
        switch (a, b) {
        case (.bool, .bool), (.int, .int), (.decimal, .decimal), (.money, .money), (.date, .date),
            (.text, .text), (.members, .members):
            true
        case (.enumeration(let x), .enumeration(let y)), (.enumSet(let x), .enumSet(let y)): x === y
        default: false
        }
    }

    public var description: String {
        switch self {
        case .bool: "bool"
        case .int: "int"
        case .decimal: "decimal"
        case .money: "money"
        case .date: "date"
        case .text: "text"
        case .enumeration(let e): e.name
        case .enumSet(let e): "list of \(e.name)"
        case .members: "members"
        }
    }

    /// Words for a rule author: "金额 (money)".
    public var chinese: String {
        switch self {
        case .bool: "是/否 (bool)"
        case .int: "整数 (int)"
        case .decimal: "小数 (decimal)"
        case .money: "金额 (money)"
        case .date: "日期 (date)"
        case .text: "文本 (text)"
        case .enumeration(let e): "选项 (\(e.name))"
        case .enumSet(let e): "选项列表 (list of \(e.name))"
        case .members: "家庭成员 (members)"
        }
    }

    public var isNumeric: Bool { self == .int || self == .decimal || self == .money }
}

/// Why a value is unknown: the input that was absent.
public enum UnknownCause: Sendable, Hashable {
    /// A household field (member -1) or a member's field.
    case field(Int, member: Int)
    /// A parameter with no value for the region and date.
    case parameter(Int)
    /// Something that cannot be computed (division by zero members, say), with a message id.
    case undefined(String)

    /// A sum, product or date past what a value holds (`CheckedArithmetic`): never a wrap.
    public static let overflow = UnknownCause.undefined("overflow")
    /// A division by zero (no members counted, say).
    public static let divisionByZero = UnknownCause.undefined("division-by-zero")
}

/// A set of members: those surely in it, and those that may be (their filter was unknown).
public struct MemberSet: Sendable, Equatable {
    public var definite: UInt64
    public var maybe: UInt64
    public init(definite: UInt64, maybe: UInt64 = 0) {
        self.definite = definite
        self.maybe = maybe
    }
}

/// A runtime value. `unknown` carries the inputs whose absence made it unknown.
public enum Value: Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case fixed(Fixed)
    case date(Day)
    case text(String)
    case enumeration(Int)
    case enumSet(UInt64)
    case members(MemberSet, [UnknownCause])
    case unknown([UnknownCause])

    public var isUnknown: Bool {
        if case .unknown = self { return true }
        return false
    }

    public var causes: [UnknownCause] {
        switch self {
        case .unknown(let c): c
        case .members(_, let c): c
        default: []
        }
    }

    public var asBool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// A number's raw value and whether it is an int (else `Fixed.raw`), as the checked
    /// arithmetic takes it.
    public var numericRaw: (Int64, Bool)? {
        switch self {
        case .int(let i): (i, true)
        case .fixed(let f): (f.raw, false)
        default: nil
        }
    }

    /// A number as a fixed value; nil for an int past `Fixed`'s range (or not a number).
    public var asFixed: Fixed? {
        switch self {
        case .fixed(let f): f
        case .int(let i): Fixed.checked(i)
        default: nil
        }
    }
}
