import Foundation
import DecisionEngine
import PolicyExpr
import RuleCompiler
import Testing

/// The 明白纸: made from the rules, with the region's figures on the date.
@Suite("明白纸 (huimin explain)")
struct PolicySheetTests {
    static let policies = ["dibao", "dibao_edge", "dibao_single", "tekun", "gaoling", "elderly_care", "disability_living", "disability_care"]
    static let regions = ["420102", "330203"]

    @Test("every bundled policy, for 武汉 and 宁波, in every format", arguments: policies, regions)
    func everyPolicy(_ id: String, _ region: String) throws {
        let rules = Repo.bundledRules
        let p = try #require(rules.policy(id))
        let sheet = PolicySheet(policy: p, rules: rules, region: region, date: Day(year: 2026, month: 1, day: 1)!)
        #expect(sheet.inEffect)
        #expect(!sheet.conditions.isEmpty)
        #expect(!sheet.basis.isEmpty)
        let place = region == "420102" ? "武汉市江岸区" : "宁波市海曙区"
        for format in PolicySheet.Format.allCases where format != .json {
            let text = sheet.render(format)
            #expect(text.contains("\(p.title)政策明白纸"), "\(format)")
            #expect(text.contains(place), "\(format)")
            #expect(!text.contains("{") || format == .html, "a template hole left unfilled in \(format)")
        }
        // The same sheet as data.
        let data = try #require(try JSONSerialization.jsonObject(with: Data(sheet.render(.json).utf8)) as? [String: Any])
        #expect(data["title"] as? String == p.title)
        #expect(data["region"] as? String == place)
        #expect((data["conditions"] as? [Any])?.count == sheet.conditions.count)
        let html = sheet.render(.html)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("@page { size: A4"))
    }

    @Test("the region's figures on the date: 武汉 低保标准 910 before 2023-06-14, 940 from it; 宁波's own")
    func figures() throws {
        let rules = Repo.bundledRules
        let p = try #require(rules.policy("dibao"))
        let cases: [(String, Day, String)] = [
            ("420102", Day(year: 2023, month: 6, day: 13)!, "城镇910元、农村780元"),
            ("420102", Day(year: 2023, month: 6, day: 14)!, "城镇940元、农村820元"),
        ]
        for (region, date, figure) in cases {
            let sheet = PolicySheet(policy: p, rules: rules, region: region, date: date)
            #expect(sheet.standards.first?.figure == figure)
            #expect(sheet.text.contains("家庭人均月收入低于低保标准（\(figure)）"))
        }
    }

    @Test("the text of 武汉's 低保 明白纸 (golden)")
    func golden() throws {
        let rules = Repo.bundledRules
        let sheet = PolicySheet(policy: try #require(rules.policy("dibao")), rules: rules, region: "420102", date: Day(year: 2026, month: 1, day: 1)!)
        Repo.expectGolden(sheet.text.replacingOccurrences(of: rules.hash.prefix(12), with: "<hash>"), Repo.fixtures + "/explain/dibao-420102.txt")
    }
}
