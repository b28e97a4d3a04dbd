import DecisionEngine
import Foundation
import PolicyExpr
import RosterScreening
import RuleCompiler
import Testing

/// The batch evaluator against the row evaluator: the same roster screened both ways must give
/// the same bytes (output, rejects, summary), whatever the faults, blanks and layout.
@Suite("Batch evaluator: the same output as one household at a time", .serialized)
struct BatchTests {
    /// The benchmark rules plus a policy with every kind of operator (any, not, unless, known,
    /// min/max over members, division with rounding, dates, `in`, policy references, 择高) and
    /// one no longer in effect.
    static let rules: RuleSet = {
        let outcome = RuleLoader.load(directory: Repo.fixtures + "/batch")
        guard let r = outcome.rules else { fatalError("\(outcome.diagnostics.map(\.message))") }
        return r
    }()
    static let date = Day(parsing: "2026-01-01")!

    struct Screened: Equatable {
        let output: String
        let rejects: String
        let summary: String
        let batched: Int
        let households: Int
        let cutRows: Int
    }

    static func screen(_ roster: String, batch: Bool, layout: ScreeningOptions.Layout, rules: RuleSet = rules, explain: Bool = false, chunkSize: Int = RosterReader.chunkSize) throws -> Screened {
        try Repo.withTemporaryDirectory("huimin-batch-test") { dir in
            let path = dir.appendingPathComponent("roster.csv").path
            try Data(roster.utf8).write(to: URL(fileURLWithPath: path))
            var job = ScreeningJob(roster: path)
            job.output = dir.appendingPathComponent("out.csv").path
            job.summaryPath = dir.appendingPathComponent("summary.json").path
            job.batchEvaluation = batch
            job.batchSize = 7  // small batches: households meet batch edges often
            job.chunkSize = chunkSize
            job.options.layout = layout
            job.options.explain = explain
            guard case .success(let s) = job.run(rules: rules, date: date) else { Issue.record("the run failed"); return Screened(output: "", rejects: "", summary: "", batched: 0, households: 0, cutRows: 0) }
            func read(_ name: String) -> String { (try? String(contentsOfFile: dir.appendingPathComponent(name).path, encoding: .utf8)) ?? "" }
            return Screened(output: read("out.csv"), rejects: read("out.rejects.csv"), summary: read("summary.json"), batched: s.batchedHouseholds, households: s.households, cutRows: s.cutRows)
        }
    }

    /// A generated roster with every 23rd cell left blank (undetermined decisions, which go back
    /// to the row evaluator) and faults the row path rejects.
    static func roster(persons: Int, seed: UInt64) -> String {
        var generator = RosterGenerator(schema: rules.schema, date: date, seed: seed)
        var lines = [generator.header.joined(separator: ",")]
        var cell = 0
        generator.generate(persons: persons) { fields in
            var row = fields
            for i in row.indices where i > 1 {
                cell += 1
                if cell % 23 == 0 { row[i] = "" }
            }
            lines.append(row.joined(separator: ","))
        }
        let header = lines[0]
        var body = Array(lines.dropFirst())
        // Faults, each in a household of its own.
        body += [
            "F1,FP1,户主,100,0,否,2023-02-30,男,武汉市,0,0,,否,无",  // a date that does not exist
            "F2,FP2,户主,-5,0,否,1950-01-01,男,武汉市,0,0,,否,无",  // negative money
            "F3,FP3,户注,100,0,否,1950-01-01,男,武汉市,0,0,,否,无",  // an unknown choice
            "F4,FP4,户主",  // a ragged row
            "F12,FP14,户主,100,0,否,1950-01-01,男,武汉市,0,0,,否,无,多余",  // a row with a field too many
            "F5,FP5,户主,100,0,否,1950-01-01,男,武汉市,0,0,,否,无", "F5,FP5,配偶,100,0,否,1950-01-01,女,武汉市,0,0,,否,无",  // duplicate ids
            "F6,FP6,配偶,100,0,否,1950-01-01,男,武汉市,0,0,,否,无",  // no 户主
            "F7,FP7,户主,100,0,否,1950-01-01,男,武汉市,0,0,,否,无", "F7,FP8,配偶,900,0,否,1950-01-01,女,武汉市,0,0,,否,无",  // conflicting deposits
            "F8,FP9,户主,100,0,否,1950-01-01,男,武汉市,0,0,,否,无", "F9,FP10,户主,100,0,否,1950-01-01,男,武汉市,0,0,,否,无",
            "F8,FP11,配偶,100,0,否,1950-01-01,女,武汉市,0,0,,否,无",  // F8 split apart
            ",FP12,户主,100,0,否,1950-01-01,男,武汉市,0,0,,否,无",  // no household id
            "\" F10 \",\"FP,13\",户主,\" 1,200.50元 \",0,否,1926-01-01,男,武汉市,999,3,智力,否,测试政策;低保",  // quoting, spaces, money as written
            "F11,,户主,0,0,否,1926-01-02,女,武汉市,0,2,精神,是,",  // no member id: F11-1
            "F11,,子女,0,0,否,2026-01-01,女,其他,0,0,,是,无",
        ]
        return ([header] + body).joined(separator: "\r\n") + "\r\n"
    }

