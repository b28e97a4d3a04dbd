import PolicyExpr
import RuleCompiler

/// The answer a household hears, composed from its decisions in the order a 社区工作者 says it
/// (../shared/ANSWER.md): what it can get and the monthly total, what is still to confirm (one
/// merged list of facts), what is not possible now for the policies it could expect, and one line
/// for the rest.
///
/// It reorders and filters the decisions' own texts; it writes no reason of its own, so a roster's
/// `--explain` column (one decision a cell) says the same as `check`.
public struct HouseholdAnswer: Sendable {
    /// A fact that would settle undetermined decisions, merged across policies.
    public struct Fact: Sendable {
        /// The input as `Decision.Missing` names it (`members[P2].incomes`, `hukou_type`).
        public let input: String
        /// The fact in words, with whose it is: 黄某某的月收入.
        public let label: String
        /// Whose fact it is: the member as shown (黄某某), or 全家 for a household fact.
        public let whose: String
        /// The member's id, nil for a household fact.
        public let subject: String?
        /// What to bring, or what to choose ("请先选户籍类型（城镇／农村）…").
        public let ask: String?
        /// The decisions (indices into `decisions`) waiting on this fact.
        public var settles: [Int]
    }

    /// A 不符合 decision told to the household, with the one reason that decides it.
    public struct NotNow: Sendable {
        public let decision: Int
        public let reason: String
    }

    /// Whose word a household fact is.
    public static let household = "全家"

    public let decisions: [Decision]
    /// Eligible decisions, in policy order.
    public let eligible: [Int]
    /// The monthly total of the eligible amounts; nil when none has an amount.
    public let total: Fixed?
    /// Facts to confirm, those settling the most decisions first.
    public let toConfirm: [Fact]
    /// Undetermined decisions with no fact to name (a rule that cannot be computed).
    public let openWithoutFacts: [Int]
    public let notNow: [NotNow]
    /// Decisions outside their policy's audience: only in the worker view.
    public let folded: [Int]
    /// Titles of the policies none of whose decisions is told: the fold line names them.
    public let foldedTitles: [String]
    /// The ids of those policies, in the same order.
    public let foldedPolicies: [String]

    /// Composes the answer; `evaluation` names whose each fact is and reads the household's 户籍类型.
    public init(decisions: [Decision], evaluation: HouseholdEvaluation) {
        self.decisions = decisions
        var eligible: [Int] = [], open: [Int] = [], notNow: [NotNow] = [], folded: [Int] = []
        for (i, d) in decisions.enumerated() {
            switch d.status {
            case .eligible: eligible.append(i)
            case .undetermined where d.inAudience: open.append(i)
            case .ineligible where d.inAudience: notNow.append(NotNow(decision: i, reason: Self.decisiveReason(d)))
            default: folded.append(i)
            }
        }
        self.eligible = eligible
        self.notNow = notNow
        self.folded = folded
        let amounts = eligible.compactMap { decisions[$0].amount }
        total = amounts.isEmpty ? nil : amounts.reduce(Fixed.zero, +)
        let facts = FactMerger(evaluation: evaluation).merge(open.map { ($0, decisions[$0].missing) })
        toConfirm = facts
        openWithoutFacts = open.filter { i in !facts.contains { $0.settles.contains(i) } }
        let told = Set((eligible + open + notNow.map(\.decision)).map { decisions[$0].policy })
        var titles: [String] = [], ids: [String] = []
        for i in folded where !told.contains(decisions[i].policy) && !ids.contains(decisions[i].policy) {
            titles.append(decisions[i].title)
            ids.append(decisions[i].policy)
        }
        foldedTitles = titles
        foldedPolicies = ids
    }

    /// The reason a 不符合 is told by: the first deciding condition the rules word, and the date it
    /// changes when that date is within the policy's horizon. Boundaries ("…需低于…，现为…") stay
    /// in the worker view: they read as advice, and some advice is perverse (earn less).
    static func decisiveReason(_ d: Decision) -> String {
        var reason = d.reasons.first { $0.decisive && $0.outcome == "unmet" && $0.text != nil }
        if reason == nil { reason = d.reasons.first { $0.decisive && $0.text != nil } }
        var text = reason?.text ?? ""
        if let change = d.changes.first(where: { $0.condition == reason?.id }) ?? (reason == nil ? d.changes.first : nil),
            let date = change.date, sayable(date, of: d)
        {
            text += change.text + "。"
        }
        return text.isEmpty ? "暂不符合本项条件。" : text
    }

    /// Whether a "将于…" date of `d` may be said: within its policy's horizon.
    public static func sayable(_ date: Day, of d: Decision) -> Bool { d.horizonEnd.map { date <= $0 } ?? false }
}
