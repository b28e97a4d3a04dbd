#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PolicyExpr
import RosterScreening
import RuleCompiler
import SourceDiagnostics
import Synchronization

/// POST /v1/screen: a roster uploaded as the body (CSV in UTF-8 or GB18030, XLSX, or JSONL),
/// screened by the same job as `huimin screen`. The upload is a file without a name in the
/// server's private folder (`UploadSpool`), held open only while it is screened; the results are
/// removed before the answer leaves.
final class RosterUpload: Sendable {
    let jobs: Int?
    let spool: UploadSpool
    /// One roster at a time: each already uses every core, and memory stays bounded.
    private let gate = Mutex(())

    init(jobs: Int?, spool: UploadSpool) {
        self.jobs = jobs
        self.spool = spool
    }

    static let spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    func screen(_ r: ServiceRequest, rules: RuleSet) throws(ServiceError) -> ServiceResponse {
        let day = try API.date(r)
        let policies = try API.policies(r, rules)
        let format = try API.choice(r, "format", default: "json", among: ["json", "csv"])
        let explain = try API.flag(r, "explain")
        let encoding = try API.choice(r, "encoding", default: "auto", among: RosterEncoding.allCases.map(\.rawValue))
        let layout = try Self.layout(r.value("layout"), rules, format: format)
        guard !r.body.isEmpty else { throw ServiceError(400, "request.empty-body", "the body is empty: send the roster file itself as the body") }
        let ext = try Self.kind(r)

        return try gate.withLock { _ throws(ServiceError) in
            let dir = try spool.folder()
            defer { dir.remove() }
            let roster = dir.path + "/roster." + ext
            let out = dir.path + "/results.csv"
            let rejects = dir.path + "/rejects.csv"
            let held = try dir.anonymousFile(named: "roster." + ext, holding: r.body)
            defer { close(held) }
            var job = ScreeningJob(roster: roster)
            job.output = out
            job.rejects = rejects
            job.encoding = RosterEncoding(rawValue: encoding)!
            job.sheet = r.value("sheet")
            job.bom = format == "csv"
            if let jobs { job.jobs = jobs }
            job.options.format = .csv
            job.options.layout = layout
            job.options.explain = explain
            job.options.policies = policies
            let summary: ScreeningSummary
            switch job.run(rules: rules, date: day) {
            case .failure(let e):
                // The job's messages name columns and rows, never a cell's value; the path is ours.
                throw ServiceError(422, "roster.unreadable", e.description.replacing(roster, with: "the roster").replacing(dir.path, with: "the upload"))
            case .success(let s): summary = s
            }
            if format == "csv" {
                // The rows that could not be screened are counted here; ask for JSON to read why.
                return ServiceResponse(
                    contentType: "text/csv; charset=utf-8", body: Self.read(out),
                    headers: [
                        ("Content-Disposition", "attachment; filename=\"huimin-\(day).csv\""),
                        ("X-Huimin-Rows", String(summary.rows)), ("X-Huimin-Rejected-Rows", String(summary.rejectedRows)),
                    ])
            }
            // The results as the CSV has them, a row an object keyed by its columns (empty cells null).
            var w = JSONWriter(capacity: 1 << 16)
            w.object { w in
                w.key("summary"); summary.json.write(to: &w)
                w.key("results")
                w.array { w in
                    Self.forEachRow(out) { row in
                        w.object { w in for (column, cell) in row { w.key(column); w.string(cell) } }
                    }
                }
                w.key("rejects")
                w.array { w in
                    Self.forEachRow(rejects) { row in
                        w.object { w in
                            w.key("row")
                            if let n = Int(row[0].1 ?? "") { w.int(n) } else { w.string(row[0].1 ?? "") }
                            w.key("household"); w.string(row[1].1 ?? "")
                            w.key("field"); w.string(row[2].1 ?? "")
                            w.key("reason"); w.string(row[3].1 ?? "")
                        }
                    }
                }
            }
            return .json(bytes: w.bytes)
        }
    }

    /// The file kind: from the media type, else from the first bytes (a zip is a workbook).
    static func kind(_ r: ServiceRequest) throws(ServiceError) -> String {
        switch r.contentType {
        case "text/csv", "application/csv": return "csv"
        case spreadsheet: return "xlsx"
        case "application/x-ndjson", "application/jsonl", "application/x-jsonlines": return "jsonl"
        case nil, "application/octet-stream", "text/plain":
            if r.body.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return "xlsx" }
            if r.body.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "{") { return "jsonl" }
            return "csv"
        case "multipart/form-data":
            throw ServiceError(415, "request.unsupported-media-type", "send the roster file itself as the body (text/csv, \(spreadsheet) or application/x-ndjson), not a form")
        case let other?:
            throw ServiceError(415, "request.unsupported-media-type", "a roster is text/csv, \(spreadsheet) or application/x-ndjson, not \(other)")
        }
    }

    /// JSON rows are in the long layout unless another is named, so their keys do not depend on the rules;
    /// a CSV file follows the rules' default layout, as `huimin screen` does.
    static func layout(_ name: String?, _ rules: RuleSet, format: String) throws(ServiceError) -> ScreeningOptions.Layout {
        switch ScreeningOptions.Layout.named(name ?? (format == "csv" ? nil : "long"), in: rules) {
        case .success(let layout): return layout
        case .failure(let unknown): throw ServiceError(400, "request.bad-parameter", unknown.message)
        }
    }

    static func read(_ path: String) -> [UInt8] {
        guard case .success(let file) = SourceFile.load(path: path, maxBytes: Int.max) else { return [] }
        return file.bytes
    }

    /// A CSV file written by the job, row by row, each cell with its column's name (nil when empty).
    static func forEachRow(_ path: String, _ body: ([(String, String?)]) -> Void) {
        var header: [String]?
        _ = RosterReader(path: path, encoding: .utf8).read { record in
            guard let names = header else { header = record.fields; return }
            body(names.indices.map { i in (names[i], i < record.fields.count && !record.fields[i].isEmpty ? record.fields[i] : nil) })
        }
    }
}
