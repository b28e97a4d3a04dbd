import ArgumentParser
import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a policy's 明白纸: who may apply, the conditions, the standards, the documents, the procedure and the basis.",
        discussion: """
            Made from the same rules the engine runs, with the figures of --region on --on. The HTML \
            prints on A4 (open it in a browser and print, or render it with headless Chromium).
            """)

    @Argument(help: "The policy id, e.g. dibao.")
    var policy: String

    @Option(name: .long, help: "The region code, e.g. 420102 (default: the region field's default in the schema).")
    var region: String?

    @Option(name: .long, help: "The date of the figures, YYYY-MM-DD, from 1900-01-01 to 2199-12-31 (default: today).")
    var on: DateOption?

    @Option(name: .long, help: "text, markdown or html.")
    var format: PolicySheet.Format = .text

    @Option(name: .long, help: "Where to write it (default: stdout).")
    var out: String?

    @OptionGroup var rulesOptions: RulesOptions

    func run() throws {
        let rules = try rulesOptions.load()
        guard let p = rules.policy(policy) else {
            throw ValidationError("no policy is named `\(policy)`" + (Suggestion.closest(to: policy, among: rules.policies.map(\.id)).map { "; did you mean `\($0)`?" } ?? ""))
        }
        let field = rules.schema.field(rules.schema.conventions.region, .household)
        var code = region
        if code == nil, case .text(let c)? = field?.defaultValue { code = c }
        guard let code else {
            throw ValidationError("give --region, e.g. \(rules.regions.keys.sorted().prefix(3).joined(separator: ", "))")
        }
        guard !rules.regionChain(code).isEmpty else {
            throw ValidationError("the rules have no region \(code) or a region above it" + (Suggestion.closest(to: code, among: Array(rules.regions.keys)).map { "; did you mean \($0)?" } ?? ""))
        }
        let sheet = PolicySheet(policy: p, rules: rules, region: code, date: on?.day ?? DateOption.today)
        let text = sheet.render(format)
        if let out {
            if case .failure(let e) = FileBytes.writeAtomically(Array(text.utf8), to: out) {
                Output.stderr("error: \(e.description)\n")
                throw ExitCode(1)
            }
        } else {
            Output.stdout(text)
        }
    }
}

extension PolicySheet.Format: ExpressibleByArgument {}
