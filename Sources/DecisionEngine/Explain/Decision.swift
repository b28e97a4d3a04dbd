import PolicyExpr
import SourceDiagnostics

/// One policy's decision for one subject, with everything an explanation shows (DESIGN §4).
public struct Decision: Sendable {
    public struct ValueUsed: Sendable {
        public let name: String
        public let label: String
        public let value: Value
        public let type: ExprType
        public var text: String { ValueFormatter.text(value, type) }
    }

    public struct Reason: Sendable {
        public let id: String
        /// met, unmet, unknown, or excepted (met through an `unless`).
        public let outcome: String
        public let text: String?
        public let values: [ValueUsed]
        public let basis: [String]
        /// file:line:column of the condition in the rules.
        public let source: String
        /// True when this condition decides the status (an unmet one of an ineligible decision, say).
        public let decisive: Bool
        public let depth: Int
    }

    public struct Missing: Sendable {
        /// `deposits`, `members[1].incomes`, or `parameter:dibao.standard`.
        public let input: String
        public let label: String
        public let ask: String?
        public let subject: String?
    }

    public struct Change: Sendable {
        public let condition: String
        /// boundary, date or text.
        public let kind: String
        public let text: String
        public let date: Day?
        public let threshold: String?
        public let current: String?
    }

    public let policy: String
    public let title: String
    public let subject: String
    /// For a person policy: the member as shown to a resident (张某某).
    public let subjectLabel: String?
    public let status: DecisionStatus
    public let amount: Fixed?
    public let calculation: String?
    public let reasons: [Reason]
    public let missing: [Missing]
    public let changes: [Change]
    public let summary: String
    public let basis: [String]
    /// False when the subject is outside the policy's `audience:` (an 8-year-old and 高龄津贴);
    /// an unknown audience counts as in while the decision is open. The household answer folds
    /// such decisions unless they are eligible (what a family can get is always said).
    public var inAudience = true
    /// The last day a "将于…" date of this decision is worth saying (the policy's `horizon:`).
    public var horizonEnd: Day?
}
