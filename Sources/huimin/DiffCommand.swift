import ArgumentParser
import PolicyExpr
import RosterScreening
import RuleCompiler
import SourceDiagnostics

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Who gains and who loses when a rule changes, and what it costs a month.",
        discussion: """
            Screens the roster under the base rules and the new rules (--base OLD --rules NEW), or under \
            one rule set on two dates (--on DATE1 --vs-date DATE2), and lists every household and person \
            whose decision or amount changes, with the conditions and parameters that changed it. The \
            summary (stderr; JSON with --summary) gives per policy the newly eligible, no longer \
            eligible, amount up and down, and the monthly cost before and after.
            """)

    @Argument(help: "The roster: CSV (UTF-8, UTF-8 with BOM, or GB18030), .xlsx, or .jsonl.")
    var roster: String

    @Option(name: .long, help: "The rules to compare against (the rules before the change).")
    var base: String?

    @OptionGroup var rulesOptions: RulesOptions

    @OptionGroup var evaluation: EvaluationOptions

    @Option(name: .customLong("vs-date"), help: "Compare the rules on --on with the same rules on this date, YYYY-MM-DD.")
    var vsDate: DateOption?

    @Option(name: .long, help: "text, csv or jsonl.")
    var format: RuleDiff.Format = .text

    @OptionGroup var job: RosterJobOptions

    func validate() throws {
        guard base != nil || vsDate != nil else {
            throw ValidationError("say what to compare: --base OLD_RULES (with --rules NEW_RULES), or --vs-date DATE")
        }
    }

    func run() throws {
        let new = try rulesOptions.load()
        let old = try base.map { try RulesOptions.load(directory: $0) } ?? new
        let baseDate = evaluation.day, newDate = vsDate?.day ?? evaluation.day
        let policies = try evaluation.policies(in: new)
        let worker = RuleDiff(base: old, new: new, baseDate: baseDate, newDate: newDate, format: format, policies: policies)
        var job = try self.job.make(roster: roster)
        let baseLabel = "\(base ?? new.directory)（\(baseDate.description)）", newLabel = "\(new.directory)（\(newDate.description)）"
        job.summaryJSON = { $0.diffJSON(base: baseLabel, new: newLabel) }
        let summary = try self.job.finish(job.run(rules: new, date: newDate, worker: worker), roster: roster)
        Output.stderr(summary.diffText(base: baseLabel, new: newLabel))
    }
}

extension RuleDiff.Format: ExpressibleByArgument {}