    static let layouts: [(String, ScreeningOptions.Layout)] = [
        ("spec", .declared(rules.layout("spec")!)), ("long", .long), ("wide", .wide),
    ]

    @Test("a generated roster with blanks and faults: every layout the same both ways", arguments: layouts.indices)
    func generated(_ l: Int) throws {
        let (name, layout) = Self.layouts[l]
        let roster = Self.roster(persons: 4000, seed: 11)
        let batched = try Self.screen(roster, batch: true, layout: layout)
        let rows = try Self.screen(roster, batch: false, layout: layout)
        #expect(rows.batched == 0)
        // Most households are decided in batches; those left undetermined and the faulty ones are not.
        #expect(batched.batched > batched.households / 2, "\(name): \(batched.batched) of \(batched.households)")
        #expect(batched.batched < batched.households)
        #expect(Repo.firstDifference(batched.output, rows.output) == nil, "\(name): the outputs differ")
        #expect(batched.rejects == rows.rejects)
        #expect(batched.summary == rows.summary)
        #expect(rows.rejects.split(separator: "\n").count > 10)
    }

    /// The generated roster's lines without the quoted one, in variants the reading thread cuts
    /// by line breaks (no quotes), or cuts until a quote or a lone CR part way: then the row
    /// parser reads the rest. `rows` is how many data rows each has.
    static let cutVariants: [(name: String, text: String, rows: Int, whole: Bool)] = {
        let all = roster(persons: 3000, seed: 5).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let quoted = all.first { $0.contains("\"") }!
        let lines = all.filter { !$0.contains("\"") }
        let data = lines.count - 1
        // A line about half way that begins a household.
        func id(_ line: String) -> Substring { line.prefix { $0 != "," } }
        let middle = ((lines.count / 2)..<lines.count).first { id(lines[$0]) != id(lines[$0 - 1]) }!
        var blanks: [String] = []
        for (i, line) in lines.enumerated() {
            blanks.append(line)
            if i % 40 == 7 { blanks.append("") }
        }
        var spaced = lines
        for i in stride(from: 1, to: spaced.count, by: 1) where i % 30 == 0 {
            // Every member of the household, so that it stays whole.
            let target = id(lines[i])
            for j in 1..<spaced.count where id(lines[j]) == target {
                spaced[j] = (i % 60 == 0 ? "\u{3000}" : "  ") + lines[j]
            }
        }
        var lateQuote = lines
        lateQuote.insert(quoted, at: middle)
        let loneCR = lines[..<middle].joined(separator: "\n") + "\r" + lines[middle...].joined(separator: "\n") + "\n"
        return [
            ("LF", lines.joined(separator: "\n") + "\n", data, true),
            ("CRLF", lines.joined(separator: "\r\n") + "\r\n", data, true),
            ("blank lines, no final line break", blanks.joined(separator: "\n"), data, true),
            ("spaces around household ids", spaced.joined(separator: "\r\n") + "\r\n", data, true),
            ("a quote part way", lateQuote.joined(separator: "\r\n") + "\r\n", data + 1, false),
            ("a lone CR part way", loneCR, data, false),
        ]
    }()

