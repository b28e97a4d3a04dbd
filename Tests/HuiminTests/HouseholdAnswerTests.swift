import DecisionEngine
import Foundation
import PolicyExpr
import RuleCompiler
import SourceDiagnostics
import Testing

/// The household answer (issue 21, first step): the order of ../shared/ANSWER.md, audience and
/// horizon from the YAML, the merged list of facts, golden answers for realistic households.
@Suite("household answer")
struct HouseholdAnswerTests {
    static let day = Day(year: 2023, month: 12, day: 1)!
    static let answers = Repo.fixtures + "/answers"

    /// Every golden household: the bundled examples and the fixtures of answers/.
    static let households: [String] = {
        let fm = FileManager.default
        let examples = ((try? fm.contentsOfDirectory(atPath: Repo.root + "/examples/households")) ?? [])
            .filter { $0.hasSuffix(".yaml") }.map { Repo.root + "/examples/households/" + $0 }
        let fixtures = ((try? fm.contentsOfDirectory(atPath: answers)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.map { answers + "/" + $0 }
        return (examples + fixtures).sorted()
    }()

    static func report(_ path: String) throws -> CheckReport {
        let file = try SourceFile.load(path: path).get()
        let (record, problems) = HouseholdDecoder(schema: Repo.bundledRules.schema).decode(file: file)
        let r = try #require(record, "\(path): \(DiagnosticRenderer.text(problems))")
        return CheckReport.make(rules: Repo.bundledRules, record: r, on: day)
    }

    static func name(_ path: String) -> String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }

    @Test("there are golden households of both cities", arguments: [("武汉市", 5), ("宁波市", 3)])
    func bothCities(city: String, atLeast: Int) throws {
        let regions = try Self.households.map { try Self.report($0).regionName }
        #expect(regions.filter { $0.hasPrefix(city) }.count >= atLeast)
    }

    @Test("golden answers: text, worker view and JSON", arguments: households)
    func golden(path: String) throws {
        let report = try Self.report(path)
        let base = Self.answers + "/golden/" + Self.name(path)
        try FileManager.default.createDirectory(atPath: Self.answers + "/golden", withIntermediateDirectories: true)
        Repo.expectGolden(report.text(), base + ".txt")
        Repo.expectGolden(report.text(full: true), base + ".full.txt")
        // The rules' hash changes with every edit of rules/; the golden file does not pin it.
        let json = String(decoding: report.json(texts: .resident, pretty: true), as: UTF8.self).replacingOccurrences(of: report.rulesHash, with: "<rules hash>")
        Repo.expectGolden(json + "\n", base + ".json")
    }

    /// Every golden household and every case of cases/, for the assertions on the resident text,
    /// by name ("h001", "cases/tekun.yaml #3: 孤儿…").
    static let everyHousehold: [String: CheckReport] = {
        var all: [String: CheckReport] = [:]
        for p in households { all[name(p)] = try? report(p) }
        for path in CaseFile.files(under: [Repo.root + "/cases"]) {
            for (i, c) in CaseFile.load(path: path, rules: Repo.bundledRules).cases.enumerated() {
                all["cases/\(name(path)) #\(i + 1): \(c.name)"] = CheckReport.make(rules: Repo.bundledRules, record: c.record, on: c.date)
            }
        }
        return all
    }()

    @Test("every golden household and case is checked")
    func everyOneChecked() {
        #expect(Self.everyHousehold.count == Self.households.count + 155)
        #expect(Self.everyHousehold.values.allSatisfy { !$0.decisions.isEmpty })
    }

    @Test("the resident text keeps ANSWER.md's rules", arguments: everyHousehold.keys.sorted())
    func residentText(name: String) throws {
        let report = try #require(Self.everyHousehold[name])
        for problem in AnswerTextCheck(report: report).problems() {
            Issue.record("\(problem)\n\(report.text())")
        }
    }

    @Test("the checks catch what they look for", arguments: [
        ("✘ 高龄津贴（户主张某某）：不符合。\n✔ 最低生活保障：每月1,320元。\n", "the first decision line"),
        ("✔ 最低生活保障：每月1,320元。\n  · 将于2090年9月9日年满80周岁\n", "beyond the horizon"),
        ("✔ 最低生活保障：每月1,320元。\n  · 残疾等级（0为无）需不低于1，现为0。\n", "machine phrasing"),
    ])
    func checksFail(text: String, problem: String) throws {
        let report = try Self.report(Repo.root + "/examples/households/h001.yaml")
        let problems = AnswerTextCheck(report: report, text: text).problems()
        #expect(problems.contains { $0.contains(problem) }, "\(problems)")
    }

    @Test("a folded policy said outside the fold line is caught")
    func foldCheckFails() throws {
        let report = try Self.report(Repo.root + "/examples/households/h001.yaml")
        let folded = try #require(report.answer.foldedTitles.first)
        let problems = AnswerTextCheck(report: report, text: "✔ 最低生活保障：每月1,320元。\n✘ \(folded)：不符合。\n").problems()
        #expect(problems.contains { $0.contains("folded") })
    }

    @Test("a blank 户籍类型 is asked for, not called a gap in the rules")
    func blankHukou() throws {
        let report = try Self.report(Self.answers + "/hukou-blank.yaml")
        let fact = try #require(report.answer.toConfirm.first)
        #expect(fact.input == "hukou_type")
        #expect(fact.ask?.hasPrefix("请先选户籍类型（城镇／农村）") == true)
        #expect(fact.settles.count == 2)
        #expect(!report.text().contains("规则中缺少此参数"))
    }

    @Test("facts are merged across policies, with whose they are, the most-settling first")
    func mergedFacts() throws {
        let report = try Self.report(Self.answers + "/ningbo-85.yaml")
        let facts = report.answer.toConfirm
        #expect(Set(facts.map(\.input)).count == facts.count)
        #expect(facts.map(\.settles.count) == facts.map(\.settles.count).sorted(by: >))
        let income = try #require(facts.first { $0.input == "members[P1].incomes" })
        #expect(income.whose == "户主陈某某")
        #expect(income.settles.count >= 4)
        #expect(facts.first { $0.input == "deposits" }?.whose == HouseholdAnswer.household)
    }

    @Test("JSON: an answer block with the total, and audience on every decision")
    func json() throws {
        let report = try Self.report(Self.answers + "/disabled-son.yaml")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json())) as? [String: Any])
        let answer = try #require(object["answer"] as? [String: Any])
        #expect(answer["total"] as? String == "1120.00")
        #expect((answer["eligible"] as? [[String: Any]])?.count == 3)
        #expect((answer["folded_policies"] as? [String])?.contains("gaoling") == true)
        let decisions = try #require(object["decisions"] as? [[String: Any]])
        #expect(decisions.allSatisfy { ["in", "out"].contains($0["audience"] as? String ?? "") })
        let gaoling = decisions.filter { $0["policy"] as? String == "gaoling" }
        #expect(gaoling.allSatisfy { $0["audience"] as? String == "out" })
    }
}

