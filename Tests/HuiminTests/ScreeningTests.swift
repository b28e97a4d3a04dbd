import DecisionEngine
import Foundation
import PolicyExpr
import RosterScreening
import RuleCompiler
import Testing

/// Rosters with known faults: every row ends in the output or the rejects, with its reason.
@Suite("Roster screening: nothing lost", .serialized)
struct ScreeningTests {
    static let header = "household_id,person_id,relation,birth_date,region,hukou_type,deposits,houses,vehicles,vehicle_disability_aid,in_prison,missing_declared,lives_together,able_to_work,student,disability_grade,obligor_status,income_wage,receiving\n"
    static func row(_ h: String, _ p: String, _ relation: String = "户主", birth: String = "1970-01-01", deposits: String = "0", wage: String = "500", receiving: String = "无") -> String {
        "\(h),\(p),\(relation),\(birth),420102,城镇,\(deposits),1,0,否,否,否,是,是,不在学,0,有具备履行能力的义务人,\(wage),\(receiving)\n"
    }

    struct Outcome {
        let summary: ScreeningSummary?
        let failure: String?
        let output: String
        let rejects: [[String]]
    }

    static func screen(_ bytes: [UInt8], encoding: RosterEncoding = .auto) throws -> Outcome {
        try Repo.withTemporaryDirectory("huimin-screening-test") { dir in
            let roster = dir.appendingPathComponent("roster.csv").path
            try Data(bytes).write(to: URL(fileURLWithPath: roster))
            var job = ScreeningJob(roster: roster)
            job.output = dir.appendingPathComponent("out.csv").path
            job.encoding = encoding
            let result = job.run(rules: Repo.bundledRules, date: Day(parsing: "2023-12-01")!)
            let output = (try? String(contentsOfFile: job.output!, encoding: .utf8)) ?? ""
            let rejectsText = (try? String(contentsOfFile: dir.appendingPathComponent("out.rejects.csv").path, encoding: .utf8)) ?? ""
            let rejects = rejectsText.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            switch result {
            case .success(let s): return Outcome(summary: s, failure: nil, output: output, rejects: rejects)
            case .failure(let e): return Outcome(summary: nil, failure: e.description, output: output, rejects: rejects)
            }
        }
    }

    static func screen(_ text: String) throws -> Outcome { try screen(Array(text.utf8)) }

    @Test("a clean roster: every row screened, the summary reconciles")
    func clean() throws {
        let o = try Self.screen(Self.header + Self.row("H1", "P1") + Self.row("H1", "P2", "配偶", wage: "0") + Self.row("H2", "P3", wage: "2000"))
        let s = try #require(o.summary)
        #expect(s.rows == 3 && s.persons == 3 && s.households == 2 && s.rejectedRows == 0 && s.reconciles)
        #expect(o.output.contains("H1,H1,dibao,eligible,1380.00,,"))
        #expect(o.output.contains("H2,H2,dibao,ineligible,,income,"))
    }

    static let faults: [(String, String, String, String)] = [
        // name, roster body (after the header), field expected in the reject, words in the reason
        ("a date that does not exist", row("H1", "P1", birth: "2023-02-30"), "birth_date", "不是存在的日期"),
        ("negative money", row("H1", "P1", wage: "-5"), "income_wage", "金额不能为负"),
        ("an unknown enum value, with a suggestion", row("H1", "P1", "户注"), "relation", "是不是"),
        ("a ragged row", "H1,P1,户主\n", "", "这一行有3列"),
        ("duplicate person ids", row("H1", "P1") + row("H1", "P1", "配偶"), "members", "第2位成员的成员编号与第1位的重复"),
        ("a household without 户主", row("H1", "P1", "配偶"), "members", "户内没有户主"),
        ("conflicting household values", row("H1", "P1", deposits: "0") + row("H1", "P2", "配偶", deposits: "500"), "deposits", "前后不一致"),
        ("rows of a household split apart", row("H1", "P1") + row("H2", "P2") + row("H1", "P3", "配偶"), "household_id", "不相邻"),
        ("a region code that is not six digits", row("H1", "P1").replacingOccurrences(of: ",420102,", with: ",42010A,"), "region", "不是6位行政区划代码"),
        ("a region code in full-width digits", row("H1", "P1").replacingOccurrences(of: ",420102,", with: ",４２０１０２,"), "region", "不是6位行政区划代码"),
    ]

