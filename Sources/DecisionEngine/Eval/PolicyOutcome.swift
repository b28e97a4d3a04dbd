import PolicyExpr

/// 符合 / 不符合 / 待核实.
public enum DecisionStatus: String, Sendable {
    case eligible, ineligible, undetermined

    public var chinese: String {
        switch self {
        case .eligible: "符合"
        case .ineligible: "不符合"
        case .undetermined: "待核实"
        }
    }

    public var mark: String {
        switch self {
        case .eligible: "✔"
        case .ineligible: "✘"
        case .undetermined: "？"
        }
    }
}

/// The trace of one policy for one subject: every condition's outcome, the status and amount.
/// Explanations are filters over it; nothing is evaluated twice.
public struct PolicyOutcome: Sendable {
    public enum ConditionOutcome: Sendable, Equatable {
        case met, unmet, unknown([UnknownCause])
        /// `when` was false but an `unless` exception held.
        case excepted
    }

    public var status: DecisionStatus
    public var amount: Fixed?
    /// Outcomes in the order of `policy.conditions`.
    public var conditions: [ConditionOutcome]
    /// Why the status is undetermined (conditions, amount or an overlap that could not be decided).
    public var causes: [UnknownCause]
    /// Set when the policy is not in effect on the date.
    public var notInEffect = false
    /// Set when 择高 gave way to another policy: its index.
    public var yieldedTo: Int?
}
