/// A problem the checker found, with its range in the expression text.
/// The rule compiler turns it into a diagnostic in the YAML file's coordinates.
public struct CheckProblem: Sendable {
    public let id: String
    public let message: String
    public let range: Range<Int>
    public let help: String?
    public let notes: [String]

    public init(_ id: String, _ message: String, _ range: Range<Int>, help: String? = nil, notes: [String] = []) {
        self.id = id
        self.message = message
        self.range = range
        self.help = help
        self.notes = notes
    }
}

/// Every message of the checker, in one place so the voice stays the same.
enum CheckMessages {
    static let builtinFunctions = ["count", "sum", "any", "all", "min", "max", "round", "known", "param", "date_of_age", "add_days", "add_months", "add_years", "month_start", "month_end"]
    static let builtinNames = ["members", "today", "age", "region_name", "person_name"]

    static func unknownName(_ name: String, range: Range<Int>, candidates: [String], suggestion: String?) -> CheckProblem {
        CheckProblem(
            "expr.unknown-name", "unknown name `\(name)`", range,
            help: suggestion.map { "did you mean `\($0)`?" } ?? "define it under `let:`, or add the field to rules/schema.yaml")
    }

    static func mismatch(_ what: String, _ a: ExprType, _ b: ExprType, range: Range<Int>, help: String? = nil) -> CheckProblem {
        CheckProblem(
            "expr.type-mismatch", "cannot \(what) \(a.chinese) and \(b.chinese)", range,
            help: help, notes: ["left side is \(a.chinese), right side is \(b.chinese)"])
    }

    static func numberTooLarge(_ text: String, range: Range<Int>) -> CheckProblem {
        CheckProblem(
            "expr.number-too-large", "数`\(text)`超过12位整数，超出规则中数值的范围", range,
            help: "规则中的数值（整数部分）不超过 999,999,999,999；请核对是否多写了位数")
    }

    static func dateOutOfRange(_ function: String, range: Range<Int>) -> CheckProblem {
        CheckProblem(
            "expr.date-out-of-range", "`\(function)`算出的日期超出公元1年至9999年", range,
            help: "请核对天数、月数或年数是否多写了位数")
    }

    static func expected(_ type: String, found: ExprType, range: Range<Int>, context: String) -> CheckProblem {
        CheckProblem("expr.type-mismatch", "\(context) must be \(type), but this is \(found.chinese)", range)
    }
}
