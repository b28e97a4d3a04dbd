import Foundation
import PolicyExpr
import Testing

/// Numbers and dates past what a value holds: bounded where they are read, checked where they
/// are computed, never a wrap and never a trap (issue 20, items 1 and 2).
@Suite("hostile numbers and dates")
struct HostileNumberTests {
    @Test("Fixed.parse bounds the whole part and reads commas only in groups of three", arguments: [
        ("1320", Result<Int64, Fixed.ParseFailure>.success(1_320_000_000)),
        ("1,320.50", .success(1_320_500_000)),
        ("-3.25", .success(-3_250_000)),
        ("999999999999", .success(999_999_999_999_000_000)),
        ("999,999,999,999.99", .success(999_999_999_999_990_000)),
        ("1000000000000", .failure(.tooLarge)),
        ("9223372036855", .failure(.tooLarge)),
        ("9,223,372,036,855", .failure(.tooLarge)),
        ("99999999999999999999", .failure(.tooLarge)),
        ("0000000000000001500", .success(1_500_000_000)),
        ("1181,5", .failure(.misplacedSeparator)),
        ("1,00", .failure(.misplacedSeparator)),
        (",100", .failure(.misplacedSeparator)),
        ("1,0000", .failure(.misplacedSeparator)),
        ("1,000,00.5", .failure(.misplacedSeparator)),
        ("1.0000001", .failure(.tooManyDecimals)),
        ("1.2.3", .failure(.notANumber)),
        ("", .failure(.notANumber)),
    ])
    func parse(text: String, expected: Result<Int64, Fixed.ParseFailure>) {
        #expect(Fixed.parse(text).map(\.raw) == expected)
    }

    @Test("integers are read within twelve digits", arguments: [
        ("0", Result<Int64, Fixed.ParseFailure>.success(0)),
        ("999999999999", .success(999_999_999_999)),
        ("-12", .success(-12)),
        ("1000000000000", .failure(.tooLarge)),
        ("9223372036854775808", .failure(.tooLarge)),
        ("12a", .failure(.notANumber)),
    ])
    func integers(text: String, expected: Result<Int64, Fixed.ParseFailure>) {
        #expect(Fixed.parseInteger(text) == expected)
    }

    @Test("the checked arithmetic reports every overflow as nil")
    func arithmetic() {
        let big = Int64.max / 2 + 1
        #expect(CheckedArithmetic.ints(.add, big, big) == nil)
        #expect(CheckedArithmetic.ints(.subtract, -big, big + 1) == nil)
        #expect(CheckedArithmetic.ints(.multiply, 4_000_000_000, 4_000_000_000) == nil)
        #expect(CheckedArithmetic.ints(.add, 2, 3) == 5)
        #expect(CheckedArithmetic.negated(.min) == nil)
        // Two wages of 4.7 trillion (the reproducer's) do not fit one value: nil, not 9,046,744,075,590.
        let wage = Fixed(raw: 4_700_000_000_000 * Fixed.scale)
        #expect(wage.adding(wage) == nil)
        // 3,000 × 3,000: the factors' raw values overflow, the product fits and is exact.
        #expect(CheckedArithmetic.fixed(.multiply, 3_000_000_000, int: false, 3_000_000_000, int: false) == 9_000_000 * Fixed.scale)
        #expect(CheckedArithmetic.fixed(.add, 9_300_000_000_000, int: true, 0, int: false) == nil)
        #expect(CheckedArithmetic.fixed(.multiply, 1_000_000, int: false, 10_000_000_000_000, int: true) == nil)
        #expect(Fixed(raw: 1).quotient(Fixed(raw: 0), to: .fen, mode: .halfUp) == .failure(.divisionByZero))
        #expect(Fixed(raw: .max).quotient(Fixed(raw: 1), to: .fen, mode: .halfUp) == .failure(.overflow))
        #expect(Fixed(raw: .max).checkedRounded(to: .yuan, mode: .up) == nil)
        #expect(Fixed(raw: .max).rounded(to: .yuan, mode: .up).raw == Int64.max / Fixed.scale * Fixed.scale)
    }

