import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// Runs cases and says, for a failure, what was expected and what came, with the explanation.
public struct CaseRunner {
    public struct Result: Sendable {
        public let name: String
        public let location: String
        public let failures: [String]
        public let report: CheckReport
        public var passed: Bool { failures.isEmpty }
    }

    public let rules: RuleSet
    public let coverage: Coverage

    public init(rules: RuleSet) {
        self.rules = rules
        coverage = Coverage(rules: rules)
    }

    public func run(_ c: TestCase) -> Result {
        let evaluation = HouseholdEvaluation(rules: rules, record: c.record, on: c.date)
        let report = CheckReport.make(evaluation)
        coverage.record(evaluation)
        var failures: [String] = []
        for e in c.expectations {
            let decisions = report.decisions.filter { $0.policy == e.policy && (e.member == nil || $0.subject == e.member) }
            let who = e.policy + (e.member.map { "[\($0)]" } ?? "")
            guard !decisions.isEmpty else {
                failures.append("\(who): no decision was made")
                continue
            }
            if let status = e.status {
                let got = decisions.map(\.status)
                if got != [status] {
                    failures.append("\(who): expected \(status.rawValue), got \(got.map(\.rawValue).joined(separator: ", "))")
                }
            }
            if let amount = e.amount {
                let got = decisions.map { $0.amount?.decimalString(places: 2) ?? "none" }
                if got != [amount] { failures.append("\(who): expected amount \(amount), got \(got.joined(separator: ", "))") }
            }
            let text = decisions.map { d in
                ([d.residentText, d.summary, d.calculation ?? ""] + d.reasons.compactMap(\.text)).joined(separator: "\n")
            }.joined(separator: "\n")
            for t in e.texts where !text.contains(t) {
                failures.append("\(who): expected the explanation to say “\(t)”")
            }
            let missing = decisions.flatMap(\.missing)
            for m in e.missing where !missing.contains(where: { $0.input == m || $0.input.hasSuffix("." + m) || $0.label.contains(m) }) {
                failures.append("\(who): expected missing input `\(m)`, got [\(missing.map(\.input).joined(separator: ", "))]")
            }
            let changes = decisions.flatMap(\.changes).map(\.text)
            for ch in e.changes where !changes.contains(where: { $0.contains(ch) }) {
                failures.append("\(who): expected a change saying “\(ch)”, got [\(changes.joined(separator: "; "))]")
            }
        }
        let l = c.node.span.startLocation
        return Result(name: c.name, location: "\(c.node.span.file.path):\(l.line):\(l.column)", failures: failures, report: report)
    }
}
