import PolicyExpr
import SourceDiagnostics
import YAMLSource

/// A policy file as written, before its expressions are checked.
struct RawPolicy {
    struct Let {
        let name: String
        let nameNode: YAMLNode
        let value: YAMLNode
        let label: String?
        let rounding: (RoundingUnit, Rounding)?
        let memberScope: Bool
    }

    indirect enum ConditionKind {
        case leaf(when: YAMLNode, unless: YAMLNode?)
        case all([RawCondition])
        case any([RawCondition])
        case not(RawCondition)
    }

    struct RawCondition {
        let id: String
        let node: YAMLNode
        let kind: ConditionKind
        let met: YAMLNode?
        let unmet: YAMLNode?
        let excepted: YAMLNode?
        let change: YAMLNode?
        let basis: [String]
    }

    struct Amount {
        let value: YAMLNode
        let rounding: (RoundingUnit, Rounding)?
        let explain: YAMLNode?
    }

    struct Overlap {
        let policy: String
        let node: YAMLNode
        let text: YAMLNode?
    }

    let id: String
    let idNode: YAMLNode
    let title: String
    /// Where the policy is listed in outputs (smaller first, then by id).
    let order: Int
    let subject: FieldLevel
    let effectiveFrom: Day?
    let effectiveTo: Day?
    let basis: [String]
    let who: String?
    let procedure: [String]
    let publicity: String?
    /// `audience:`: who the policy is for, an expression over the subject (nil: everyone).
    let audience: YAMLNode?
    /// `horizon:`: how far ahead a "将于…" date is said.
    let horizon: Horizon
    let memberLets: [Let]
    let lets: [Let]
    let eligible: RawCondition?
    let amount: Amount?
    let excludedBy: [Overlap]
    let higherOf: [Overlap]
    let file: SourceFile
}
