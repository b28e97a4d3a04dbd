#if canImport(Glibc)
import Glibc
#endif
import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// A whole roster: read, assembled into households, screened, written. Results, rejects and
/// summary go to temporary files committed together at the end (`OutputSet`), so an interrupted
/// run never leaves a half file, nor one of an older run beside this one's.
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
    /// Told, as the roster is read: the bytes read, the rows read, the households decided so
    /// far (or rejected), and the roster's size in bytes when known.
    public var progress: ((_ bytes: Int, _ rows: Int, _ households: Int, _ size: Int?) -> Void)?
    /// Workers screening households side by side (default: every core).
    public var jobs = ParallelScreening.cores
    /// Households per batch handed to the workers.
    public var batchSize = 2048
    /// Bytes of the roster read at a time (tests read in small chunks, so that households and
    /// quotes meet chunk edges often).
    public var chunkSize = RosterReader.chunkSize
    /// Whether a CSV roster may be decided by the batch evaluator (false: always one household
    /// at a time). Both give the same output; the row path is the reference.
    public var batchEvaluation = true
    /// Whether the roster is known to be whole (`--file-complete`). Otherwise a CSV roster whose
    /// last row, or a JSONL roster whose last line, has no line break after it may have been cut
    /// off there, and that household is refused (`RosterRefusal.cutOff`).
    public var fileComplete = false

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
        let outputs: OutputSet
        switch openOutputs() {
        case .success(let set): outputs = set
        case .failure(let e): return .failure(e)
        }
        let out = outputs.results, rej = outputs.rejects
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
        var reader = RosterReader(path: roster, encoding: encoding)
        reader.chunkSize = chunkSize
        let size = reader.size

        // Households wait in a batch that the workers assemble and screen side by side; results
        // are written in input order, so memory is bounded by the batch whatever the roster's size.
        var pending: [RawHousehold] = []
        pending.reserveCapacity(batchSize)
        func take(_ parts: [ParallelScreening.Part]) {
            for part in parts {
                if part.bytes.count >= 1 << 16, writeError == nil {
                    // A big part goes out as it is, after what is waiting: no copy into the buffer.
                    if !out.write(&buffer) || !out.write(contentsOf: part.bytes) { writeError = "cannot write \(output ?? "stdout")" }
                } else {
                    buffer += part.bytes
                }
                if !part.rejects.isEmpty {
                    rejectHeader()
                    for r in part.rejects { CSVWriter.appendRow([String(r.row), r.household, r.field, r.reason], to: &rejectBuffer) }
                }
                summary.merge(part.summary)
            }
            if buffer.count > 1 << 20, !out.write(&buffer) { writeError = "cannot write \(output ?? "stdout")" }
            if rejectBuffer.count > 1 << 16, !rej.write(&rejectBuffer) { writeError = "cannot write \(rejects ?? "the rejects")" }
        }
        func screenPending() {
            guard !pending.isEmpty, let assembler else { return }
            take(ParallelScreening.screen(pending, assembler: assembler, with: screener, jobs: jobs, template: template))
            pending.removeAll(keepingCapacity: true)
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
                if record.undecodable != nil {
                    headerError = "the header (line \(record.line)) is not UTF-8: save the whole file in one encoding (UTF-8, or GB18030 with --encoding gb18030)"
                    return
                }
                switch RosterColumns.resolve(record.fields, schema: rules.schema) {
                case .success(let columns):
                    grouper = HouseholdGrouper(columns: columns)
                    assembler = HouseholdAssembler(schema: rules.schema, columns: columns, source: roster)
                case .failure(.noHouseholdID(let s)):
                    // A header cell is a resident's value when the header is not the first row.
                    let shown = s.flatMap { QuotedValue.isQuotable($0, choices: ["household_id"]) ? $0 : nil }
                    headerError = "the header has no household id column (household_id or 户编号)" + (shown.map { "; did you mean `\($0)`?" } ?? "")
                case .failure(.duplicate(let names)):
                    headerError = "two columns hold the same field: \(names)"
                }
                return
            }
            rowsRead += 1
            handle(grouper!.add(record))
        }
        func takeDocument(_ line: RosterReader.Line) {
            guard writeError == nil else { return }
            rowsRead += 1
            var raw = RawHousehold(id: "", rows: [(line.number, [])], rejects: [], document: line.text)
            if !line.isUTF8 { raw.undecodable = [(line.number, nil)] }
            if !line.terminated, !fileComplete { raw.cutOffLine = line.number }
            handle(raw)
        }
        // A CSV roster is read into rows of bytes. When the rules and the output allow, whole
        // batches of households are decided by the batch evaluator; otherwise each row becomes a
        // record for the path above.
        let plan = format == .csv && batchEvaluation ? (screener as? HouseholdScreener).flatMap { _ in BatchPlan.make(rules: rules, on: date) } : nil
        var batchPath: BatchScreening?
        var rows = CSVRows()
        var rowParser = CSVRowParser()
        var finished = FinishedHouseholds()
        // Batches alternate between two sets of per-worker contexts: while the workers decide
        // one batch, this thread reads and groups the next.
        let contexts = (0..<(2 * max(1, jobs))).map { _ in BatchScreening.Contexts() }
        var underWay: PendingParts?
        var batches = 0
        /// Hands a batch of `count` households (`rowCount` rows) to the workers, where `screen`
        /// decides households `range` with the contexts given, then takes the batch before it.
        func dispatch(_ count: Int, rows rowCount: Int, final: Bool,
                      _ screen: @escaping @Sendable (Range<Int>, BatchScreening.Contexts, inout ParallelScreening.Part) -> Void) {
            let set = (batches % 2) * max(1, jobs)
            batches += 1
            let next = PendingParts(count, jobs: jobs, template: template) { range, w, part in screen(range, contexts[set + w], &part) }
            if let underWay { take(underWay.finish()) }
            rowsRead += rowCount
            underWay = next
            if final {
                take(next.finish())
                underWay = nil
            }
        }
        func screenRows(final: Bool) {
            guard let batchPath else { return }
            let cutOff = final && rowParser.endedWithoutLineBreak && !fileComplete
            let (groups, taken) = batchPath.group(rows, final: final, cutOff: cutOff, finished: &finished)
            let head = rows.split(at: taken) { rowParser.shift($0) }
            dispatch(groups.count, rows: head.count, final: final) { range, contexts, part in
                batchPath.screen(head, groups[range], contexts: contexts, into: &part)
            }
        }
        func takeRows(final: Bool) {
            if grouper == nil, headerError == nil, rows.count > 0 {
                takeRecord(rows.record(0))
                _ = rows.split(at: 1) { rowParser.shift($0) }
                if let grouper, let assembler, let hs = screener as? HouseholdScreener {
                    batchPath = BatchScreening(plan: plan, screener: hs, columns: grouper.columns, assembler: assembler)
                }
            }
            guard headerError == nil, writeError == nil else { return }
            if batchPath != nil {
                // Batches of 4,096 rows: with every text (1.9 KB a person) two batches in flight
                // take 90 MB, not 180 MB at 8,192 rows, and the texts are a little faster for it.
                if final || rows.count >= batchSize * 2 { screenRows(final: final) }
            } else if grouper != nil {
                for r in 0..<rows.count { takeRecord(rows.record(r)) }
                _ = rows.split(at: rows.count) { rowParser.shift($0) }
            }
        }
        // Past the header, text without quotes is cut into households by its line breaks and
        // household ids alone, and the workers read the fields: `text` holds what is not cut
        // yet, from a row's start on line `textLine`. The first quote (or lone CR) hands the
        // rest to the row parser on this thread.
        var cutting = false
        var text: [UInt8] = []
        var textLine = 1
        func cutText(final: Bool) {
            guard let batchPath else { return }
            guard let cut = text.withUnsafeBufferPointer({ batchPath.cut($0, line: textLine, final: final, complete: fileComplete, finished: &finished) }) else {
                cutting = false
                rowParser = CSVRowParser(line: textLine)
                text.withUnsafeBufferPointer { rowParser.feed($0, into: &rows) }
                text = []
                takeRows(final: false)
                return
            }
            guard !cut.groups.isEmpty else { return }
            let bytes = text
            text = Array(text[cut.taken...])
            textLine = cut.nextLine
            let rows = cut.rows(bytes)
            dispatch(cut.groups.count, rows: cut.groups.reduce(0) { $0 + Int($1.count) }, final: final) { range, contexts, part in
                batchPath.screen(rows, cut.groups[range], contexts: contexts, into: &part)
                part.summary.cutRows += cut.groups[range].reduce(0) { $0 + Int($1.count) }
            }
        }
        /// A chunk of the text; while cutting, it begins with what `text` kept of the one before.
        func takeChunk(_ chunk: [UInt8]) {
            guard headerError == nil, writeError == nil else { return }
            if cutting {
                text = chunk
                cutText(final: false)
                return
            }
            var rest = chunk[...]
            if grouper == nil, plan != nil {
                // The header by itself, line by line: then the rows after it may be cut.
                while grouper == nil, headerError == nil, let lf = rest.firstIndex(of: 10), !rest[...lf].contains(34) {
                    rest[...lf].withUnsafeBufferPointer { rowParser.feed($0, into: &rows) }
                    rest = rest[(lf + 1)...]
                    takeRows(final: false)
                }
                if batchPath != nil, rows.count == 0, rowParser.atRowStart {
                    cutting = true
                    textLine = rowParser.nextLine
                    text = Array(rest)
                    cutText(final: false)
                    return
                }
            }
            rest.withUnsafeBufferPointer { rowParser.feed($0, into: &rows) }
            takeRows(final: false)
        }
        let onProgress: (Int) -> Void = { bytes in progress?(bytes, rowsRead, summary.households + summary.rejectedHouseholds, size) }
        // What was read, named as the summary names it (the encoding, or the file kind).
        let read: Result<String, Failure>
        switch format {
        case .csv:
            read = reader.readChunks(progress: onProgress, carrying: { cutting ? text[...] : [] }, takeChunk).flatMap { (used: RosterEncoding) -> Result<RosterEncoding, RosterReader.ReadError> in
                if cutting, headerError == nil, writeError == nil { cutText(final: true) }
                if let e = rowParser.finish(into: &rows) { return .failure(.malformed(e)) }
                takeRows(final: true)
                return .success(used)
            }.map(\RosterEncoding.rawValue).mapError { .read($0) }
        case .jsonl: read = reader.readLines(progress: onProgress, takeDocument).map { _ in "utf8" }.mapError { .read($0) }
        case .xlsx: read = XLSXReader(path: roster, sheet: sheet).read(takeRecord).map { "xlsx" }.mapError { .workbook($0.description) }
        }
        // A read that stopped early leaves the last batch's workers to be waited for.
        if let pending = underWay {
            take(pending.finish())
            underWay = nil
        }
        // A header that cannot be used, or a cut-off file: nothing is written under the final names.
        func fail(_ failure: Failure) -> Result<ScreeningSummary, Failure> {
            outputs.discard()
            return .failure(failure)
        }
        if let headerError { return fail(.header(headerError)) }
        switch read {
        case .failure(let e): return fail(e)
        case .success(let name): summary.encoding = name
        }
        if var g = grouper, var last = g.finish() {
            // The file's last row ends this household: without a line break, it may be cut off.
            if rowParser.endedWithoutLineBreak, !fileComplete { last.cutOffLine = last.rows.last?.line }
            handle(last)
        }
        summary.linesAreHouseholds = format == .jsonl
        screenPending()
        if let writeError { return fail(.write(writeError)) }
        // The bar's last word: the whole roster, every row and household.
        progress?(size ?? 0, summary.rows, summary.households + summary.rejectedHouseholds, size)
        if rej.temporary != nil { rejectHeader() }
        // The summary is written last, and renamed last: it marks the set whole.
        var summaryBytes = outputs.summary == nil ? [] : Array((summaryJSON(summary).serialized(pretty: true) + "\n").utf8)
        guard out.write(&buffer), rej.write(&rejectBuffer), outputs.summary?.write(&summaryBytes) ?? true, outputs.commit() else {
            outputs.discard()
            return .failure(.write("cannot finish writing the outputs"))
        }
        return .success(summary)
    }

    /// The results (stdout without `--out`), the rejects (named, beside the results, or stderr
    /// when the results are stdout: rejects never vanish) and the summary when named, as one set.
    func openOutputs() -> Result<OutputSet, Failure> {
        var opened: [OutputFile] = []
        do {
            let rejectsPath = rejects ?? output.map { ($0.hasSuffix(".csv") || $0.hasSuffix(".jsonl") ? String($0.prefix(upTo: $0.lastIndex(of: ".")!)) : $0) + ".rejects.csv" }
            let out = try OutputFile(path: output, otherwise: 1, reading: roster)
            opened.append(out)
            let rej = try OutputFile(path: rejectsPath, otherwise: 2, reading: roster)
            opened.append(rej)
            let sum = try summaryPath.map { try OutputFile(path: $0, otherwise: -1, reading: roster) }
            return .success(try OutputSet(results: out, rejects: rej, summary: sum))
        } catch {
            // What was opened before the failure leaves no temporary.
            for file in opened { file.discard() }
            switch error {
            case let e as OutputFile.OpenError: return .failure(.write(e.message))
            case let e as OutputSet.SamePathError: return .failure(.write(e.message))
            default: return .failure(.write("\(error)"))
            }
        }
    }
}
