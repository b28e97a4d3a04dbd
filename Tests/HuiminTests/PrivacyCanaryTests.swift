import Foundation
import PolicyExpr
import RuleCompiler
import Testing

/// Names, phone numbers and ID numbers planted in every column of a roster (CSV and JSONL) and in
/// every field of a household (JSON and YAML), through the real binary: none may come back in
/// stderr, a rejects file or a summary. Ids are output by design: a canary planted as a household
/// or member id may stand in the results' `household_id` and `subject` columns and in the rejects'
/// `household_id` column, as itself and nowhere else. Values read as data (13800138000 as an
/// amount of deposits) may stand in `check`'s answer; the name canaries never do (names are masked).
/// Not covered here: XLSX (the project has no workbook writer to build one with; its cells reach
/// the same assembler as CSV cells), and the server's logs (ServerTests).
@Suite("privacy canaries through the binary", .serialized)
struct PrivacyCanaryTests {
    static let canaries = ["测试甲乙", "王小明", "13800138000", "110101199003071233", "11010119900307123X"]
    static let schema = Repo.bundledRules.schema
    static let on = "2023-12-01"

    /// A roster column: its header, the field it fills, and whether it is a household or member id.
    struct Column {
        let header: String
        let field: FieldSpec
        let level: FieldLevel
        var isID: Bool
    }

    /// Every roster column the schema has, by key (`household_id`, `person_id`, `incomes_wage`).
    static let columns: [Column] = {
        let c = schema.conventions
        var out: [Column] = []
        for (level, fields) in [(FieldLevel.household, schema.household), (.person, schema.person)] {
            for f in fields {
                if case .moneyByKind(let kinds, _) = f.kind {
                    out += kinds.map { Column(header: "\(f.key)_\($0)", field: f, level: level, isID: false) }
                    continue
                }
                let isID = f.key == (level == .household ? c.householdID : c.personID)
                out.append(Column(header: isID ? (level == .household ? "household_id" : "person_id") : f.key, field: f, level: level, isID: isID))
            }
        }
        return out
    }()

    /// A valid cell for `column` on member `member` (0 the head) of household `h`.
    static func base(_ column: Column, household h: Int, member: Int) -> String {
        if column.isID { return column.level == .household ? "H\(h)" : "H\(h)P\(member + 1)" }
        switch column.field.kind {
        case .bool: return "否"
        case .int, .decimal, .money, .moneyByKind: return "0"
        case .date: return "1980-03-15"
        case .text, .idNumber: return ""
        case .region: return "420102"
        case .enumeration(let e): return column.field.key == schema.conventions.relation ? (member == 0 ? "head" : "spouse") : e.values[0]
        case .enumList: return "无"
        }
    }

