import DecisionEngine
import Foundation
import PolicyExpr
import RuleCompiler
import SourceDiagnostics
import Testing

/// Audience and horizon as the rules declare them: a copy of the bundled rules with gaoling's changed.
@Suite("audience and horizon in the rules")
struct AudienceHorizonTests {
    /// The bundled rules with gaoling's `audience:` and `horizon:` lines replaced.
    static func rules(audience: String, horizon: String) throws -> RuleSet {
        try Repo.withTemporaryDirectory("huimin-audience") { dir in
            let copy = dir.appendingPathComponent("rules").path
            try FileManager.default.copyItem(atPath: Repo.rules, toPath: copy)
            let path = copy + "/policies/gaoling.yaml"
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.hasPrefix("audience:") ? "audience: \(audience)" : line.hasPrefix("horizon:") ? "horizon: \(horizon)" : String(line)
            }
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let outcome = RuleLoader.load(directory: copy)
            return try #require(outcome.rules, "\(DiagnosticRenderer.text(outcome.diagnostics))")
        }
    }

    /// A 79-year-old whose 80th birthday is ten months after the check (2024-10-01).
    static let household = """
        id: T1
        region: "420106"
        hukou_type: urban
        members:
          - { id: P1, relation: head, birth_date: 1944-10-01, disability_grade: 0, obligor_status: capable }
        """

    static func answer(_ rules: RuleSet) throws -> CheckReport {
        let file = SourceFile(path: "t.yaml", bytes: Array(household.utf8))
        let record = try #require(HouseholdDecoder(schema: rules.schema).decode(file: file).0)
        return CheckReport.make(rules: rules, record: record, on: HouseholdAnswerTests.day)
    }

    @Test("a date within the horizon is said; beyond it, only in the worker view", arguments: [
        ("12 months", true), ("1 year", true), ("6 months", false), ("90 days", false),
    ])
    func horizon(horizon: String, said: Bool) throws {
        let report = try Self.answer(try Self.rules(audience: "age >= 70", horizon: horizon))
        #expect(report.text().contains("将于2024年10月1日") == said)
        #expect(report.text(full: true).contains("将于2024年10月1日"))
    }

    @Test("a subject outside the audience is folded, inside it is told", arguments: [("age >= 79", true), ("age >= 80", false)])
    func audience(audience: String, told: Bool) throws {
        let report = try Self.answer(try Self.rules(audience: audience, horizon: "12 months"))
        let gaoling = try #require(report.decisions.first { $0.policy == "gaoling" })
        #expect(gaoling.inAudience == told)
        #expect(report.text().contains("✘ 高龄津贴") == told)
        #expect(report.answer.foldedPolicies.contains("gaoling") == !told)
    }

    @Test("horizon is read as a number and a unit", arguments: [
        ("12 months", 12, Horizon.Unit.months), ("1 year", 1, .years), ("90 days", 90, .days), ("0 days", 0, .days),
    ])
    func parsing(text: String, count: Int, unit: Horizon.Unit) {
        #expect(Horizon(parsing: text) == Horizon(count: count, unit: unit))
    }

    @Test("a bad horizon is refused", arguments: ["12", "months", "-1 months", "12 fortnights", "36501 days", "1.5 years", ""])
    func badHorizon(text: String) {
        #expect(Horizon(parsing: text) == nil)
    }
}
