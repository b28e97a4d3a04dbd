import PolicyExpr
import SourceDiagnostics

extension HouseholdAnswer {
    /// The most policy titles the fold line names before "等".
    static let foldLineTitles = 3

    /// The resident's text, section by section: 可以享受, 还需确认, 暂不符合, then the fold line.
    public var text: String {
        var out = ""
        if !eligible.isEmpty {
            out += "可以享受：\n"
            for i in eligible { out += Self.eligibleLine(decisions[i]) }
            if let total { out += "  合计每月\(total.yuanString)。\n" }
        }
        if !toConfirm.isEmpty || !openWithoutFacts.isEmpty {
            // The decisions waiting are named once; a fact that bears on only some of them says which.
            let open = toConfirm.reduce(into: [Int]()) { all, f in all += f.settles.filter { !all.contains($0) } }.sorted()
            out += "还需确认（关系到\(headings(open))）：\n"
            for f in toConfirm {
                out += "  · "
                if let ask = f.ask {
                    out += ask.contains(f.label) ? Self.sentence(ask) : "\(f.label)：\(Self.sentence(ask))"
                } else {
                    out += Self.sentence(f.label)
                }
                if f.settles.count < open.count { out += "（关系到\(headings(f.settles.sorted()))）" }
                out += "\n"
            }
            for i in openWithoutFacts { out += "  · \(decisions[i].heading)：还需核实部分信息。\n" }
        }
        if !notNow.isEmpty {
            out += "暂不符合：\n"
            // Decisions with the same reason are said once, together (低保 and 低保边缘: the car).
            var reasons: [String] = [], groups: [[Int]] = []
            for n in notNow {
                if let at = reasons.firstIndex(of: n.reason) { groups[at].append(n.decision); continue }
                reasons.append(n.reason)
                groups.append([n.decision])
            }
            for (reason, group) in zip(reasons, groups) { out += "  ✘ \(self.headings(group))：\(reason)\n" }
        }
        if eligible.isEmpty && toConfirm.isEmpty && openWithoutFacts.isEmpty && notNow.isEmpty {
            out += "按申报的情况，目前没有可以享受的项目。\n"
        }
        if let fold = foldLine { out += fold + "\n" }
        return out
    }

    /// "其他几项（高龄津贴、残疾人补贴等）您家暂时不涉及。", or nil when nothing is folded whole.
    public var foldLine: String? {
        guard !foldedTitles.isEmpty else { return nil }
        let named = foldedTitles.prefix(Self.foldLineTitles).joined(separator: "、")
        let more = foldedTitles.count > Self.foldLineTitles ? "等" : ""
        return "其他\(foldedTitles.count == 1 ? "一" : "几")项（\(named)\(more)）您家暂时不涉及。"
    }

    /// Decisions named together: one policy's subjects in one bracket ("养老服务补贴（户主郑某某、配偶林某某）").
    func headings(_ group: [Int]) -> String {
        var titles: [String] = [], subjects: [[String]] = []
        for i in group {
            let d = decisions[i]
            if let at = titles.firstIndex(of: d.title) {
                if let s = d.subjectLabel { subjects[at].append(s) }
            } else {
                titles.append(d.title)
                subjects.append(d.subjectLabel.map { [$0] } ?? [])
            }
        }
        return zip(titles, subjects).map { t, s in s.isEmpty ? t : "\(t)（\(s.joined(separator: "、"))）" }.joined(separator: "、")
    }

    /// "✔ 最低生活保障：每月1,320元。" and the calculation under it.
    static func eligibleLine(_ d: Decision) -> String {
        var out = "  ✔ \(d.heading)：" + (d.amount.map { "每月\($0.yuanString)。" } ?? "符合。") + "\n"
        if let c = d.calculation { out += "    计算：\(c)\n" }
        return out
    }

    /// A text ending in one full stop.
    static func sentence(_ s: String) -> String {
        s.hasSuffix("。") || s.hasSuffix("！") || s.hasSuffix("？") ? s : s + "。"
    }

    // MARK: JSON

    /// The `answer` block of a check's JSON: what the text says, as data.
    public func write(to w: inout JSONWriter) {
        w.object { w in
            w.key("eligible")
            w.array(eligible) { w, i in
                w.object { w in
                    decisions[i].writeKey(to: &w)
                    w.key("amount"); w.string(decisions[i].amount?.decimalString(places: 2))
                }
            }
            w.key("total"); w.string(total?.decimalString(places: 2))
            w.key("to_confirm")
            w.array(toConfirm) { w, f in
                w.object { w in
                    w.key("input"); w.string(f.input)
                    w.key("label"); w.string(f.label)
                    w.key("whose"); w.string(f.whose)
                    w.key("subject"); w.string(f.subject)
                    w.key("ask"); w.string(f.ask)
                    w.key("settles"); w.array(f.settles) { w, i in w.object { w in decisions[i].writeKey(to: &w) } }
                }
            }
            w.key("not_now")
            w.array(notNow) { w, n in
                w.object { w in
                    decisions[n.decision].writeKey(to: &w)
                    w.key("reason"); w.string(n.reason)
                }
            }
            w.key("folded"); w.array(folded) { w, i in w.object { w in decisions[i].writeKey(to: &w) } }
            w.key("folded_policies"); w.strings(foldedPolicies)
            w.key("fold_line"); w.string(foldLine)
        }
    }
}

extension Decision {
    /// The keys that name a decision inside the answer block: its policy and subject.
    func writeKey(to w: inout JSONWriter) {
        w.key("policy"); w.string(policy)
        w.key("title"); w.string(title)
        w.key("subject"); w.string(subject)
        w.key("subject_label"); w.string(subjectLabel)
    }
}