    /// One household a column: household `k` holds `canary` in column `k` on its second row (in
    /// both rows for the household id, so that it stays one household).
    static func roster(_ canary: String) -> String {
        var lines = [columns.map(\.header).joined(separator: ",")]
        for (k, planted) in columns.enumerated() {
            for member in 0..<2 {
                lines.append(columns.map { c in
                    c.header == planted.header && (member == 1 || c.isID && c.level == .household) ? canary : base(c, household: k, member: member)
                }.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rows the reader cannot take as they are, each with the canary in it.
    static func malformed(_ canary: String) -> [(String, String)] {
        let header = columns.map(\.header).joined(separator: ",")
        let good = columns.map { base($0, household: 1, member: 0) }.joined(separator: ",")
        return [
            ("too many fields", "\(header)\n\(good),\(canary)\n"),
            ("too few fields", "\(header)\nH1,\(canary)\n"),
            ("an unclosed quote", "\(header)\n\(good)\nH2,\"\(canary),1\n"),
            ("no header: the first row is data", "\(columns.map { $0.isID ? canary : base($0, household: 1, member: 0) }.joined(separator: ","))\n\(good)\n"),
            ("a quoted cell with a line break", "\(header)\nH1,\"\(canary)\n\(canary)\"\n"),
        ]
    }

    /// Why `text` breaks the rule: where the canary stands outside a place an id may be. nil when it is clean.
    /// In the id columns a cell may be the canary itself, and elsewhere a member may be named by
    /// its id (`members[H1P2].birth_date` in the results' `missing`).
    static func leak(_ text: String, _ canary: String, idColumns: Set<Int> = []) -> String? {
        let text = idColumns.isEmpty ? text : text.replacingOccurrences(of: "members[\(canary)]", with: "members[…]")
        guard text.contains(canary) else { return nil }
        for line in text.split(separator: "\n") where line.contains(canary) {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            let allowed = cells.indices.allSatisfy { i in !cells[i].contains(canary) || idColumns.contains(i) && cells[i] == canary }
            if !allowed { return String(line.prefix(300)) }
        }
        return nil
    }

    /// A string of the summary that holds the canary, other than a subject (an id) of a 政策找人 list.
    static func summaryLeak(_ text: String, _ canary: String) -> String? {
        guard text.contains(canary) else { return nil }
        guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return "not JSON: \(text.prefix(200))" }
        func walk(_ v: Any, key: String) -> String? {
            switch v {
            case let s as String: return s.contains(canary) && !(key == "subjects" && s == canary) ? s : nil
            case let a as [Any]: return a.lazy.compactMap { walk($0, key: key) }.first
            case let o as [String: Any]: return o.lazy.compactMap { k, v in k.contains(canary) ? k : walk(v, key: k) }.first
            default: return nil
            }
        }
        return walk(json, key: "")
    }

    /// The three ways a roster is screened, and what each leaves.
    static func screenEveryWay(_ roster: URL, _ canary: String, in dir: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var rejects: [String] = []
        for way in ["batch", "row-by-row"] {
            let out = dir.appendingPathComponent("\(way).csv").path, summary = dir.appendingPathComponent("\(way).json").path
            let r = try CLITests.run(["screen", roster.path, "--on", on, "--out", out, "--summary", summary] + (way == "batch" ? [] : ["--row-by-row"]))
            #expect(leak(r.stderr, canary) == nil, "stderr (\(way)): \(leak(r.stderr, canary) ?? "")", sourceLocation: sourceLocation)
            #expect(leak(r.stdout, canary) == nil, "stdout (\(way))", sourceLocation: sourceLocation)
            let results = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            let rejected = (try? String(contentsOfFile: dir.appendingPathComponent("\(way).rejects.csv").path, encoding: .utf8)) ?? ""
            let summed = (try? String(contentsOfFile: summary, encoding: .utf8)) ?? ""
            #expect(leak(results, canary, idColumns: [0, 1]) == nil, "results (\(way)): \(leak(results, canary, idColumns: [0, 1]) ?? "")", sourceLocation: sourceLocation)
            #expect(leak(rejected, canary, idColumns: [1]) == nil, "rejects (\(way)): \(leak(rejected, canary, idColumns: [1]) ?? "")", sourceLocation: sourceLocation)
            #expect(summaryLeak(summed, canary) == nil, "summary (\(way)): \(summaryLeak(summed, canary) ?? "")", sourceLocation: sourceLocation)
            rejects.append(rejected)
        }
        #expect(rejects[0] == rejects[1], "batch and row-by-row rejects differ", sourceLocation: sourceLocation)
        // Without --out: results on stdout, rejects and the summary line on stderr.
        let r = try CLITests.run(["screen", roster.path, "--on", on])
        #expect(leak(r.stdout, canary, idColumns: [0, 1]) == nil, "stdout: \(leak(r.stdout, canary, idColumns: [0, 1]) ?? "")", sourceLocation: sourceLocation)
        #expect(leak(r.stderr, canary, idColumns: [1]) == nil, "stderr: \(leak(r.stderr, canary, idColumns: [1]) ?? "")", sourceLocation: sourceLocation)
    }

    /// The reproducers of issue 20: names in the relation column, ID numbers in a money column.
    @Test("the reproducers: names and ID numbers in the wrong column", arguments: [
        ("roster-names-in-relation-column-privacy.csv", ["测试甲乙", "测试丙丁"]),
        ("roster-ids-in-money-column-privacy.csv", ["110101199003071233", "110101199003075672", "测试甲乙"]),
    ])
    func reproducers(file: String, planted: [String]) throws {
        let roster = URL(fileURLWithPath: Repo.fixtures + "/repro/" + file)
        for canary in planted {
            try Repo.withTemporaryDirectory("canary-repro") { dir in try Self.screenEveryWay(roster, canary, in: dir) }
        }
        let r = try CLITests.run(["screen", roster.path, "--on", Self.on])
        #expect(r.stderr.contains("所填的值（"), "the reasons describe the cell: \(r.stderr.prefix(300))")
    }

    @Test("a canary in every column of a CSV roster", arguments: canaries)
    func csvColumns(canary: String) throws {
        try Repo.withTemporaryDirectory("canary-csv") { dir in
            let file = dir.appendingPathComponent("roster.csv")
            try Self.roster(canary).write(to: file, atomically: true, encoding: .utf8)
            try Self.screenEveryWay(file, canary, in: dir)
        }
    }

    @Test("a canary in malformed CSV rows", arguments: canaries)
    func malformedRows(canary: String) throws {
        for (name, text) in Self.malformed(canary) {
            try Repo.withTemporaryDirectory("canary-bad") { dir in
                let roster = dir.appendingPathComponent("roster.csv")
                try text.write(to: roster, atomically: true, encoding: .utf8)
                try Self.screenEveryWay(roster, canary, in: dir)
                _ = name
            }
        }
    }

    @Test("a canary in every field of a JSONL roster, and as a key", arguments: canaries)
    func jsonlFields(canary: String) throws {
        let lines = HouseholdDocuments.all(canary).map { String(decoding: try! JSONSerialization.data(withJSONObject: $0.document, options: [.sortedKeys]), as: UTF8.self) }
            + ["{\"id\": \"\(canary)\", \"members\": [", canary, "[\"\(canary)\"]"]
        try Repo.withTemporaryDirectory("canary-jsonl") { dir in
            let roster = dir.appendingPathComponent("roster.jsonl")
            try (lines.joined(separator: "\n") + "\n").write(to: roster, atomically: true, encoding: .utf8)
            try Self.screenEveryWay(roster, canary, in: dir)
        }
    }

    /// `huimin check` on a household with the canary in one field, as JSON and as YAML: the
    /// name and ID canaries in every field; all five in JSON.
    @Test("a canary in every field of a household for huimin check", arguments: canaries)
    func checkFields(canary: String) throws {
        let formats = canary == "测试甲乙" || canary == "110101199003071233" ? ["json", "yaml"] : ["json"]
        try Repo.withTemporaryDirectory("canary-check") { dir in
            for planted in HouseholdDocuments.all(canary) {
                for format in formats {
                    let file = dir.appendingPathComponent("h.\(format)")
                    try HouseholdDocuments.text(planted.document, format: format).write(to: file, atomically: true, encoding: .utf8)
                    let r = try CLITests.run(["check", file.path, "--on", Self.on])
                    #expect(Self.leak(r.stderr, canary) == nil, "\(planted.field) (\(format)) stderr: \(Self.leak(r.stderr, canary) ?? "")")
                    if r.status != 0 || !planted.mayAnswer(canary) {
                        #expect(!r.stdout.contains(canary), "\(planted.field) (\(format)) stdout shows the canary")
                    }
                }
            }
        }
    }
}
