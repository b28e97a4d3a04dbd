#if canImport(Glibc)
import Glibc
#endif
import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// A whole roster: read, assembled into households, screened, written. Outputs go to temporary
/// files renamed into place at the end, so an interrupted run never leaves a half file.
public struct ScreeningJob {
    public var roster: String
    public var output: String?
    public var rejects: String?
    public var summaryPath: String?
    /// What `--summary` writes (the screening summary; `huimin diff` writes its own).
    public var summaryJSON: (ScreeningSummary) -> JSONValue = { $0.json }
    public var encoding = RosterEncoding.auto
    /// For an .xlsx roster: the sheet to read (default: the first).
    public var sheet: String?
    public var bom = false
    public var options = ScreeningOptions()
    public var progress: ((Int, Int, Int?) -> Void)?
    /// Workers screening households side by side (default: every core).
    public var jobs = ParallelScreening.cores
    /// Households per batch handed to the workers.
    public var batchSize = 2048

    public init(roster: String) { self.roster = roster }

    public enum Failure: Error, CustomStringConvertible {
        case read(RosterReader.ReadError)
        case workbook(String)
        case header(String)
        case write(String)

        public var description: String {
            switch self {
            case .read(let e): e.description
            case .workbook(let m), .header(let m), .write(let m): m
            }
        }
    }

    /// The kind of roster, by its file name.
    enum RosterFormat {
        case csv, jsonl, xlsx

        init(path: String) {
            let lower = path.lowercased()
            self = lower.hasSuffix(".xlsx") ? .xlsx : lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") ? .jsonl : .csv
        }
    }

    public func run(rules: RuleSet, date: Day) -> Result<ScreeningSummary, Failure> {
        run(rules: rules, date: date, worker: HouseholdScreener(rules: rules, date: date, options: options))
    }

    /// Reads the roster with `rules`' schema and hands each household to `worker`.
    public func run(rules: RuleSet, date: Day, worker screener: some HouseholdWorker) -> Result<ScreeningSummary, Failure> {
        var template = ScreeningSummary(rules: rules, date: date)
        screener.prepare(&template)
        var summary = template
        let out: OutputFile
        let rej: OutputFile
        do {
            out = try OutputFile(path: output, otherwise: 1)
            // Rejects never vanish: beside the output file, or on stderr when the output is stdout.
            let rejectsPath = rejects ?? output.map { ($0.hasSuffix(".csv") || $0.hasSuffix(".jsonl") ? String($0.prefix(upTo: $0.lastIndex(of: ".")!)) : $0) + ".rejects.csv" }
            rej = try OutputFile(path: rejectsPath, otherwise: 2)
        } catch let e as OutputFile.OpenError {
            return .failure(.write(e.message))
        } catch {
            return .failure(.write("\(error)"))
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        if bom { buffer += [0xEF, 0xBB, 0xBF] }
        buffer += screener.header
        var rejectBuffer: [UInt8] = []
        var rejectHeaderWritten = false
        func rejectHeader() {
            guard !rejectHeaderWritten else { return }
            rejectHeaderWritten = true
            if bom, rej.temporary != nil { rejectBuffer += [0xEF, 0xBB, 0xBF] }
            CSVWriter.appendRow(["row", "household_id", "field", "reason"], to: &rejectBuffer)
        }
        var grouper: HouseholdGrouper?
        var assembler: HouseholdAssembler?
        var headerError: String?
        var writeError: String?
        let reader = RosterReader(path: roster, encoding: encoding)
        let size = reader.size

        // Households wait in a batch that the workers assemble and screen side by side; results
        // are written in input order, so memory is bounded by the batch whatever the roster's size.
        var pending: [RawHousehold] = []
        pending.reserveCapacity(batchSize)
        func screenPending() {
            guard !pending.isEmpty, let assembler else { return }
            let parts = ParallelScreening.screen(pending, assembler: assembler, with: screener, jobs: jobs, template: template)
            for part in parts {
                buffer += part.bytes
                if !part.rejects.isEmpty {
                    rejectHeader()
                    for r in part.rejects { CSVWriter.appendRow([String(r.row), r.household, r.field, r.reason], to: &rejectBuffer) }
                }
                summary.merge(part.summary)
            }
            pending.removeAll(keepingCapacity: true)
            if buffer.count > 1 << 20, !out.write(&buffer) { writeError = "cannot write \(output ?? "stdout")" }
            if rejectBuffer.count > 1 << 16, !rej.write(&rejectBuffer) { writeError = "cannot write \(rejects ?? "the rejects")" }
        }

        func handle(_ raw: RawHousehold?) {
            guard let raw else { return }
            pending.append(raw)
            if pending.count >= batchSize { screenPending() }
        }

        var rowsRead = 0
        let format = RosterFormat(path: roster)
        if format == .jsonl { assembler = HouseholdAssembler(schema: rules.schema, columns: nil, source: roster) }
        func takeRecord(_ record: CSVRecord) {
            guard headerError == nil, writeError == nil else { return }
            if grouper == nil {
                switch RosterColumns.resolve(record.fields, schema: rules.schema) {
                case .success(let columns):
                    grouper = HouseholdGrouper(columns: columns)
                    assembler = HouseholdAssembler(schema: rules.schema, columns: columns, source: roster)
                case .failure(.noHouseholdID(let s)):
                    headerError = "the header has no household id column (household_id or 户编号)" + (s.map { "; did you mean `\($0)`?" } ?? "")
                case .failure(.duplicate(let names)):
                    headerError = "two columns hold the same field: \(names)"
                }
                return
            }
            rowsRead += 1
            handle(grouper!.add(record))
        }
        func takeDocument(_ line: Int, _ text: String) {
            guard writeError == nil else { return }
            rowsRead += 1
            handle(RawHousehold(id: "", rows: [(line, [])], rejects: [], document: text))
        }
        let onProgress: (Int) -> Void = { bytes in progress?(bytes, rowsRead, size) }
        // What was read, named as the summary names it (the encoding, or the file kind).
        let read: Result<String, Failure>
        switch format {
        case .csv: read = reader.read(progress: onProgress, takeRecord).map(\.rawValue).mapError { .read($0) }
        case .jsonl: read = reader.readLines(progress: onProgress, takeDocument).map { _ in "utf8" }.mapError { .read($0) }
        case .xlsx: read = XLSXReader(path: roster, sheet: sheet).read(takeRecord).map { "xlsx" }.mapError { .workbook($0.description) }
        }
        // A header that cannot be used, or a cut-off file: nothing is written under the final names.
        func fail(_ failure: Failure) -> Result<ScreeningSummary, Failure> {
            out.discard()
            rej.discard()
            return .failure(failure)
        }
        if let headerError { return fail(.header(headerError)) }
        switch read {
        case .failure(let e): return fail(e)
        case .success(let name): summary.encoding = name
        }
        if var g = grouper { handle(g.finish()) }
        summary.linesAreHouseholds = format == .jsonl
        screenPending()
        if let writeError { return fail(.write(writeError)) }
        if rej.temporary != nil { rejectHeader() }
        guard out.write(&buffer), rej.write(&rejectBuffer), out.commit(), rej.commit() else {
            return .failure(.write("cannot finish writing the outputs"))
        }
        if let path = summaryPath {
            let text = summaryJSON(summary).serialized(pretty: true) + "\n"
            if case .failure(let e) = FileBytes.writeAtomically(Array(text.utf8), to: path) { return .failure(.write(e.description)) }
        }
        return .success(summary)
    }
}