    @Test("rows cut by their line breaks, read by the workers, in small chunks: the same both ways", arguments: cutVariants.indices)
    func cut(_ v: Int) throws {
        let (name, text, rows, whole) = Self.cutVariants[v]
        let layout = Self.layouts[0].1
        let batched = try Self.screen(text, batch: true, layout: layout, chunkSize: 4096)
        let reference = try Self.screen(text, batch: false, layout: layout)
        #expect(Repo.firstDifference(batched.output, reference.output) == nil, "\(name): the outputs differ")
        #expect(batched.rejects == reference.rejects, "\(name)")
        #expect(batched.summary == reference.summary, "\(name)")
        #expect(reference.cutRows == 0)
        if whole {
            #expect(batched.cutRows == rows, "\(name): every row cut")
        } else {
            // Cut up to the quote or the CR, then read by the row parser.
            #expect(batched.cutRows > rows / 4 && batched.cutRows < rows * 3 / 4, "\(name): \(batched.cutRows) of \(rows) cut")
        }
        #expect(batched.rejects.split(separator: "\n").count > 10)
    }

    /// The faulty households of `roster` (F1 to F9 and the one without an id), each with a value
    /// or a shape the row path rejects, among the generated ones a third of the way in.
    static func faultsAmong(_ roster: String) -> (with: String, without: String) {
        let lines = roster.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let faulty = lines.filter { $0.hasPrefix("F") && !$0.hasPrefix("F11") || $0.hasPrefix(",") }
        let good = lines.dropFirst().filter { !$0.hasPrefix("F") && !$0.hasPrefix(",") && !$0.hasPrefix("\"") }
        func id(_ line: String) -> Substring { line.prefix { $0 != "," } }
        let at = ((good.count / 3)..<good.count).first { id(good[$0]) != id(good[$0 - 1]) }!
        func text(_ lines: [String]) -> String { lines.joined(separator: "\n") + "\n" }
        return (text([lines[0]] + good[..<at] + faulty + good[at...]), text([lines[0]] + good))
    }

    @Test("a faulty household, ragged or split apart, leaves the households after it to the batch", arguments: [false, true])
    func faultsStayPut(_ quoted: Bool) throws {
        var (with, without) = Self.faultsAmong(Self.roster(persons: 3000, seed: 13))
        if quoted {
            // A quote ahead of them: the row parser reads the rows, not the cutter.
            let quote = "Q1,\"Q,1\",户主,100,0,否,1950-01-01,男,武汉市,0,0,,否,无\n"
            with = with.replacingOccurrences(of: "\n", with: "\n" + quote, options: [], range: with.range(of: "\n"))
            without = without.replacingOccurrences(of: "\n", with: "\n" + quote, options: [], range: without.range(of: "\n"))
        }
        let layout = Self.layouts[0].1
        let a = try Self.screen(with, batch: true, layout: layout, chunkSize: 1 << 16)
        let b = try Self.screen(without, batch: true, layout: layout, chunkSize: 1 << 16)
        #expect((a.cutRows > 0) != quoted)
        // Not one more household goes to the row path for them, and the others' rows are the same.
        // Of them, F9 and F8's first rows (before F8 is found split apart) are households like
        // any other, decided in batches.
        #expect(a.batched == b.batched + 2, "\(a.batched) households decided in batches among the faulty ones, \(b.batched) without them")
        #expect(a.output.split(separator: "\n").filter { !$0.hasPrefix("F") } == b.output.split(separator: "\n"))
        #expect(a.rejects.split(separator: "\n").count > 8)
    }

