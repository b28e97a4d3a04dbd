import FuzzSupport
import PolicyExpr
import RosterScreening
import RuleCompiler

/// The roster readers with household assembly: the input is a roster screened on the bundled
/// rules by `ScreeningJob`, as `huimin screen` does, into files of a scratch folder.
///
/// Input: byte 0 is the kind — bits 0–1: 0 CSV, 1 JSONL, 2 an .xlsx file as it is, 3 a sheet's
/// XML (then, after a NUL byte, the shared strings' XML) put into a workbook; bit 3 the wide
/// layout (one row a person; else long). Byte 1 is the chunk size less one (1–256 bytes are
/// read at a time, so rows and quotes meet chunk edges). The rest is the file.
/// Oracles: no crash, hang or runaway memory; a failed run leaves no file but the roster (no
/// output, no rejects, no partial file); a run that succeeds reconciles (every row is a person
/// decided or a rejected row) and leaves exactly the output and the rejects; in the wide layout
/// the output has a row for each person decided; a CSV screened by the batch evaluator and
/// one household at a time gives the same outcome, the same output and rejects bytes and the
/// same counts.
enum FuzzRoster {
    static let folder = ScratchFolder("roster")

    struct Run {
        let outcome: String
        let summary: ScreeningSummary?
        let output: [UInt8]?
        let rejects: [UInt8]?
    }

    static func run(_ input: [UInt8]) {
        let kind = (input.first ?? 0) & 3
        let wide = (input.first ?? 0) & 8 != 0
        let chunk = Int(input.count > 1 ? input[1] : 0) + 1
        let file = input.dropFirst(2)
        folder.clear()
        let roster: String
        switch kind {
        case 0: roster = "roster.csv"; folder.write(Array(file), to: roster)
        case 1: roster = "roster.jsonl"; folder.write(Array(file), to: roster)
        case 2: roster = "roster.xlsx"; folder.write(Array(file), to: roster)
        default: roster = "roster.xlsx"; folder.write(FuzzWorkbook.make(file), to: roster)
        }
        let batch = screen(roster, output: "batch", batch: true, wide: wide, chunk: chunk)
        guard kind == 0 else { return }
        let rows = screen(roster, output: "rows", batch: false, wide: wide, chunk: chunk)
        agree(batch, rows)
    }

    /// Screens `roster` into `<output>.csv` and `<output>.rejects.csv`, checks what the run left,
    /// and removes it.
    static func screen(_ roster: String, output: String, batch: Bool, wide: Bool, chunk: Int) -> Run {
        var job = ScreeningJob(roster: folder.path + "/" + roster)
        job.output = folder.path + "/" + output + ".csv"
        job.jobs = 1
        job.batchSize = 3  // small batches: households meet batch edges often
        job.chunkSize = chunk
        job.batchEvaluation = batch
        job.options.layout = wide ? .wide : .long
        let result = job.run(rules: FuzzFixtures.rules, date: FuzzFixtures.date)
        let left = folder.names().filter { $0 != roster }
        defer { for name in left { folder.remove(name) } }
        let path = batch ? "batch path" : "row path"
        switch result {
        case .failure(let failure):
            Oracle.expect(left.isEmpty, "the \(path) failed (\(failure)) yet left \(left)")
            return Run(outcome: "failed: \(failure)", summary: nil, output: nil, rejects: nil)
        case .success(let summary):
            let expected = [output + ".csv", output + ".rejects.csv"]
            Oracle.expect(left == expected, "the \(path) succeeded and left \(left), not \(expected)")
            Oracle.expect(summary.reconciles, "the \(path) does not reconcile: \(summary.rows) rows, \(summary.persons) persons decided, \(summary.rejectedRows) rows rejected (\(summary.households) households, \(summary.rejectedHouseholds) rejected)")
            let out = folder.read(expected[0]) ?? []
            if wide {
                let records = CSVRecordCount.of(out) - 1
                Oracle.expect(records == summary.persons, "the \(path)'s wide output has \(records) rows for \(summary.persons) persons decided")
            }
            return Run(outcome: "screened", summary: summary, output: out, rejects: folder.read(expected[1]))
        }
    }

    /// The batch evaluator may only decline a household, never decide it differently.
    static func agree(_ batch: Run, _ rows: Run) {
        Oracle.expect(batch.outcome == rows.outcome, "batch and row by row differ: \(batch.outcome) vs \(rows.outcome)")
        guard let a = batch.summary, let b = rows.summary else { return }
        Oracle.expect(batch.output == rows.output, "batch and row by row wrote different results:\n--- batch\n\(text(batch.output))\n--- row by row\n\(text(rows.output))")
        Oracle.expect(batch.rejects == rows.rejects, "batch and row by row wrote different rejects:\n--- batch\n\(text(batch.rejects))\n--- row by row\n\(text(rows.rejects))")
        Oracle.expect(counts(a) == counts(b), "batch and row by row count differently: \(counts(a)) vs \(counts(b))")
    }

    static func counts(_ s: ScreeningSummary) -> String {
        let tallies = s.policies.map { "\($0.policy) \($0.eligible)/\($0.ineligible)/\($0.undetermined) \($0.total.decimalString(places: 6)) \($0.eligibleNotReceiving.count)/\($0.receivingNotEligible.count)" }
        return "rows \(s.rows) households \(s.households) persons \(s.persons) rejected \(s.rejectedRows)/\(s.rejectedHouseholds) encoding \(s.encoding); " + tallies.joined(separator: "; ")
    }

    static func text(_ bytes: [UInt8]?) -> String { String(decoding: (bytes ?? []).prefix(2000), as: UTF8.self) }
}

/// Records in CSV text written by huimin: line breaks inside quotes do not end one.
enum CSVRecordCount {
    static func of(_ bytes: [UInt8]) -> Int {
        var quoted = false
        var records = 0
        var inRecord = false
        for b in bytes {
            if b == 0x22 { quoted.toggle() }
            if b == 0x0A, !quoted {
                records += 1
                inRecord = false
            } else if b != 0x0D {
                inRecord = true
            }
        }
        return records + (inRecord ? 1 : 0)
    }
}

@_cdecl("FuzzRoster_main")
func fuzzRosterMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    _ = FuzzFixtures.rules
    return FuzzDriver.run(argc, argv) { data, size in
        FuzzRoster.run(FuzzDriver.bytes(data, size))
        return 0
    }
}
