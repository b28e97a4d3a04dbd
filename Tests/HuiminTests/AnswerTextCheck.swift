import DecisionEngine
import Foundation
import PolicyExpr

/// What every resident answer must keep (../shared/ANSWER.md), checked on its text.
struct AnswerTextCheck {
    /// Machine phrasings a resident must never read.
    static let machinePhrasings = ["该项需", "现为", "（0为无）", "规则中缺少此参数", "的患有"]

    let report: CheckReport
    var text: String

    init(report: CheckReport, text: String? = nil) {
        self.report = report
        self.text = text ?? report.text()
    }

    var lines: [Substring] { text.split(separator: "\n") }

    /// Each rule broken, in words; empty when the text keeps them all.
    func problems() -> [String] {
        firstLine() + folded() + horizon() + phrasing()
    }

    /// The first decision line is an eligible one when any decision is eligible.
    func firstLine() -> [String] {
        guard report.decisions.contains(where: { $0.status == .eligible }) else { return [] }
        let first = lines.map { $0.drop { $0 == " " } }.first { $0.hasPrefix("✔") || $0.hasPrefix("✘") || $0.hasPrefix("？") }
        return first?.hasPrefix("✔") == true ? [] : ["the first decision line is not an eligible one: \(first ?? "none")"]
    }

    /// No folded policy (or folded subject of a policy) is said outside the fold line.
    func folded() -> [String] {
        let told = lines.filter { !$0.hasPrefix("其他") && !$0.hasSuffix("您家暂时不涉及。") }.dropFirst()
        var out: [String] = []
        for title in report.answer.foldedTitles {
            for line in told where line.contains(title) { out.append("folded policy \(title) said outside the fold line: \(line)") }
        }
        for i in report.answer.folded {
            let d = report.decisions[i]
            guard let who = d.subjectLabel else { continue }
            for line in told where Self.subjects(of: d.title, in: line).contains(who) {
                out.append("folded decision \(d.title)（\(who)） said outside the fold line: \(line)")
            }
        }
        return out
    }

    /// The subjects a line names in the bracket after `title`: "养老服务补贴（户主A、配偶B）" → [户主A, 配偶B].
    static func subjects(of title: String, in line: Substring) -> [String] {
        var found: [String] = []
        var rest = line[...]
        while let r = rest.range(of: title + "（") {
            let inside = rest[r.upperBound...].prefix { $0 != "）" }
            found += inside.split(separator: "、").map(String.init)
            rest = rest[r.upperBound...]
        }
        return found
    }

    /// No "将于…" date beyond the furthest horizon of the rules.
    func horizon() -> [String] {
        let end = report.decisions.compactMap(\.horizonEnd).max() ?? report.date
        let pattern = try! NSRegularExpression(pattern: "将于(\\d{4})年(\\d{1,2})月(\\d{1,2})日")
        let ns = text as NSString
        return pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)).compactMap { m in
            let n = (1...3).map { Int(ns.substring(with: m.range(at: $0)))! }
            guard let day = Day(year: n[0], month: n[1], day: n[2]), day > end else { return nil }
            return "a date beyond the horizon: \(ns.substring(with: m.range))"
        }
    }

    func phrasing() -> [String] {
        Self.machinePhrasings.filter { text.contains($0) }.map { "machine phrasing “\($0)” in the resident text" }
    }
}