    @Test("a roster's total of many large amounts is exact, past 64 bits")
    func totals() {
        var total = MoneyTotal.zero
        let largest = Fixed(raw: 999_999_999_999_990_000)  // the largest amount a cell holds
        for _ in 0..<1_000 { total = total + largest }
        #expect(total.yuanString == "999,999,999,999,990元")
        #expect((MoneyTotal.zero - MoneyTotal(Fixed(raw: 90_000_000))).yuanString == "-90元")
        #expect(MoneyTotal(Fixed(raw: 1_320_500_000)).decimalString(places: 2) == "1320.50")
    }

    @Test("dates: no part longer than four digits; arithmetic past 1–9999 is nil", arguments: [
        "2023-1-99999999999999999999", "1990年1月99999999999999999999日", "99999-01-01", "2023/12/00001",
    ])
    func dates(text: String) {
        #expect(Day(parsing: text) == nil)
    }

    @Test("date arithmetic stays within the years a date holds")
    func dateArithmetic() throws {
        let day = try #require(Day(parsing: "2023-12-01"))
        #expect(CheckedArithmetic.date(day, adding: 999_999_999_999, .days) == nil)
        #expect(CheckedArithmetic.date(day, adding: .max, .years) == nil)
        #expect(CheckedArithmetic.date(day, adding: .min, .months) == nil)
        #expect(CheckedArithmetic.date(Day.latest, adding: 1, .days) == nil)
        #expect(CheckedArithmetic.date(day, adding: 31, .days) == Day(parsing: "2024-01-01"))
        #expect(Day.dateOfAge(checked: 9_000, bornOn: day, birthdayCounts: true) == nil)
        #expect(Day.dateOfAge(checked: 80, bornOn: day, birthdayCounts: false) == Day(parsing: "2103-12-02"))
    }

    // MARK: through the binary, where the reproducers crashed it

