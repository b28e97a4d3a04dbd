import ArgumentParser
import DecisionEngine
import RuleCompiler
import SourceDiagnostics

struct TestCases: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the YAML cases (default: every file under cases/) against the rules.")

    @Argument(help: "Case files or directories (default: cases).")
    var paths: [String] = []

    @OptionGroup var rulesOptions: RulesOptions

    @Flag(name: .long, help: "Print every case, not only failures.")
    var verbose = false

    @Flag(name: .long, help: "List every condition with the outcomes the cases showed.")
    var coverage = false

    @Option(name: .long, help: "Fail unless this percentage of conditions is seen both met and unmet (implies --coverage).")
    var minCoverage: Double?

    func run() throws {
        let rules = try rulesOptions.load()
        let files = CaseFile.files(under: paths.isEmpty ? ["cases"] : paths)
        if files.isEmpty {
            Output.stderr("error: no case files found in \(paths.isEmpty ? "cases" : paths.joined(separator: ", "))\n")
            throw ExitCode(1)
        }
        let runner = CaseRunner(rules: rules)
        var passed = 0, failed = 0, broken = 0
        for path in files {
            let file = CaseFile.load(path: path, rules: rules)
            if !file.diagnostics.isEmpty {
                Output.stdout(DiagnosticRenderer.text(file.diagnostics) + "\n")
                broken += file.diagnostics.filter { $0.severity == .error }.count
            }
            var filePassed = 0
            for c in file.cases {
                let result = runner.run(c)
                if result.passed {
                    passed += 1
                    filePassed += 1
                    if verbose { Output.stdout("  ✔ \(result.name)\n") }
                } else {
                    failed += 1
                    var out = "✘ \(result.location) \(result.name)\n"
                    for f in result.failures { out += "    \(f)\n" }
                    out += "    ── explanation ──\n"
                    for line in result.report.text(full: true).split(separator: "\n", omittingEmptySubsequences: false) { out += "    \(line)\n" }
                    Output.stdout(out)
                }
            }
            Output.stdout("\(path): \(filePassed)/\(file.cases.count) passed\n")
        }
        var belowMinimum = false
        if coverage || minCoverage != nil {
            Output.stdout(runner.coverage.report)
            if let minimum = minCoverage, runner.coverage.percent < minimum {
                Output.stdout("coverage \(Int(runner.coverage.percent * 10) / 10)% is below the minimum \(minimum)%\n")
                belowMinimum = true
            }
        }
        Output.stdout("\(passed) passed, \(failed + broken) failed\n")
        if failed + broken > 0 || belowMinimum { throw ExitCode(1) }
    }
}