    @Test("the benchmark's hand-computed fixtures are all decided in batches, as the row path decides them")
    func fixtures() throws {
        let roster = try String(contentsOfFile: Repo.fixtures + "/bench/edge_cases.csv", encoding: .utf8)
        let spec = RuleLoader.load(directory: Repo.root + "/bench/spec").rules!
        let layout = ScreeningOptions.Layout.declared(spec.layout("spec")!)
        let batched = try Self.screen(roster, batch: true, layout: layout, rules: spec)
        let rows = try Self.screen(roster, batch: false, layout: layout, rules: spec)
        #expect(batched.batched == 13 && batched.households == 13)
        #expect(Repo.firstDifference(batched.output, rows.output) == nil)
        #expect(batched.summary == rows.summary)
    }

    /// A roster of the bundled schema (by-kind income in columns of its own) with blanks, and
    /// income cells the quick reader leaves to the row path's reading or that the row path rejects.
    static func bundledRoster(persons: Int, seed: UInt64) -> String {
        var generator = RosterGenerator(schema: Repo.bundledRules.schema, date: date, seed: seed)
        let header = generator.header
        let wage = header.firstIndex(of: "工资性收入")!, other = header.firstIndex(of: "其他收入")!
        let vehicle = header.firstIndex(of: "车辆为残疾人功能性补偿代步机动车")!, receiving = header.firstIndex(of: "正在享受的政策")!
        let odd = ["1,500元", " 800.5 ", "-5", "12.345", "abc", "0500", "3000元"]
        var lines = [header.joined(separator: ",")]
        var cell = 0, row = 0
        generator.generate(persons: persons) { fields in
            var fields = fields.map { $0.contains(",") ? "\"\($0)\"" : $0 }
            row += 1
            for i in fields.indices where i > 1 {
                cell += 1
                if cell % 29 == 0 { fields[i] = "" }
            }
            if row % 37 == 0 { fields[wage] = "\"\(odd[(row / 37) % odd.count])\"" }
            if row % 53 == 0 { fields[other] = "" ; fields[wage] = "" }
            // Yes/no and lists of choices as the quick reader does not read them, or does.
            if row % 41 == 0 {
                fields[vehicle] = ["Y", "有", "没有", "否"][(row / 41) % 4]
                fields[receiving] = ["最低生活保障；高龄津贴", "-", "高龄津贴", "无", "none", "高龄津贴、", "低保"][(row / 41) % 7]
            }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("the bundled rules (by-kind income): every layout the same both ways", arguments: ["long", "wide"])
    func bundled(_ name: String) throws {
        let layout: ScreeningOptions.Layout = name == "long" ? .long : .wide
        let roster = Self.bundledRoster(persons: 3000, seed: 5)
        let batched = try Self.screen(roster, batch: true, layout: layout, rules: Repo.bundledRules)
        let rows = try Self.screen(roster, batch: false, layout: layout, rules: Repo.bundledRules)
        #expect(batched.batched > batched.households / 2, "\(batched.batched) of \(batched.households)")
        #expect(Repo.firstDifference(batched.output, rows.output) == nil, "\(name): the outputs differ")
        #expect(batched.rejects == rows.rejects)
        #expect(batched.summary == rows.summary)
        // The negative, over-precise and unreadable incomes are rejected, naming the column.
        #expect(rows.rejects.contains("工资性收入,`-5`是负数"))
        #expect(rows.rejects.contains("工资性收入,所填的值（3个字母）不是金额"))
    }

    @Test("a declared layout's field columns, masked or not, are the row path's")
    func fieldColumns() throws {
        try Repo.withTemporaryDirectory("huimin-batch-fields") { dir in
            let copy = dir.appendingPathComponent("rules").path
            try FileManager.default.copyItem(atPath: Repo.rules, toPath: copy)
            let layouts = """
                layouts:
                  fields:
                    label: 字段列
                    rows: person
                    columns:
                      - household_id: household.id
                      - region: household.region
                      - deposits: household.deposits
                      - person_id: person.id
                      - name: person.name
                      - birth_date: person.birth_date
                      - relation: person.relation
                      - dibao: dibao.status
                      - gaoling: gaoling.amount
                """
            try layouts.write(toFile: copy + "/layouts.yaml", atomically: true, encoding: .utf8)
            let rules = try #require(RuleLoader.load(directory: copy).rules)
            // The bundled roster with a name for most (masked in the output: 张某某).
            var lines = Self.bundledRoster(persons: 2000, seed: 3).split(separator: "\n").map(String.init)
            lines[0] += ",姓名"
            for i in 1..<lines.count { lines[i] += i % 9 == 0 ? "," : ",张三\(i)" }
            let roster = lines.joined(separator: "\n") + "\n"
            let layout = ScreeningOptions.Layout.declared(try #require(rules.layout("fields")))
            let batched = try Self.screen(roster, batch: true, layout: layout, rules: rules)
            let rows = try Self.screen(roster, batch: false, layout: layout, rules: rules)
            #expect(batched.batched > batched.households / 2, "\(batched.batched) of \(batched.households)")
            #expect(Repo.firstDifference(batched.output, rows.output) == nil)
            #expect(batched.summary == rows.summary)
            // Names are masked, and no full name is written.
            #expect(batched.output.contains(",张某某,"))
            #expect(!batched.output.contains("张三1"))
        }
    }

    /// Explanations: the rules with every operator (择高 with its wording, a policy no longer in
    /// effect, `unless`, age and boundary changes) and the bundled rules; long, and a declared
    /// layout with explanation columns.
    static let explained: [(String, String, ScreeningOptions.Layout)] = [
        ("fixture rules, long", "fixture", .long),
        ("fixture rules, declared", "fixture", .declared(rules.layout("explained")!)),
        ("bundled rules, long", "bundled", .long),
    ]

    @Test("the resident's texts written from batches are the row path's, word for word", arguments: explained.indices)
    func explanations(_ e: Int) throws {
        let (name, set, layout) = Self.explained[e]
        let rules = set == "bundled" ? Repo.bundledRules : Self.rules
        let roster = set == "bundled" ? Self.bundledRoster(persons: 3000, seed: 7) : Self.roster(persons: 3000, seed: 13)
        let batched = try Self.screen(roster, batch: true, layout: layout, rules: rules, explain: true)
        let rows = try Self.screen(roster, batch: false, layout: layout, rules: rules, explain: true)
        #expect(batched.batched > batched.households / 2, "\(name): \(batched.batched) of \(batched.households)")
        #expect(Repo.firstDifference(batched.output, rows.output) == nil, "\(name): the outputs differ")
        #expect(batched.rejects == rows.rejects)
        #expect(batched.summary == rows.summary)
        // Every kind of line is there: reasons met and unmet, changes, 择高, calculation, basis.
        for phrase in set == "bundled" ? ["：符合，预计每月", "：不符合。", "将于", "需低于", "  计算：", "  依据："] : ["：不符合。", "本政策已于"] {
            #expect(batched.output.contains(phrase), "\(name): no \(phrase)")
        }
    }

    @Test("rules the batch evaluator cannot hold (text) are screened one household at a time")
    func declines() throws {
        #expect(BatchPlan.make(rules: Repo.bundledRules, on: Self.date) != nil)
        #expect(BatchPlan.make(rules: Self.rules, on: Self.date) != nil)
        try Repo.withTemporaryDirectory("huimin-batch-text") { dir in
            let copy = dir.appendingPathComponent("rules").path
            try FileManager.default.copyItem(atPath: Repo.fixtures + "/batch", toPath: copy)
            let policy = """
                policy: named
                title: 按地名的测试政策
                order: 70
                subject: household
                basis: [测试用，不是政策]
                who: 测试。

                eligible:
                  all:
                    - id: wuhan
                      when: region_name == "武汉市"

                """
            try policy.write(toFile: copy + "/policies/named.yaml", atomically: true, encoding: .utf8)
            let rules = try #require(RuleLoader.load(directory: copy).rules)
            #expect(BatchPlan.make(rules: rules, on: Self.date) == nil)
            let roster = Self.roster(persons: 200, seed: 3)
            let screened = try Self.screen(roster, batch: true, layout: .long, rules: rules)
            #expect(screened.batched == 0)
            #expect(screened.output == (try Self.screen(roster, batch: false, layout: .long, rules: rules)).output)
        }
    }
}