    struct Expectation: Sendable, CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let fragment: String
        var description: String { arguments.joined(separator: " ") }
    }

    static let repro = "Tests/HuiminTests/Fixtures/repro/"

    @Test("a number or date past its bound ends in a located error or a decision", arguments: [
        Expectation(arguments: ["check", repro + "household-deposits-13-digits.yaml", "--on", "2023-12-01"], status: 1,
            fragment: "household-deposits-13-digits.yaml:4:11: error[record.bad-value]: deposits: 家庭金融资产合计：所填的值（13位数字）数值过大（超过12位整数）"),
        Expectation(arguments: ["check", repro + "household-wage-sum-overflow.yaml", "--on", "2023-12-01", "--policy", "dibao"], status: 1,
            fragment: "members[0].incomes.wage: 所填的值（13位数字）数值过大（超过12位整数）"),
        Expectation(arguments: ["check", repro + "household-wage-sum-past-range.yaml", "--on", "2023-12-01", "--policy", "dibao"], status: 0,
            fragment: "还需确认（关系到最低生活保障）：\n  · 所填金额或数量过大，超出可计算的范围（请核对是否多填了位数）。"),
        Expectation(arguments: ["check", repro + "household-date-20-digit-day.json", "--on", "2023-12-01"], status: 1,
            fragment: "members[0].birth_date: 出生日期："),
        Expectation(arguments: ["check", "examples/households/h001.yaml", "--on", "2023-1-99999999999999999999"], status: 2,
            fragment: "is invalid for '--on <on>'"),
        Expectation(arguments: ["check", "examples/households/h001.yaml", "--on", "0001-01-05"], status: 2,
            fragment: "from 1900-01-01 to 2199-12-31"),
        Expectation(arguments: ["gen-roster", "--persons", "2", "--on", "9999-12-31"], status: 2,
            fragment: "from 1900-01-01 to 2199-12-31"),
        Expectation(arguments: ["screen", repro + "roster-deposits-13-digits.csv", "--on", "2023-12-01"], status: 0,
            fragment: "4,H2,家庭金融资产合计,\"所填的值（13位数字）数值过大（超过12位整数）"),
        Expectation(arguments: ["screen", repro + "roster-deposits-13-digits.csv", "--on", "2023-12-01", "--row-by-row"], status: 0,
            fragment: "4,H2,家庭金融资产合计,\"所填的值（13位数字）数值过大（超过12位整数）"),
        Expectation(arguments: ["screen", repro + "roster-deposits-20-digits-batch-only.csv", "--on", "2023-12-01"], status: 0,
            fragment: "2,H1,deposits,\"所填的值（20位数字）数值过大（超过12位整数）"),
        Expectation(arguments: ["screen", repro + "roster-date-20-digit-day.csv", "--on", "2023-12-01"], status: 0,
            fragment: "2,H1,birth_date,"),
        Expectation(arguments: ["diff", repro + "roster-deposits-13-digits.csv", "--on", "2023-06-13", "--vs-date", "2023-06-14"], status: 0,
            fragment: "（1户）未能处理"),
    ])
    func throughTheBinary(_ e: Expectation) throws {
        let run = try CLITests.run(e.arguments)
        #expect(run.status == e.status, "\(run.stderr)")
        #expect((run.stdout + run.stderr).contains(e.fragment), "stdout: \(run.stdout)\nstderr: \(run.stderr)")
    }

    @Test("batch and row by row read an out-of-range cell the same way", arguments: [
        "roster-deposits-13-digits.csv", "roster-deposits-20-digits-batch-only.csv", "roster-date-20-digit-day.csv",
    ])
    func bothPathsAgree(file: String) throws {
        let batch = try CLITests.run(["screen", Self.repro + file, "--on", "2023-12-01"])
        let rows = try CLITests.run(["screen", Self.repro + file, "--on", "2023-12-01", "--row-by-row"])
        #expect(batch.status == 0 && rows.status == 0)
        #expect(batch.stdout == rows.stdout)
        #expect(batch.stderr == rows.stderr)
    }

    @Test("rule files with such numbers are refused at load, each at its place", arguments: [
        ("rules-add-days", "policies/zz.yaml:10:29: error[expr.date-out-of-range]"),
        ("rules-long-and-chain", "policies/zz.yaml:10:3513: error[expr.syntax]: 表达式太长：超过1000个记号"),
        ("rules-money-literal", "policies/zz.yaml:14:10: error[expr.number-too-large]"),
        ("rules-region-13-digits", "regions/420100.yaml:7:14: error[rules.number-too-large]"),
    ])
    func ruleFiles(overlay: String, fragment: String) throws {
        try Repo.withTemporaryDirectory("hostile-rules") { dir in
            let rules = dir.appendingPathComponent("rules").path
            try FileManager.default.copyItem(atPath: Repo.rules, toPath: rules)
            let source = Repo.fixtures + "/repro/" + overlay
            for sub in try FileManager.default.subpathsOfDirectory(atPath: source) where sub.hasSuffix(".yaml") {
                try? FileManager.default.removeItem(atPath: rules + "/" + sub)
                try FileManager.default.copyItem(atPath: source + "/" + sub, toPath: rules + "/" + sub)
            }
            let lint = try CLITests.run(["lint", rules])
            #expect(lint.status == 1)
            #expect(lint.stdout.contains(fragment) || lint.stderr.contains(fragment), "\(lint.stdout)\(lint.stderr)")
            // The long line is shown as a window around the error, not whole.
            #expect((lint.stdout + lint.stderr).utf8.count < 4_000)
            let check = try CLITests.run(["check", "examples/households/h001.yaml", "--rules", rules, "--on", "2023-12-01"])
            #expect(check.status == 1)
            let test = try CLITests.run(["test", "--rules", rules])
            #expect(test.status == 1)
        }
    }
}
