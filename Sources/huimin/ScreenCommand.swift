import ArgumentParser
import DecisionEngine
import PolicyExpr
import RosterScreening
import RuleCompiler
import SourceDiagnostics

#if canImport(Glibc)
import Glibc
#endif

struct Screen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Screen a roster (CSV, one row per person) against every policy, with rejects and a summary.",
        discussion: """
            Rows of one household must be next to each other (sort by household id first); a household \
            whose rows are split apart is rejected, not guessed at. Headers may be schema keys, Chinese \
            labels or aliases. Every input row ends in the output or in the rejects.
            """)

    @Argument(help: "The roster: CSV (UTF-8, UTF-8 with BOM, or GB18030), .xlsx, or .jsonl.")
    var roster: String

    @OptionGroup var evaluation: EvaluationOptions

    @OptionGroup var rulesOptions: RulesOptions

    @Option(name: .long, help: "csv or jsonl.")
    var format: ScreeningOptions.Format = .csv

    @Option(name: .long, help: "long (a row per subject and policy), wide (a row per person, columns per policy), or a layout the rules declare in layouts.yaml (default: the rules' default layout, else long).")
    var layout: String?

    @Flag(name: .long, help: "Add the resident's explanation to each row.")
    var explain = false

    @OptionGroup var job: RosterJobOptions

    func run() throws {
        let rules = try rulesOptions.load()
        var job = try self.job.make(roster: roster)
        job.options.format = format
        job.options.layout = try Self.layout(layout, rules)
        job.options.explain = explain
        job.options.policies = try evaluation.policies(in: rules)
        let summary = try self.job.finish(job.run(rules: rules, date: evaluation.day), roster: roster)
        Output.stderr(summary.text)
    }
}

/// The options of a job over a roster, shared by `screen` and `diff`.
struct RosterJobOptions: ParsableArguments {
    @Option(name: .long, help: "Where to write the results (default: stdout).")
    var out: String?

    @Option(name: .long, help: "Where to write rejected rows (default: beside --out, or stderr).")
    var rejects: String?

    @Option(name: .long, help: "Where to write the summary as JSON.")
    var summary: String?

    @Option(name: .long, help: "For an .xlsx roster: the sheet to read (default: the first).")
    var sheet: String?

    @Option(name: .long, help: "auto, utf8 or gb18030.")
    var encoding: RosterEncoding = .auto

    @Flag(name: .long, help: "Start CSV outputs with a byte-order mark, so Excel shows Chinese.")
    var bom = false

    @Option(name: .long, help: "Workers side by side (default: every core).")
    var jobs: Int?

    @Flag(name: .long, help: "Show a progress bar on stderr even when it is not a terminal.")
    var progress = false

    @Flag(name: .long, help: "Decide one household at a time, never a batch of households field by field (the same results; for checking the batch evaluator).")
    var rowByRow = false

    @Flag(name: .long, help: "The roster is known to be whole: read its last row (CSV) or line (JSONL) even when no line break ends it. Without this, that household is refused as possibly cut off.")
    var fileComplete = false

    var showsProgress: Bool { progress || isatty(2) != 0 }

    func make(roster: String) throws -> ScreeningJob {
        ParallelScreening.keepFreedMemory()
        var job = ScreeningJob(roster: roster)
        job.output = out
        job.rejects = rejects
        job.summaryPath = summary
        job.encoding = encoding
        job.sheet = sheet
        job.bom = bom
        job.batchEvaluation = !rowByRow
        job.fileComplete = fileComplete
        if let jobs {
            guard jobs >= 1 else { throw ValidationError("--jobs must be 1 or more") }
            job.jobs = jobs
        }
        if showsProgress {
            let bar = ProgressBar()
            job.progress = { bytes, rows, households, size in bar.update(bytes: bytes, rows: rows, households: households, size: size) }
        }
        return job
    }

    /// The summary of a finished job, or its error on stderr and exit 1.
    func finish(_ result: Result<ScreeningSummary, ScreeningJob.Failure>, roster: String) throws -> ScreeningSummary {
        switch result {
        case .failure(let e):
            Output.stderr("\nerror: \(roster): \(e.description)\n")
            throw ExitCode(1)
        case .success(let s):
            if showsProgress { Output.stderr("\r\u{1B}[K") }
            return s
        }
    }
}

extension ScreeningOptions.Format: ExpressibleByArgument {}

extension Screen {
    static func layout(_ name: String?, _ rules: RuleSet) throws -> ScreeningOptions.Layout {
        try ScreeningOptions.Layout.named(name, in: rules).mapError { ValidationError($0.message) }.get()
    }
}
extension RosterEncoding: ExpressibleByArgument {}

/// Rows per second, and the share read with an estimate of the time left when the size is known.
final class ProgressBar {
    let start = DateOption.monotonicSeconds()
    var last = 0.0

    func update(bytes: Int, rows: Int, households: Int, size: Int?) {
        let now = DateOption.monotonicSeconds()
        guard now - last >= 0.1 || (size != nil && bytes >= size!) else { return }
        last = now
        let elapsed = max(now - start, 0.001)
        let rate = Int(Double(rows) / elapsed)
        var line = "\r\u{1B}[K"
        if let size, size > 0 {
            let fraction = min(1, Double(bytes) / Double(size))
            let filled = Int(fraction * 30)
            line += "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: 30 - filled) + "] \(Int(fraction * 100))%"
            if fraction > 0.01, fraction < 1 { line += " 剩余约\(Int(elapsed / fraction - elapsed) + 1)秒" }
        }
        line += " \(rows)行 \(households)户 \(rate)行/秒"
        Output.stderr(line)
    }
}

extension DateOption {
    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