    @Test("each fault rejects its household, whole, and the counts reconcile", arguments: faults)
    func fault(_ name: String, _ body: String, _ field: String, _ reason: String) throws {
        let o = try Self.screen(Self.header + body + Self.row("H9", "P9"))
        let s = try #require(o.summary, "\(o.failure ?? "")")
        #expect(s.reconciles)
        #expect(s.rows == body.split(separator: "\n").count + 1)
        #expect(o.rejects.contains { $0[2] == field && $0[3].contains(reason) }, "\(o.rejects)")
        #expect(o.output.contains("H9,H9,dibao"))
    }

    @Test("an unbalanced quote or a truncated file fails the run and leaves no output behind")
    func truncated() throws {
        let o = try Self.screen(Self.header + Self.row("H1", "P1") + "H2,\"P2,户主,1970-01-01\n")
        #expect(o.failure?.contains("never closed") == true)
        #expect(o.output.isEmpty)
    }

    @Test("a GB18030 roster (as Excel saves it in China) is detected and read")
    func gb18030() throws {
        let utf8 = Self.header + Self.row("H1", "P1") + Self.row("H1", "P2", "配偶", wage: "0")
        let bytes = try #require(Self.iconv(utf8, to: "GB18030"))
        #expect(bytes != Array(utf8.utf8))
        let o = try Self.screen(bytes)
        let s = try #require(o.summary)
        #expect(s.encoding == "gb18030")
        #expect(s.persons == 2 && s.rejectedRows == 0)
        #expect(o.output.contains("H1,H1,dibao,eligible,1380.00"))
    }

    @Test("a UTF-8 roster with a BOM reads its first header")
    func bom() throws {
        let o = try Self.screen([0xEF, 0xBB, 0xBF] + Array((Self.header + Self.row("H1", "P1")).utf8))
        #expect(o.summary?.persons == 1)
    }

    @Test("政策找人: eligible but not receiving, receiving but not eligible")
    func outreach() throws {
        let o = try Self.screen(Self.header + Self.row("H1", "P1", wage: "100", receiving: "无") + Self.row("H2", "P2", wage: "5000", receiving: "dibao"))
        let dibao = try #require(o.summary?.policies.first { $0.policy == "dibao" })
        #expect(dibao.eligibleNotReceiving == ["H1"])
        #expect(dibao.receivingNotEligible == ["H2"])
    }

    static func iconv(_ text: String, to encoding: String) -> [UInt8]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        process.arguments = ["-f", "UTF-8", "-t", encoding]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        guard (try? process.run()) != nil else { return nil }
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? Array(data) : nil
    }
}

extension ScreeningTests {
    @Test("a JSONL roster: one household a line, read like a household document; bad lines rejected")
    func jsonl() throws {
        try Repo.withTemporaryDirectory("huimin-jsonl") { dir in
            let member = #""in_prison": false, "missing_declared": false, "lives_together": true, "able_to_work": true, "student": "none", "disability_grade": 0, "obligor_status": "capable""#
            let lines = [
                #"{"id": "H1", "region": "420102", "hukou_type": "urban", "deposits": 0, "houses": 1, "vehicles": 0, "members": [{"id": "P1", "relation": "head", "birth_date": "1970-01-01", "incomes": {"wage": 500}, \#(member)}]}"#,
                #"{"id": "H2", "region": "420102", "members": [{"id": "P2", "relation": "head", "birth_date": "2023-02-30"}]}"#,
                "",
                #"{"id": "H3", "region": "420102", "hukou_type": "urban", "deposits": 0, "houses": 1, "vehicles": 1, "vehicle_disability_aid": false, "members": [{"id": "P3", "relation": "head", "birth_date": "1970-01-01", \#(member)}]}"#,
            ]
            let roster = dir.appendingPathComponent("roster.jsonl").path
            try (lines.joined(separator: "\n") + "\n").write(toFile: roster, atomically: true, encoding: .utf8)
            var job = ScreeningJob(roster: roster)
            job.output = dir.appendingPathComponent("out.csv").path
            let s = try job.run(rules: Repo.bundledRules, date: Day(parsing: "2023-12-01")!).get()
            #expect(s.rows == 3 && s.households == 2 && s.rejectedHouseholds == 1 && s.reconciles)
            let out = try String(contentsOfFile: job.output!, encoding: .utf8)
            #expect(out.contains("H1,H1,dibao,eligible,440.00"))
            #expect(out.contains("H3,H3,dibao,ineligible,,vehicle,"))
            let rejects = try String(contentsOfFile: dir.appendingPathComponent("out.rejects.csv").path, encoding: .utf8)
            #expect(rejects.contains("2,,members[0].birth_date,"))
        }
    }
}

