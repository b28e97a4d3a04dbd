import ArgumentParser
import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check one household against every policy: decision, amount and explanation.",
        discussion: "An ineligible or undetermined result is a successful run and exits 0.")

    enum Explain: String, ExpressibleByArgument, CaseIterable { case summary, full }

    @Argument(help: "The household: a YAML or JSON file.")
    var household: String

    @OptionGroup var evaluation: EvaluationOptions

    @OptionGroup var rulesOptions: RulesOptions

    @Option(name: .long, help: "text or json.")
    var format: OutputFormat = .text

    @Option(name: .long, help: "summary (for the resident) or full (adds the worker view).")
    var explain: Explain = .summary

    @Flag(name: .long, help: "Show names unmasked (ID numbers are never printed).")
    var reveal = false

    func run() throws {
        let rules = try rulesOptions.load()
        let policies = try evaluation.policies(in: rules)
        let file: SourceFile
        switch SourceFile.load(path: household) {
        case .success(let f): file = f
        case .failure(let e):
            Output.stderr("error: cannot read \(e.path): \(e.reason)\n")
            throw ExitCode(1)
        }
        let (record, problems) = HouseholdDecoder(schema: rules.schema).decode(file: file)
        guard let record else {
            Output.stderr(DiagnosticRenderer.text(problems))
            throw ExitCode(1)
        }
        let report = CheckReport.make(
            rules: rules, record: record, on: evaluation.day, policies: policies, revealNames: reveal)
        switch format {
        case .json: Output.stdout(String(decoding: report.json(texts: explain == .full ? .worker : .resident, pretty: true), as: UTF8.self) + "\n")
        case .text: Output.stdout(report.text(full: explain == .full))
        }
    }
}
