import PolicyExpr
import SourceDiagnostics

/// Text with `{expression}` holes, checked at load and rendered from a decision's values.
public struct Template: Sendable {
    public enum Part: Sendable {
        case text(String)
        case value(TExpr)
    }
    public let parts: [Part]
    public let span: Span
}

/// A named, typed value of a policy (`let:` or `members:`).
public struct CompiledLet: Sendable {
    public let name: String
    public let qualifiedName: String
    public let label: String?
    public let expr: TExpr
    public let memberScope: Bool
    public let policy: Int
    public let span: Span
}

/// A reference an expression makes, shown as a value used in a reason.
public struct ValueReference: Sendable {
    public let name: String
    public let label: String
    public let expr: TExpr
}

/// A condition of a policy, checked and compiled.
public final class CompiledCondition: Sendable {
    public enum Kind: Sendable {
        case leaf(when: TExpr, unless: TExpr?)
        case all([CompiledCondition])
        case any([CompiledCondition])
        case not(CompiledCondition)
    }
    public let id: String
    public let kind: Kind
    public let met: Template?
    public let unmet: Template?
    public let excepted: Template?
    public let change: Template?
    public let basis: [String]
    public let span: Span
    /// The values the condition reads, shown with its outcome.
    public let references: [ValueReference]
    /// True for the conditions huimin adds for `overlaps: excluded_by`.
    public let isOverlap: Bool
    /// "rules/policies/dibao.yaml:47:7", computed once.
    public let source: String

    init(id: String, kind: Kind, met: Template?, unmet: Template?, excepted: Template?, change: Template?, basis: [String], span: Span, references: [ValueReference], isOverlap: Bool = false, rulesDirectory: String = "") {
        self.id = id
        self.kind = kind
        self.met = met
        self.unmet = unmet
        self.excepted = excepted
        self.change = change
        self.basis = basis
        self.span = span
        self.references = references
        self.isOverlap = isOverlap
        let l = span.startLocation
        self.source = "\(CompiledCondition.relative(span.file.path, to: rulesDirectory)):\(l.line):\(l.column)"
    }

    /// A rule file's path as the rule set names it (policies/dibao.yaml), whichever folder it was loaded from.
    static func relative(_ path: String, to directory: String) -> String {
        guard !directory.isEmpty else { return path }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }

    /// Every condition in this tree, depth first, with its depth (this one is 0).
    public var depthFirst: [(condition: CompiledCondition, depth: Int)] {
        var order: [(CompiledCondition, Int)] = []
        func walk(_ c: CompiledCondition, _ depth: Int) {
            order.append((c, depth))
            switch c.kind {
            case .leaf: break
            case .all(let xs), .any(let xs): for x in xs { walk(x, depth + 1) }
            case .not(let x): walk(x, depth + 1)
            }
        }
        walk(self, 0)
        return order
    }
}

public struct CompiledAmount: Sendable {
    public let expr: TExpr
    public let rounding: (RoundingUnit, Rounding)?
    public let explain: Template?
    public let span: Span
}

/// A policy with every expression checked: ready to evaluate.
public final class CompiledPolicy: Sendable {
    public let index: Int
    public let id: String
    public let title: String
    public let subject: FieldLevel
    public let effectiveFrom: Day?
    public let effectiveTo: Day?
    public let basis: [String]
    public let who: String?
    /// How to apply, step by step, and how the result is made public (公示), for the 明白纸.
    public let procedure: [String]
    public let publicity: String?
    /// Who the policy is for (`audience:`), a condition over the subject; nil is everyone. A
    /// subject outside it is not told the policy's 不符合, only that it does not concern them.
    public let audience: TExpr?
    /// How far ahead a "将于…" date is said in the household answer.
    public let horizon: Horizon
    public let eligible: CompiledCondition
    public let amount: CompiledAmount?
    /// 择高: policies of which only the higher amount is paid.
    public let higherOf: [(policy: Int, text: Template?)]
    public let file: SourceFile
    /// The file as the rule set names it: policies/dibao.yaml.
    public let sourcePath: String
    /// Every condition, depth first (the order of a trace's outcomes), with its depth: computed
    /// once, so explaining a decision is a loop, not a walk of the tree.
    public let conditions: [(condition: CompiledCondition, depth: Int)]

    init(index: Int, id: String, title: String, subject: FieldLevel, effectiveFrom: Day?, effectiveTo: Day?, basis: [String], who: String?, procedure: [String], publicity: String?, audience: TExpr? = nil, horizon: Horizon = .standard, eligible: CompiledCondition, amount: CompiledAmount?, higherOf: [(Int, Template?)], file: SourceFile, rulesDirectory: String) {
        self.index = index
        self.id = id
        self.title = title
        self.subject = subject
        self.effectiveFrom = effectiveFrom
        self.effectiveTo = effectiveTo
        self.basis = basis
        self.who = who
        self.procedure = procedure
        self.publicity = publicity
        self.audience = audience
        self.horizon = horizon
        self.eligible = eligible
        self.amount = amount
        self.higherOf = higherOf
        self.file = file
        self.sourcePath = CompiledCondition.relative(file.path, to: rulesDirectory)
        conditions = eligible.depthFirst
    }
}