extension ScreeningTests {
    static func screenFile(_ path: String, sheet: String? = nil) throws -> (Result<ScreeningSummary, ScreeningJob.Failure>, String) {
        try Repo.withTemporaryDirectory("huimin-xlsx") { dir in
            var job = ScreeningJob(roster: path)
            job.output = dir.appendingPathComponent("out.csv").path
            job.sheet = sheet
            let result = job.run(rules: Repo.bundledRules, date: Day(parsing: "2023-12-01")!)
            return (result, (try? String(contentsOfFile: job.output!, encoding: .utf8)) ?? "")
        }
    }

    @Test("an .xlsx roster written by openpyxl: Chinese headers, date cells, the first sheet")
    func xlsx() throws {
        let (result, out) = try Self.screenFile(Repo.fixtures + "/rosters/openpyxl.xlsx")
        let s = try result.get()
        #expect(s.encoding == "xlsx" && s.rows == 3 && s.persons == 3 && s.reconciles)
        #expect(out.contains("H1,H1,dibao,eligible,1380.00"))
        #expect(out.contains("H2,P3,gaoling,eligible,100.00"))  // born 1943-12-01, a date cell
    }

    @Test("--sheet chooses a sheet; an unknown one is named with the sheets there are")
    func xlsxSheets() throws {
        let (ok, _) = try Self.screenFile(Repo.fixtures + "/rosters/openpyxl.xlsx", sheet: "花名册")
        #expect((try? ok.get())?.persons == 3)
        let (bad, _) = try Self.screenFile(Repo.fixtures + "/rosters/openpyxl.xlsx", sheet: "Sheet9")
        guard case .failure(let e) = bad else { Issue.record("expected a failure"); return }
        #expect(e.description.contains("花名册, 说明"))
    }
}

@Suite("Output files")
struct OutputFileTests {
    /// Where to write: the temporary directory's file system, and a tmpfs where there is one
    /// (which may refuse to write past the page cache, so the ordinary path takes over).
    static let places = [FileManager.default.temporaryDirectory.path] + (FileManager.default.fileExists(atPath: "/dev/shm") ? ["/dev/shm"] : [])

