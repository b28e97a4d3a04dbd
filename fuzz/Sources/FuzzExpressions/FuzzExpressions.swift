import DecisionEngine
import FuzzSupport
import PolicyExpr
import RuleCompiler

/// Expressions: the input is parsed, checked against the bundled rules' names and evaluated for
/// the example household h001 (or h002) on 2023-12-01.
///
/// Input: byte 0's bit 0 checks the expression in a member's scope (evaluated for every member),
/// bit 1 picks h002, bit 2 checks it without a rounding rule; the rest is the expression.
/// Oracles: no crash, hang or runaway memory; a checked expression evaluates to the same value
/// twice (in two fresh evaluations); its typed printing does not crash.
enum FuzzExpressions {
    static let symbols = RuleSymbols(rules: FuzzFixtures.rules)
    static let households = [FuzzFixtures.household("h001.yaml"), FuzzFixtures.household("h002.yaml")]

    static func run(_ input: [UInt8]) {
        let flags = input.first ?? 0
        let memberScope = flags & 1 != 0
        let text = String(decoding: input.dropFirst(), as: UTF8.self)
        guard case .success(let expr) = Parser.parse(text) else { return }
        var checker = Checker(table: symbols)
        guard let typed = checker.check(expr, memberScope: memberScope, rounding: flags & 4 != 0 ? nil : (.fen, .halfUp)) else { return }
        _ = TypedPrinter.print(typed)
        let record = households[Int(flags >> 1) & 1]
        let members = memberScope ? Array(0..<record.members.count) : [-1]
        let first = evaluate(typed, record, members)
        let second = evaluate(typed, record, members)
        Oracle.expect(first == second, "the same expression evaluated twice gave \(first) and then \(second)")
    }

    static func evaluate(_ typed: TExpr, _ record: HouseholdRecord, _ members: [Int]) -> [String] {
        let evaluation = HouseholdEvaluation(rules: FuzzFixtures.rules, record: record, on: FuzzFixtures.date)
        let evaluator = Evaluator(evaluation)
        return members.map { "\(evaluator.eval(typed, member: $0))" }
    }
}

@_cdecl("FuzzExpressions_main")
func fuzzExpressionsMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    _ = FuzzExpressions.households
    return FuzzDriver.run(argc, argv) { data, size in
        FuzzExpressions.run(FuzzDriver.bytes(data, size))
        return 0
    }
}
