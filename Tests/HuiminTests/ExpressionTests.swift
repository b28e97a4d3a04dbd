import PolicyExpr
import Testing

@Suite("Expression language: parser and checker")
struct ExpressionTests {
    static let typed: [(String, Bool, String)] = [
        ("deposits < 5000", false, "deposits~money < 5000~money"),
        ("vehicles == 0 or deposits <= standard", false, "(vehicles~int == 0~int or deposits~money <= standard~money)"),
        ("not (vehicles > 1)", false, "not vehicles~int > 1~int"),
        ("standard * 1.5", false, "(standard~money * 1.5~decimal)~money"),
        ("round(income / 3, fen)", false, "(income~money / 3~int → fen half_up)~money"),
        ("round(income / 3, yuan, down)", false, "(income~money / 3~int → yuan down)~money"),
        ("count(members where relation in [spouse, child])", false, "count(members where relation~relation in set(110)~list of relation)~int"),
        ("sum(members, incomes.wage)", false, "sum(members, incomes.wage~money)~money"),
        ("any(members, age >= 60 and disabled)", false, "any(members, (age~int >= 60~int and disabled~bool))~bool"),
        ("if vehicles > 0 then standard else 0", false, "if vehicles~int > 0~int then standard~money else 0~money"),
        ("relation == spouse", true, "relation~relation == #1~relation"),
        ("date_of_age(80) <= add_months(today, 3)", true, "date_of_age(80~int)~date <= add_months(today~date, 3~int)~date"),
        ("min(standard, income)", false, "min(standard~money, income~money)~money"),
        ("moved_in < 2023-06-14", false, "moved_in~date < 2023-06-14~date"),
    ]

    @Test("checked expressions print with their types", arguments: typed)
    func checksTypes(_ source: String, _ memberScope: Bool, _ expected: String) throws {
        let expr = try Parser.parse(source).get()
        var checker = Checker(table: StubTable())
        let t = checker.check(expr, memberScope: memberScope)
        #expect(checker.problems.map(\.message) == [])
        #expect(t.map(TypedPrinter.print) == expected)
    }

    static let problems: [(String, String, String, String?)] = [
        ("deposits < 2023-01-01", "expr.type-mismatch", "cannot compare 金额 (money) and 日期 (date)", nil),
        ("standrd > 0", "expr.unknown-name", "unknown name `standrd`", "did you mean `standard`?"),
        ("income / 3 < standard", "expr.unrounded-division", "a division must say how it rounds", nil),
        ("standard * income", "expr.type-mismatch", "cannot multiply 金额 (money) and 金额 (money)", nil),
        ("deposits + vehicles", "expr.type-mismatch", "cannot add 金额 (money) and 整数 (int)", nil),
        ("age > 60", "expr.member-only", "`age` belongs to each member, not to the household", nil),
        ("relation == head", "expr.member-only", "`relation` belongs to each member, not to the household", nil),
        ("count(members where relation == spuse) > 0", "expr.unknown-value", "`spuse` is not a value of relation", "did you mean `spouse`?"),
        ("cout(members) > 1", "expr.unknown-function", "unknown function `cout`", "did you mean `count`?"),
        ("param(dibao.standrd) > 0", "expr.unknown-parameter", "unknown parameter `dibao.standrd`", "did you mean `dibao.standard`?"),
        ("vehicles and deposits", "expr.type-mismatch", "each side of `and` must be 是/否 (bool), but this is 整数 (int)", nil),
    ]

    @Test("mistakes are reported with an id, a message and a suggestion", arguments: problems)
    func reportsProblems(_ source: String, _ id: String, _ message: String, _ help: String?) throws {
        let expr = try Parser.parse(source).get()
        var checker = Checker(table: StubTable())
        _ = checker.check(expr, memberScope: false)
        let first = try #require(checker.problems.first)
        #expect(first.id == id)
        #expect(first.message == message)
        if let help { #expect(first.help == help) }
    }

    static let syntax: [(String, String, Range<Int>)] = [
        ("deposits <", "expected a value after `<`, found the end of the expression", 10..<10),
        ("deposits = 3", "unexpected character `=`", 9..<10),
        ("(deposits < 3", "expected `)` to close `(`, found the end of the expression", 13..<13),
        ("deposits < 3 vehicles", "unexpected `vehicles` after a complete expression", 13..<21),
        ("if vehicles > 0 then 1", "expected `else`, found the end of the expression", 22..<22),
        ("\"未闭合", "this text has no closing quote", 0..<10),
    ]

    @Test("syntax errors point at the offending token", arguments: syntax)
    func syntaxErrors(_ source: String, _ message: String, _ range: Range<Int>) {
        guard case .failure(let e) = Parser.parse(source) else {
            Issue.record("expected a syntax error for \(source)")
            return
        }
        #expect(e.message == message)
        #expect(e.range == range)
    }

    @Test("Chinese identifiers are names, full-width punctuation is pointed out")
    func chineseNames() throws {
        let tokens = try Lexer("人均收入 < 标准").tokens().get()
        #expect(tokens.first?.kind == .identifier("人均收入"))
        #expect(tokens.first?.range == 0..<12)
        guard case .failure(let e) = Lexer("a（b").tokens() else { Issue.record("expected an error"); return }
        #expect(e.help == "use ASCII parentheses ( )")
    }

    @Test("nesting is bounded")
    func depthBound() {
        let deep = String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200)
        guard case .failure(let e) = Parser.parse(deep) else { Issue.record("expected a depth error"); return }
        #expect(e.message.contains("nests more than"))
    }
}