    @Test("a big output written past the page cache holds every byte, in order, and no more", arguments: places)
    func direct(_ place: String) throws {
        // Chunks of every size about the 4 KB block and the 1 MB stage (`DirectOutput.size`),
        // 23 MB in all; past the page cache from byte 10,000 (not on a block boundary) on.
        let sizes = [1, 4095, 4097, 10_000, 3 << 20, 7, (1 << 20) - 1, 9 << 20, 4096, 65_536, (1 << 20) + 1, 1, 8 << 20, 12_345]
        var expected: [UInt8] = []
        let path = place + "/huimin-out-\(UUID().uuidString).csv"
        defer { unlink(path) }
        let file = try OutputFile(path: path, otherwise: 1, directFrom: 10_000)
        for (i, n) in sizes.enumerated() {
            let chunk = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
            expected += chunk
            #expect(file.write(contentsOf: chunk))
        }
        #expect(file.commit())
        let written = try #require(FileManager.default.contents(atPath: path))
        #expect(written.count == expected.count)
        // Where they differ, if they do: not two 21 MB arrays.
        if written != Data(expected) {
            let at = zip(written, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(written.count, expected.count)
            Issue.record("the file differs from what was written from byte \(at) on")
        }
    }
}

@Suite("Output files replacing a file")
struct ReplacedOutputTests {
    /// Whether bytes are written before the end, and whether the output is committed; what is
    /// then under the name: the new bytes, the old file's, or nothing.
    enum Left: Sendable { case new, old, nothing }
    /// `read`: the old file is the one the job reads (an output named as its roster).
    static let table: [(written: Bool, committed: Bool, read: Bool, left: Left)] = [
        (true, true, false, .new),
        (false, true, false, .new),
        // Failed once under way (a cut-off roster): not the old file, which could be taken for this run's.
        (true, false, false, .nothing),
        // Failed before a byte was written (a header that cannot be used): the old file stays.
        (false, false, false, .old),
        // The roster itself: replaced when the output is whole, never taken away by a failed run.
        (true, true, true, .new),
        (true, false, true, .old),
    ]

    @Test("an output replaces the file under its name; a run that fails leaves a half file never, an old one only when it wrote nothing or read it", arguments: table)
    func replace(_ written: Bool, _ committed: Bool, _ read: Bool, _ left: Left) throws {
        try Repo.withTemporaryDirectory("huimin-replace") { dir in
            let path = dir.appendingPathComponent("out.csv").path
            let old = Array("old\n".utf8), new = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 % 251) }
            #expect(FileManager.default.createFile(atPath: path, contents: Data(old)))
            let file = try OutputFile(path: path, otherwise: 1, directFrom: 1 << 20, reading: read ? dir.path + "/./out.csv" : nil)
            var pending = new
            if written {
                #expect(file.write(contentsOf: Array(new[..<(2 << 20)])))
                pending = Array(new[(2 << 20)...])
            }
            if committed {
                #expect(file.write(&pending))
                #expect(file.commit())
            } else {
                file.discard()
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            let content = FileManager.default.contents(atPath: path).map(Array.init)
            switch left {
            case .new: #expect(content == new)
            case .old: #expect(content == old)
            case .nothing: #expect(content == nil)
            }
            #expect(names == (left == .nothing ? [] : ["out.csv"]), "left behind: \(names)")
        }
    }
}

@Suite("Roster headers")
struct RosterHeaderTests {
    /// The batch fixture's schema, with `hukou_region` (which comes before `monthly_income`) also
    /// called `monthly_income` (that field's key) and `月收入` (its label).
    static func schema() throws -> Schema {
        try Repo.withTemporaryDirectory("huimin-header-names") { dir in
            let copy = dir.appendingPathComponent("rules").path
            try FileManager.default.copyItem(atPath: Repo.fixtures + "/batch", toPath: copy)
            let path = copy + "/schema.yaml"
            let yaml = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(
                of: "    label: 户籍地\n", with: "    label: 户籍地\n    aliases: [monthly_income, 月收入, 户口所在地]\n")
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return try #require(RuleLoader.load(directory: copy).rules).schema
        }
    }

    /// A header cell, and the field it must name: as a record names fields (`Schema.named`),
    /// a key before a label or an alias, and otherwise the first field that has the name.
    static let table: [(String, String)] = [
        ("monthly_income", "monthly_income"), ("月收入", "hukou_region"), ("户口所在地", "hukou_region"),
        ("hukou_region", "hukou_region"), ("户籍地", "hukou_region"),
    ]

    @Test("a header cell names the field a record's key would", arguments: table)
    func names(_ cell: String, _ key: String) throws {
        let schema = try Self.schema()
        let columns = try RosterColumns.resolve(["household_id", cell], schema: schema).get()
        let field = try #require(schema.field(key, .person))
        #expect(columns.targets[1] == .personField(field.index))
        #expect(schema.named(cell, .person)?.index == field.index)
    }
}
