import DecisionEngine
import Foundation
import PolicyExpr
import RosterScreening
import RuleCompiler
import SourceDiagnostics
import Testing

@Suite("Decisions and explanations on the bundled rules")
struct EngineTests {
    static func report(_ yaml: String, on date: String = "2023-12-01") throws -> CheckReport {
        let rules = Repo.bundledRules
        let (record, d) = HouseholdDecoder(schema: rules.schema).decode(file: SourceFile(path: "h.yaml", text: yaml))
        #expect(d.isEmpty, "\(d.map(\.message))")
        return CheckReport.make(rules: rules, record: try #require(record), on: Day(parsing: date)!)
    }

    static let base = """
        id: H9
        region: "420102"
        hukou_type: urban
        deposits: 0
        houses: 1
        vehicle_disability_aid: false

        """
    static let member = "in_prison: false, missing_declared: false, lives_together: true, able_to_work: true, student: none, disability_grade: 0, obligor_status: capable"

    @Test("unknown income: undetermined, naming the input and what to bring")
    func unknownIncome() throws {
        let r = try Self.report(Self.base + "vehicles: 0\nmembers:\n  - { id: P1, relation: head, birth_date: 1970-01-01, \(Self.member) }\n")
        let d = try #require(r.decisions.first { $0.policy == "dibao" })
        #expect(d.status == .undetermined)
        #expect(d.missing.map(\.input) == ["members[P1].incomes"])
        #expect(d.missing.first?.ask == "请提供近3个月工资流水、养老金发放记录或收入证明")
        #expect(d.amount == nil)
    }

    @Test("a disqualifying fact decides although income is unknown")
    func vehicleDecides() throws {
        let r = try Self.report(Self.base + "vehicles: 1\nmembers:\n  - { id: P1, relation: head, birth_date: 1970-01-01, \(Self.member) }\n")
        let d = try #require(r.decisions.first { $0.policy == "dibao" })
        #expect(d.status == .ineligible)
        #expect(d.missing.isEmpty)
        #expect(d.reasons.first { $0.id == "vehicle" }?.decisive == true)
        #expect(d.reasons.first { $0.id == "income" }?.outcome == "unknown")
    }

    @Test("over the income line: the change states the line")
    func incomeLine() throws {
        let r = try Self.report(Self.base + "vehicles: 0\nmembers:\n  - { id: P1, relation: head, birth_date: 1970-01-01, incomes: { wage: 1200 }, \(Self.member) }\n")
        let d = try #require(r.decisions.first { $0.policy == "dibao" })
        #expect(d.status == .ineligible)
        #expect(d.changes.map(\.text) == ["家庭人均月收入需低于940元，现为1,200元"])
        #expect(d.changes.first?.threshold == "940.00")
        #expect(d.changes.first?.current == "1200.00")
    }

    @Test("a 79-year-old: the change states the 80th birthday")
    func eightiethBirthday() throws {
        let r = try Self.report(Self.base + "vehicles: 0\nmembers:\n  - { id: P1, relation: head, birth_date: 1944-03-05, \(Self.member) }\n")
        let d = try #require(r.decisions.first { $0.policy == "gaoling" })
        #expect(d.status == .ineligible)
        #expect(d.changes.first?.kind == "date")
        #expect(d.changes.first?.date?.description == "2024-03-05")
        #expect(d.changes.first?.text == "将于2024年3月5日年满80周岁")
    }

    @Test("the explanation of the example household matches its golden file")
    func goldenExplanation() throws {
        let text = try String(contentsOfFile: Repo.root + "/examples/households/h001.yaml", encoding: .utf8)
        let r = try Self.report(text)
        Repo.expectGolden(r.text(), Repo.fixtures + "/explain/h001.txt")
        Repo.expectGolden(r.text(full: true), Repo.fixtures + "/explain/h001.full.txt")
        // The rules' hash changes with every edit of rules/; the golden file does not pin it.
        let json = String(decoding: r.json(pretty: true), as: UTF8.self).replacingOccurrences(of: r.rulesHash, with: "<rules hash>")
        Repo.expectGolden(json + "\n", Repo.fixtures + "/explain/h001.json")
    }

    @Test("JSON keys are the stable ones of DESIGN §7")
    func jsonKeys() throws {
        let text = try String(contentsOfFile: Repo.root + "/examples/households/h001.yaml", encoding: .utf8)
        let pretty = String(decoding: try Self.report(text).json(pretty: true), as: UTF8.self)
        // The top level's keys are the lines indented once; their order is part of the contract.
        let top = pretty.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.dropFirst(3).prefix { $0 != "\"" } }
        // DESIGN §7's keys, in order, and those added since (keys are added, never renamed).
        #expect(top.map(String.init) == ["version", "date", "rules", "household", "household_label", "members", "region", "decisions", "answer"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(pretty.utf8)) as? [String: Any])
        let first = try #require((json["decisions"] as? [[String: Any]])?.first)
        for key in ["policy", "title", "subject", "status", "amount", "summary", "reasons", "missing", "changes"] {
            #expect(first[key] != nil, "missing key \(key)")
        }
    }

