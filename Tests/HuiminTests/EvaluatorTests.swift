import PolicyExpr
import Testing

@Suite("Evaluation with three-valued logic")
struct EvaluatorTests {
    /// deposits (money), vehicles (int), moved_in (date); members: relation, birth_date, wage, disabled.
    static func context(deposits: Value = .fixed(Fixed(1000)), vehicles: Value = .int(0), wages: [Value] = [.fixed(Fixed(500)), .fixed(Fixed(0))], disabled: [Value] = [.bool(false), .bool(false)]) -> StubContext {
        StubContext(
            household: [deposits, vehicles, .date(Day(year: 2020, month: 1, day: 1)!)],
            people: zip(wages, disabled).enumerated().map { i, p in
                [.enumeration(i == 0 ? 0 : 1), .date(Day(year: 1950 + i * 40, month: 6, day: 1)!), p.0, p.1]
            },
            lets: [.fixed(Fixed(940)), .unknown([.field(9, member: -1)])])
    }

    static func eval(_ source: String, _ ctx: StubContext) throws -> Value {
        var checker = Checker(table: StubTable())
        let t = try #require(checker.check(try Parser.parse(source).get(), memberScope: false, rounding: (.fen, .halfUp)))
        return Evaluator(ctx).eval(t, member: -1)
    }

    static let cases: [(String, String)] = [
        ("deposits < 2000", "true"),
        ("vehicles > 0 and income > 0", "false"),  // false and unknown is false
        ("vehicles == 0 or income > 0", "true"),   // true or unknown is true
        ("vehicles == 0 and income > 0", "unknown"),
        ("not (income > 0)", "unknown"),
        ("sum(members, incomes.wage)", "500"),
        ("count(members where disabled)", "0"),
        ("any(members, age >= 70)", "true"),
        ("all(members, age >= 70)", "false"),
        ("max(members, age)", "73"),
        ("round(standard / 3, fen)", "313.33"),
        ("round(standard * 0.3, yuan)", "282"),
        ("if income > 0 then 1 else 1", "1"),
        ("if income > 0 then 1 else 2", "unknown"),
        ("known(income)", "false"),
        ("add_years(moved_in, 3)", "2023-01-01"),
        ("month_end(add_months(moved_in, 1))", "2020-02-29"),
        ("month_start(today)", "2023-12-01"),
    ]

    @Test("expressions evaluate as the semantics say", arguments: cases)
    func evaluates(_ source: String, _ expected: String) throws {
        let v = try Self.eval(source, Self.context())
        #expect(Self.show(v) == expected)
    }

    @Test("an unknown member value makes a sum unknown but not an `any` another member decides")
    func unknownMembers() throws {
        let ctx = Self.context(wages: [.unknown([]), .fixed(Fixed(10))], disabled: [.unknown([]), .bool(true)])
        #expect(Self.show(try Self.eval("sum(members, incomes.wage)", ctx)) == "unknown")
        #expect(Self.show(try Self.eval("any(members, disabled)", ctx)) == "true")
        #expect(Self.show(try Self.eval("all(members, disabled)", ctx)) == "unknown")
        #expect(Self.show(try Self.eval("count(members where disabled)", ctx)) == "unknown")
        // The unknown names the member and field that caused it.
        #expect(try Self.eval("sum(members, incomes.wage)", ctx).causes == [.field(2, member: 0)])
    }

    static func show(_ v: Value) -> String {
        switch v {
        case .bool(let b): String(b)
        case .int(let i): String(i)
        case .fixed(let f): f.plainString
        case .date(let d): d.description
        case .unknown: "unknown"
        default: "\(v)"
        }
    }
}
