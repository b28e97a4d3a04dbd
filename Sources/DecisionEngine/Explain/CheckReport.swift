import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// The answer for one household: every decision, with what is needed to reproduce it.
public struct CheckReport: Sendable {
    public static let version = "0.1.0"

    public let date: Day
    public let rulesHash: String
    public let householdID: String
    public let householdLabel: String
    public let memberCount: Int
    public let regionCode: String
    public let regionName: String
    public let decisions: [Decision]
    /// The decisions composed into the answer the household hears (ANSWER.md's order).
    public let answer: HouseholdAnswer

    /// Evaluates every policy (or those named) for a household and builds the decisions.
    public static func make(rules: RuleSet, record: HouseholdRecord, on day: Day, policies: Set<String>? = nil, revealNames: Bool = false) -> CheckReport {
        let evaluation = HouseholdEvaluation(rules: rules, record: record, on: day)
        evaluation.revealNames = revealNames
        return make(evaluation, policies: policies)
    }

    /// The report of an evaluation already made (its trace stays available to the caller).
    public static func make(_ evaluation: HouseholdEvaluation, policies: Set<String>? = nil) -> CheckReport {
        let rules = evaluation.rules, record = evaluation.record, day = evaluation.today, revealNames = evaluation.revealNames
        let decisions = DecisionBuilder(evaluation).decisions(only: policies)
        let schema = rules.schema
        var head = record.members.first
        if let rel = schema.field(schema.conventions.relation, .person), case .enumeration(let e) = rel.kind,
            let o = e.ordinal(of: schema.conventions.headRelation)
        {
            head = record.members.first { $0.values[rel.index] == .enumeration(o) } ?? head
        }
        let headLabel = head.flatMap { Masking.nameOnly($0, schema: schema, reveal: revealNames) }.map { $0 + "家" } ?? "户\(record.id)"
        return CheckReport(
            date: day, rulesHash: rules.hash, householdID: record.id, householdLabel: headLabel,
            memberCount: record.members.count, regionCode: record.region, regionName: evaluation.regionName, decisions: decisions,
            answer: HouseholdAnswer(decisions: decisions, evaluation: evaluation))
    }

    // MARK: JSON (DESIGN §7)

    /// Which rendered texts the JSON carries besides the data: none, the resident's (`text`), or
    /// also the worker view (`worker_text`).
    public enum Texts: String, Sendable, CaseIterable { case none, resident, worker }

    /// The JSON text, compact or indented.
    public func json(texts: Texts = .none, pretty: Bool = false) -> [UInt8] {
        var w = JSONWriter(pretty: pretty, capacity: 1024 + decisions.count * 4096)
        write(to: &w, texts: texts)
        return w.bytes
    }

    /// Writes the report straight into JSON: no tree of values is built on the way.
    public func write(to w: inout JSONWriter, texts: Texts) {
        w.object { w in
            w.key("version"); w.string(CheckReport.version)
            w.key("date"); w.string(date.description)
            w.key("rules"); w.object { w in w.key("hash"); w.string(rulesHash) }
            w.key("household"); w.string(householdID)
            w.key("household_label"); w.string(householdLabel)
            w.key("members"); w.int(memberCount)
            w.key("region"); w.object { w in w.key("code"); w.string(regionCode); w.key("name"); w.string(regionName) }
            // Each decision's text is rendered once, for its own `text` and for the whole.
            let resident = texts == .none ? [] : decisions.map(\.residentText)
            let worker = texts == .worker ? decisions.map(\.workerText) : []
            w.key("decisions")
            w.array { w in
                for i in decisions.indices {
                    decisions[i].write(to: &w, resident: resident.isEmpty ? nil : resident[i], worker: worker.isEmpty ? nil : worker[i])
                }
            }
            w.key("answer"); answer.write(to: &w)
            if texts != .none { w.key("text"); w.string(text(resident: resident, worker: worker)) }
        }
    }

    // MARK: Text (DESIGN §5)

    /// The household's answer; with `full`, the worker view follows: every decision, each
    /// condition with its values and rule source, those folded out of the answer included.
    public func text(full: Bool = false) -> String {
        text(resident: full ? decisions.map(\.residentText) : [], worker: full ? decisions.map(\.workerText) : [])
    }

    /// The answer, then (when `worker` is not empty) each decision's own text and worker view.
    func text(resident: [String], worker: [String]) -> String {
        var out = "\(householdLabel)（\(memberCount)人）· \(regionName) · \(date.chinese)\n"
        out += answer.text
        guard !worker.isEmpty else { return out }
        out.reserveCapacity(out.utf8.count + resident.reduce(0) { $0 + $1.utf8.count } + worker.reduce(0) { $0 + $1.utf8.count })
        out += "┄┄ 工作人员视图：每项政策、每个条件 ┄┄\n"
        for i in resident.indices {
            out += resident[i]
            out += worker[i]
        }
        return out
    }
}

