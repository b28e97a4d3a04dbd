import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// The 明白纸 of a policy: who may apply, the conditions in plain Chinese, the standards with a
/// region's figures on a date, the documents to bring, the procedure and 公示, and the legal
/// basis — made from the same rules the engine runs, so the sheet and the decisions agree.
public struct PolicySheet: Sendable {
    public struct Condition: Sendable {
        public let text: String
        public let basis: [String]
        /// For a group: "以下条件都要满足" or "满足以下条件之一", and its parts.
        public let group: String?
        public let parts: [Condition]
    }

    public struct Standard: Sendable {
        public let label: String
        public let figure: String
        public let unit: String?
        public let note: String?
    }

    public let title: String
    public let policy: String
    public let regionName: String
    public let date: Day
    public let who: String?
    public let subject: String
    public let conditions: [Condition]
    public let amount: String?
    public let standards: [Standard]
    public let documents: [String]
    public let procedure: [String]
    public let publicity: String?
    public let overlaps: [String]
    public let basis: [String]
    public let source: String
    public let rulesHash: String
    public let inEffect: Bool

    public init(policy p: CompiledPolicy, rules: RuleSet, region: String, date: Day) {
        let d = RuleDescriber(rules: rules, region: region, date: date)
        title = p.title
        policy = p.id
        regionName = rules.regionName(region) ?? region
        self.date = date
        who = p.who
        subject = p.subject == .household ? "按户认定" : "按人认定"
        inEffect = (p.effectiveFrom.map { $0 <= date } ?? true) && (p.effectiveTo.map { date <= $0 } ?? true)
        var overlaps: [String] = []
        func condition(_ c: CompiledCondition) -> Condition? {
            switch c.kind {
            case .leaf(let when, let unless):
                if c.isOverlap {
                    overlaps.append(c.unmet.map { Self.plain($0, d) } ?? d.text(when))
                    return nil
                }
                var text = d.expanded(when)
                if text == "是" { return nil }
                if text == "否" { text = "（\(rules.regionName(region) ?? region)在这一日期不具备此项条件）" }
                if let unless { text += "；但\(d.text(unless))的，不受此限" }
                return Condition(text: text, basis: c.basis, group: nil, parts: [])
            case .all(let xs):
                return Condition(text: "", basis: c.basis, group: "以下条件都要满足", parts: xs.compactMap(condition))
            case .any(let xs):
                return Condition(text: "", basis: c.basis, group: "满足以下条件之一", parts: xs.compactMap(condition))
            case .not(let x):
                return Condition(text: "", basis: c.basis, group: "不属于以下情形", parts: [condition(x)].compactMap { $0 })
            }
        }
        let root = condition(p.eligible)
        conditions = root.map { $0.group == "以下条件都要满足" ? $0.parts : [$0] } ?? []
        for (other, text) in p.higherOf {
            overlaps.append(text.map { Self.plain($0, d) } ?? "与\(rules.policies[other].title)都符合的，按金额较高的一项享受。")
        }
        self.overlaps = overlaps
        if let a = p.amount {
            var text = d.expanded(a.expr)
            if let (unit, mode) = a.rounding { text += "（计算到\(unit.chinese)，\(mode.chinese)）" }
            amount = text
        } else {
            amount = nil
        }
        let refs = rules.references(of: p)
        standards = refs.parameters.compactMap { i in
            let spec = rules.schema.parameters[i]
            guard spec.type != .bool else { return nil }
            let e = d.entry(i)
            return Standard(label: spec.label, figure: d.figure(i) ?? "本地未规定", unit: spec.unit,
                note: e.map { entry in entry.placeholder.map { "待核实：\($0)" } ?? entry.source ?? "" })
        }
        var documents: [String] = []
        let region = rules.schema.field(rules.schema.conventions.region, .household)
        let fields = (refs.parameters.isEmpty ? [] : [region].compactMap { $0 })
            + refs.householdFields.map { rules.schema.household[$0] } + refs.personFields.map { rules.schema.person[$0] }
        for f in fields {
            if let ask = f.ask, !documents.contains(ask) { documents.append(ask) }
        }
        self.documents = documents
        procedure = p.procedure
        publicity = p.publicity
        // Each condition shows its own basis; the list at the end is the policy's.
        basis = p.basis
        source = p.sourcePath
        rulesHash = rules.hash
    }

    /// A template with its values put into words (used for texts that name no household figure).
    static func plain(_ t: Template, _ d: RuleDescriber) -> String {
        t.parts.map { part in
            switch part {
            case .text(let s): s
            case .value(let e): d.text(e)
            }
        }.joined()
    }
}
