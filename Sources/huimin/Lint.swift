import ArgumentParser
import DecisionEngine
import RuleCompiler
import SourceDiagnostics

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the rule files and report every problem at file:line:column.")

    @Argument(help: "The rules directory (default: $HUIMIN_RULES, else ./rules).")
    var directory: String?

    @Option(name: .long, help: "text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let dir = directory ?? RulesOptions(rules: nil).directory
        let outcome = RuleLoader.load(directory: dir)
        let diagnostics = outcome.diagnostics
        switch format {
        case .json:
            let json = JSONValue.object([
                ("directory", .string(dir)),
                ("errors", .int(diagnostics.filter { $0.severity == .error }.count)),
                ("warnings", .int(diagnostics.filter { $0.severity == .warning }.count)),
                ("diagnostics", .array(diagnostics.map(DiagnosticRenderer.json))),
            ])
            Output.stdout(json.serialized(pretty: true) + "\n")
        case .text:
            if !diagnostics.isEmpty { Output.stdout(DiagnosticRenderer.text(diagnostics) + "\n") }
            let policies = outcome.rules?.policies.count ?? 0
            let regions = outcome.rules?.regions.count ?? 0
            Output.stdout("\(dir): \(DiagnosticRenderer.summaryLine(diagnostics))" + (outcome.rules != nil ? " (\(policies) policies, \(regions) regions)" : "") + "\n")
        }
        if outcome.hasErrors { throw ExitCode(1) }
    }
}

extension RulesOptions {
    init(rules: String?) {
        self.init()
        self.rules = rules
    }
}
