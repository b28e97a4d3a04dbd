import ArgumentParser
import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

#if canImport(Glibc)
import Glibc
#endif

@main
struct Main {
    static func main() {
        do {
            var command = try Huimin.parseAsRoot()
            try command.run()
        } catch {
            // Usage mistakes exit 2 (DESIGN §7); everything else keeps its code.
            if Huimin.exitCode(for: error) == .validationFailure {
                Output.stderr(Huimin.fullMessage(for: error) + "\n")
                exit(2)
            }
            Huimin.exit(withError: error)
        }
    }
}

struct Huimin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "huimin",
        abstract: "惠民：社会救助政策资格核对（规则即代码）。",
        discussion: "Exit status: 0 done (whatever the decisions), 1 rule or input errors or failed cases, 2 usage.",
        subcommands: [Check.self, Screen.self, Diff.self, Explain.self, Lint.self, TestCases.self, GenRoster.self, Serve.self])
}

/// Options every command that reads rules shares.
struct RulesOptions: ParsableArguments {
    @Option(name: .long, help: "The rules directory (default: $HUIMIN_RULES, else ./rules).")
    var rules: String?

    var directory: String { RuleLoader.directory(named: rules) }

    /// Loads the rules, printing their diagnostics to stderr; exits 1 on errors.
    func load() throws -> RuleSet { try Self.load(directory: directory) }

    static func load(directory: String) throws -> RuleSet {
        let outcome = RuleLoader.load(directory: directory, lint: false)
        if outcome.hasErrors || outcome.rules == nil {
            let errors = outcome.diagnostics.filter { $0.severity == .error }
            Output.stderr(DiagnosticRenderer.text(errors) + "\nthe rules in \(directory) have errors (\(DiagnosticRenderer.summaryLine(outcome.diagnostics))); run `huimin lint \(directory)`\n")
            throw ExitCode(1)
        }
        return outcome.rules!
    }
}

/// The date and the policies of an evaluation: `--on` and `--policy`, shared by check and screen.
struct EvaluationOptions: ParsableArguments {
    @Option(name: .long, help: "The evaluation date, YYYY-MM-DD, from 1900-01-01 to 2199-12-31 (default: today).")
    var on: DateOption?

    @Option(name: .long, help: "Only this policy (repeatable).")
    var policy: [String] = []

    var day: Day { on?.day ?? DateOption.today }

    /// The policies asked for (nil for all), each checked against the rules.
    func policies(in rules: RuleSet) throws -> Set<String>? {
        for id in policy where rules.policy(id) == nil {
            let s = Suggestion.closest(to: id, among: rules.policies.map(\.id))
            throw ValidationError("no policy is named `\(id)`" + (s.map { "; did you mean `\($0)`?" } ?? ""))
        }
        return policy.isEmpty ? nil : Set(policy)
    }
}

/// Reads `--on` dates, defaulting to today on this machine's calendar.
struct DateOption: ExpressibleByArgument {
    let day: Day
    init?(argument: String) {
        guard let d = Day(evaluationDate: argument) else { return nil }
        day = d
    }
    init(day: Day) { self.day = day }

    static var today: Day { Day.today }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