    @Test("names are masked unless revealed; ID numbers never appear")
    func privacy() throws {
        let text = try String(contentsOfFile: Repo.root + "/examples/households/h001.yaml", encoding: .utf8)
        let r = try Self.report(text)
        let all = r.text(full: true) + String(decoding: r.json(texts: .worker), as: UTF8.self)
        #expect(!all.contains("张建国"))
        #expect(!all.contains("420102198003150032"))
        #expect(all.contains("张某某"))
    }
}

@Suite("Overlaps between policies and references to other policies")
struct OverlapTests {
    static let rules: RuleSet = {
        let outcome = RuleLoader.load(directory: Repo.fixtures + "/overlaps")
        guard let r = outcome.rules else { fatalError(DiagnosticRenderer.text(outcome.diagnostics)) }
        return r
    }()

    static func decisions(deposits: String, vehicles: String) throws -> [String: Decision] {
        let yaml = "id: H\nregion: \"420100\"\nhukou_type: urban\ndeposits: \(deposits)\nvehicles: \(vehicles)\nmembers:\n  - { id: P1, relation: head }\n"
        let (record, d) = HouseholdDecoder(schema: rules.schema).decode(file: SourceFile(path: "h.yaml", text: yaml))
        #expect(d.isEmpty)
        let report = CheckReport.make(rules: rules, record: try #require(record), on: Day(parsing: "2023-12-01")!)
        return Dictionary(uniqueKeysWithValues: report.decisions.map { ($0.policy, $0) })
    }

    static let table: [(String, String, [String: String])] = [
        // deposits, vehicles → policy: status/amount
        ("500", "0", ["a": "eligible/100.00", "b": "ineligible/-", "c": "ineligible/-", "d": "eligible/120.00", "e": "ineligible/-"]),
        ("3000", "0", ["a": "ineligible/-", "b": "eligible/50.00", "c": "ineligible/-", "d": "eligible/120.00", "e": "eligible/100.00"]),
        ("3000", "1", ["a": "ineligible/-", "b": "eligible/50.00", "c": "eligible/80.00", "d": "ineligible/-", "e": "eligible/100.00"]),
        ("9000", "1", ["a": "ineligible/-", "b": "ineligible/-", "c": "ineligible/-", "d": "ineligible/-", "e": "ineligible/-"]),
        ("~", "0", ["a": "undetermined/-", "b": "undetermined/-", "c": "undetermined/-", "d": "undetermined/-", "e": "undetermined/-"]),
    ]

    @Test("excluded_by and 择高 (higher_of) decide between policies", arguments: table)
    func overlaps(_ deposits: String, _ vehicles: String, _ expected: [String: String]) throws {
        let d = try Self.decisions(deposits: deposits, vehicles: vehicles)
        let got = d.mapValues { "\($0.status.rawValue)/\($0.amount?.decimalString() ?? "-")" }
        #expect(got == expected)
    }

    @Test("the overlap is explained in the reasons")
    func explained() throws {
        let d = try Self.decisions(deposits: "500", vehicles: "0")
        #expect(d["b"]?.reasons.contains { $0.text == "已享受甲补贴，不重复享受乙补贴。" && $0.decisive } == true)
        #expect(d["c"]?.reasons.contains { $0.id == "overlap.higher.d" && ($0.text ?? "").contains("择高") } == true)
    }
}

@Suite("The resident's text of a roster row")
struct RosterTextTests {
    /// `--explain` on a roster builds lean decisions (no values, no texts of conditions that did not
    /// decide); what the resident reads must be word for word the full decision's text.
    @Test("is the full decision's text, for every policy of a thousand generated persons")
    func sameText() throws {
        let rules = Repo.bundledRules
        let day = Day(parsing: "2026-01-01")!
        var generator = RosterGenerator(schema: rules.schema, date: day, seed: 7)
        let columns = try RosterColumns.resolve(generator.header, schema: rules.schema).get()
        let assembler = HouseholdAssembler(schema: rules.schema, columns: columns, source: "generated")
        var households: [RawHousehold] = []
        var line = 1
        generator.generate(persons: 1000) { row in
            line += 1
            let id = row[columns.householdIDColumn]
            // Every third row loses a cell, so that some decisions are left undetermined.
            var row = row
            if line % 3 == 0, line % row.count != columns.householdIDColumn { row[line % row.count] = "" }
            if households.last?.id == id {
                let last = households.removeLast()
                households.append(RawHousehold(id: id, rows: last.rows + [(line, row)], rejects: []))
            } else {
                households.append(RawHousehold(id: id, rows: [(line, row)], rejects: []))
            }
        }
        var compared = 0, statuses = Set<DecisionStatus>()
        for raw in households {
            guard case .household(let record, _) = assembler.assemble(raw) else { continue }
            let evaluation = HouseholdEvaluation(rules: rules, record: record, on: day)
            let builder = DecisionBuilder(evaluation)
            for (p, member, outcome) in evaluation.evaluateAll() {
                let full = builder.decision(p, member: member, outcome: outcome).residentText
                #expect(builder.residentText(p, member: member, outcome: outcome) == full)
                statuses.insert(outcome.status)
                compared += 1
            }
        }
        #expect(compared > 2000)
        #expect(statuses == [.eligible, .ineligible, .undetermined])
    }
}
