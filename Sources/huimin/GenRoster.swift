import ArgumentParser
import RosterScreening
import RuleCompiler
import SourceDiagnostics

struct GenRoster: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen-roster",
        abstract: "Write a synthetic roster in the rules' schema, for demonstrations and benchmarks.",
        discussion: """
            The people are drawn from the `sample:` distributions in schema.yaml (household sizes, \
            ages, incomes, choices); fields without a sample are left out. The same --persons, \
            --seed and --on give the same file on every machine. The people are made up: no row \
            describes a real resident.
            """)

    @Option(name: .long, help: "How many persons (rows).")
    var persons: Int

    @Option(name: .long, help: "The seed of the pseudo-random draw.")
    var seed: UInt64 = 20_260_101

    @Option(name: .long, help: "The date ages are counted to, YYYY-MM-DD, from 1900-01-01 to 2199-12-31 (default: today).")
    var on: DateOption?

    @Option(name: .long, help: "Where to write the CSV (default: stdout).")
    var out: String?

    @Flag(name: .long, help: "Start with a byte-order mark, so Excel shows Chinese.")
    var bom = false

    @OptionGroup var rulesOptions: RulesOptions

    func run() throws {
        guard persons >= 0 else { throw ValidationError("--persons must be 0 or more") }
        let rules = try rulesOptions.load()
        var generator = RosterGenerator(schema: rules.schema, date: on?.day ?? DateOption.today, seed: seed)
        let file: OutputFile
        do {
            file = try OutputFile(path: out, otherwise: 1)
        } catch let e as OutputFile.OpenError {
            Output.stderr("error: \(e.message)\n")
            throw ExitCode(1)
        }
        var buffer: [UInt8] = bom ? [0xEF, 0xBB, 0xBF] : []
        buffer.reserveCapacity(1 << 20)
        CSVWriter.appendRow(generator.header, to: &buffer)
        var failed = false
        generator.generate(persons: persons) { row in
            CSVWriter.appendRow(row, to: &buffer)
            if buffer.count >= 1 << 20, !failed { failed = !file.write(&buffer) }
        }
        if failed || !file.write(&buffer) || !file.commit() {
            file.discard()
            Output.stderr("error: cannot write \(out ?? "stdout")\n")
            throw ExitCode(1)
        }
    }
}