extension Decision {
    /// The decision with the texts already rendered (the resident's, and the worker view).
    func write(to w: inout JSONWriter, resident: String?, worker: String?) {
        w.object { w in
            w.key("policy"); w.string(policy)
            w.key("title"); w.string(title)
            w.key("subject"); w.string(subject)
            w.key("subject_label"); w.string(subjectLabel)
            w.key("status"); w.string(status.rawValue)
            w.key("amount"); w.string(amount?.decimalString(places: 2))
            w.key("summary"); w.string(summary)
            w.key("calculation"); w.string(calculation)
            w.key("reasons")
            w.array(reasons) { w, r in
                w.object { w in
                    w.key("id"); w.string(r.id)
                    w.key("outcome"); w.string(r.outcome)
                    w.key("decisive"); w.bool(r.decisive)
                    w.key("text"); w.string(r.text)
                    w.key("values")
                    w.array(r.values) { w, v in
                        w.object { w in
                            w.key("name"); w.string(v.name)
                            w.key("label"); w.string(v.label)
                            w.key("value"); ValueFormatter.write(v.value, v.type, to: &w)
                            w.key("text"); w.string(v.text)
                        }
                    }
                    w.key("basis"); w.strings(r.basis)
                    w.key("source"); w.string(r.source)
                }
            }
            w.key("missing")
            w.array(missing) { w, m in
                w.object { w in
                    w.key("input"); w.string(m.input)
                    w.key("label"); w.string(m.label)
                    w.key("ask"); w.string(m.ask)
                    w.key("subject"); w.string(m.subject)
                }
            }
            w.key("changes")
            w.array(changes) { w, c in
                w.object { w in
                    w.key("condition"); w.string(c.condition)
                    w.key("kind"); w.string(c.kind)
                    w.key("text"); w.string(c.text)
                    w.key("date"); w.string(c.date?.description)
                    w.key("threshold"); w.string(c.threshold)
                    w.key("current"); w.string(c.current)
                }
            }
            w.key("basis"); w.strings(basis)
            w.key("audience"); w.string(inAudience ? "in" : "out")
            if let resident { w.key("text"); w.string(resident) }
            if let worker { w.key("worker_text"); w.string(worker) }
        }
    }

    var heading: String { title + (subjectLabel.map { "（\($0)）" } ?? "") }

    /// Short and concrete, in the rules' own words.
    public var residentText: String {
        var out = ""
        switch status {
        case .eligible:
            out += "\(status.mark) \(heading)：符合" + (amount.map { "，预计每月\($0.yuanString)。" } ?? "。") + "\n"
            for r in reasons where r.decisive && r.text != nil && r.depth > 0 { out += "  · \(r.text!)\n" }
            if let calculation { out += "  计算：\(calculation)\n" }
            if !basis.isEmpty { out += "  依据：\(basis.joined(separator: "；"))\n" }
        case .ineligible:
            out += "\(status.mark) \(heading)：不符合。\n"
            // The resident reads the first two reasons; the worker view lists them all.
            var shown = 0
            for i in reasons.indices where shown < 2 && reasons[i].decisive && reasons[i].outcome == "unmet" {
                let change = changes.first { $0.condition == reasons[i].id }
                guard reasons[i].text != nil || change != nil else { continue }
                out += "  · \(reasons[i].text ?? "")\(change.map { $0.text + "。" } ?? "")\n"
                shown += 1
            }
        case .undetermined:
            var unique: [String] = []
            for a in missing.compactMap(\.ask) {
                var ask = Substring(a)
                if ask.hasPrefix("请提供") { ask = ask.dropFirst(3) } else if ask.hasPrefix("请") { ask = ask.dropFirst(1) }
                if !unique.contains(String(ask)) { unique.append(String(ask)) }
            }
            out += "\(status.mark) \(heading)：待核实。" + (unique.isEmpty ? "" : "请提供：\(unique.joined(separator: "；"))。") + "\n"
            if !missing.isEmpty { out += "  · 还需核实：\(missing.map(\.label).joined(separator: "、"))。\n" }
        }
        return out
    }

    /// A condition's outcome as the worker view says it.
    static let outcomeWords = ["met": "满足", "unmet": "不满足", "unknown": "未知", "excepted": "例外，视为满足"]

    /// Every condition with its outcome, values and rule source, for a worker.
    public var workerText: String {
        var out = "  ┄ 工作人员视图 ┄\n"
        if !inAudience, status != .eligible { out += "    不在本项的对象范围内（audience），居民答复中不列出。\n" }
        out.reserveCapacity(256 * (reasons.count + 1))  // grown once, not line by line
        // Appended piece by piece: interpolating each line into a new string first costs more
        // than the rest of the explanation.
        for r in reasons {
            let indent = String(repeating: "  ", count: r.depth + 1)
            out += indent
            out += r.outcome == "met" || r.outcome == "excepted" ? "✔ [" : r.outcome == "unmet" ? "✘ [" : "？ ["
            out += r.id
            out += "] "
            out += Self.outcomeWords[r.outcome] ?? r.outcome
            if r.decisive { out += "（决定结果）" }
            if let t = r.text { out += " — "; out += t }
            out += "\n"
            for (i, v) in r.values.enumerated() {
                out += i == 0 ? indent + "    值：" : "；"
                out += v.label; out += "（"; out += v.name; out += "）= "; out += v.text
                if i == r.values.count - 1 { out += "\n" }
            }
            for (i, b) in r.basis.enumerated() {
                out += i == 0 ? indent + "    依据：" : "；"
                out += b
                if i == r.basis.count - 1 { out += "\n" }
            }
            out += indent; out += "    规则："; out += r.source; out += "\n"
        }
        for m in missing { out += "    缺少：\(m.label)（\(m.input)）" + (m.ask.map { "，\($0)" } ?? "") + "\n" }
        for c in changes { out += "    可改变结果：\(c.text)\n" }
        return out
    }
}
