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

    @Option(name: .long, help: "Case files or folders: warn about every policy that no case checks (repeatable).")
    var cases: [String] = []

    func run() throws {
        let dir = directory ?? RulesOptions(rules: nil).directory
        let outcome = RuleLoader.load(directory: dir)
        var diagnostics = outcome.diagnostics
        if let rules = outcome.rules, !cases.isEmpty {
            diagnostics = (diagnostics + Self.policiesWithoutCases(rules, cases)).sorted { ($0.span?.file.path ?? "", $0.span?.start ?? 0) < ($1.span?.file.path ?? "", $1.span?.start ?? 0) }
        }
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

extension Lint {
    /// A policy that no case expects anything of is untested: a warning at its `policy:` line.
    static func policiesWithoutCases(_ rules: RuleSet, _ paths: [String]) -> [Diagnostic] {
        var checked = Set<String>()
        var problems: [Diagnostic] = []
        for file in CaseFile.files(under: paths) {
            let cases = CaseFile.load(path: file, rules: rules)
            problems += cases.diagnostics.filter { $0.severity == .error }
            for c in cases.cases { for e in c.expectations { checked.insert(e.policy) } }
        }
        for p in rules.policies where !checked.contains(p.id) {
            // The `policy:` line: the first line that starts with it.
            let bytes = p.file.bytes, key = Array("policy:".utf8)
            var start = 0
            while start < bytes.count, !bytes[start...].starts(with: key) {
                start = (bytes[start...].firstIndex(of: 10) ?? bytes.count - 1) + 1
            }
            if start >= bytes.count { start = 0 }
            let end = bytes[start...].firstIndex(of: 10) ?? bytes.count
            problems.append(Diagnostic("lint.policy-without-cases", "no case checks the policy `\(p.id)`", at: Span(file: p.file, start: start, end: end),
                severity: .warning, help: "add a case that expects a decision of `\(p.id)` to a file under \(paths.joined(separator: ", "))"))
        }
        return problems
    }
}

extension RulesOptions {
    init(rules: String?) {
        self.init()
        self.rules = rules
    }
}
