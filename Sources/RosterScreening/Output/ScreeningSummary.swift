import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// Per policy: decisions by status, the monthly total, and the 政策找人 lists.
public struct ScreeningSummary: Sendable {
    public struct PolicyTally: Sendable {
        public let policy: String
        public let title: String
        public var eligible = 0, ineligible = 0, undetermined = 0
        public var total = MoneyTotal.zero
        /// Eligible but not receiving (应享未享), and receiving but no longer eligible (享而不符).
        public var eligibleNotReceiving: [String] = []
        public var receivingNotEligible: [String] = []
    }

    public var rows = 0
    public var households = 0
    public var persons = 0
    public var rejectedRows = 0
    public var rejectedHouseholds = 0
    /// Households the batch evaluator decided (the others went one at a time); not in the JSON.
    public var batchedHouseholds = 0
    /// Rows whose fields the workers read, cut from text without quotes; not in the JSON.
    public var cutRows = 0
    public var policies: [PolicyTally]
    /// For `huimin diff`: per policy, who gains and loses between the two rule sets.
    public var changes: [PolicyChangeTally] = []
    public var date: Day
    public var rulesHash: String
    public var encoding = "utf8"
    /// True for a JSONL roster, where each input line is a household rather than a person.
    public var linesAreHouseholds = false
    /// Whether the schema has a `receiving` field, so that 政策找人 can be counted.
    public let tracksReceiving: Bool

    public init(rules: RuleSet, date: Day) {
        tracksReceiving = rules.schema.receivingField != nil
        policies = rules.policies.map { PolicyTally(policy: $0.id, title: $0.title) }
        self.date = date
        rulesHash = rules.hash
    }

    /// Every input row is in the output or the rejects.
    public var reconciles: Bool {
        linesAreHouseholds ? rows == households + rejectedHouseholds : rows == persons + rejectedRows
    }

    public mutating func merge(_ other: ScreeningSummary) {
        for i in other.changes.indices {
            let o = other.changes[i]
            changes[i].newlyEligible += o.newlyEligible
            changes[i].noLongerEligible += o.noLongerEligible
            changes[i].amountUp += o.amountUp
            changes[i].amountDown += o.amountDown
            changes[i].undeterminedChanged += o.undeterminedChanged
            changes[i].baseTotal = changes[i].baseTotal + o.baseTotal
            changes[i].newTotal = changes[i].newTotal + o.newTotal
        }
        rows += other.rows
        households += other.households
        persons += other.persons
        rejectedRows += other.rejectedRows
        rejectedHouseholds += other.rejectedHouseholds
        batchedHouseholds += other.batchedHouseholds
        cutRows += other.cutRows
        for i in policies.indices {
            let o = other.policies[i]
            policies[i].eligible += o.eligible
            policies[i].ineligible += o.ineligible
            policies[i].undetermined += o.undetermined
            policies[i].total = policies[i].total + o.total
            policies[i].eligibleNotReceiving += o.eligibleNotReceiving
            policies[i].receivingNotEligible += o.receivingNotEligible
        }
    }

    public var json: JSONValue {
        .object([
            ("date", .string(date.description)),
            ("rules", .object([("hash", .string(rulesHash))])),
            ("encoding", .string(encoding)),
            ("rows", .int(rows)),
            ("households", .int(households)),
            ("persons", .int(persons)),
            ("rejected_rows", .int(rejectedRows)),
            ("rejected_households", .int(rejectedHouseholds)),
            ("reconciled", .bool(reconciles)),
            ("policies", .array(policies.map { p in
                .object([
                    ("policy", .string(p.policy)), ("title", .string(p.title)),
                    ("eligible", .int(p.eligible)), ("ineligible", .int(p.ineligible)), ("undetermined", .int(p.undetermined)),
                    ("monthly_total", .string(p.total.decimalString(places: 2))),
                ] + (tracksReceiving ? [
                    ("eligible_not_receiving", .object([("count", .int(p.eligibleNotReceiving.count)), ("subjects", .array(p.eligibleNotReceiving.map { .string($0) }))])),
                    ("receiving_not_eligible", .object([("count", .int(p.receivingNotEligible.count)), ("subjects", .array(p.receivingNotEligible.map { .string($0) }))])),
                ] : []))
            })),
        ])
    }

    public var text: String {
        var out = "\(date.chinese) · 共\(rows)行：\(households)户\(persons)人已判断，\(rejectedRows)行（\(rejectedHouseholds)户）未能处理"
        out += reconciles ? "，核对无误。\n" : "，行数不符！\n"
        let width = policies.map { DisplayWidth.of($0.title) }.max() ?? 8
        for p in policies where p.eligible + p.ineligible + p.undetermined > 0 {
            let pad = String(repeating: " ", count: max(0, width - DisplayWidth.of(p.title)))
            out += "  \(p.title)\(pad)  符合 \(p.eligible)  不符合 \(p.ineligible)  待核实 \(p.undetermined)  月合计 \(p.total.yuanString)"
            out += tracksReceiving ? "  应享未享 \(p.eligibleNotReceiving.count)  享而不符 \(p.receivingNotEligible.count)\n" : "\n"
        }
        return out
    }
}
