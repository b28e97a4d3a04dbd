import PolicyExpr
import RuleCompiler

/// Which outcomes the cases have shown for every condition of every policy, so that a clause
/// no case exercises — and whose removal no case would notice — is seen.
public final class Coverage {
    public struct Entry: Sendable {
        public let policy: String
        public let condition: String
        public let source: String
        public let hasUnless: Bool
        public var met = 0, unmet = 0, unknown = 0, excepted = 0

        /// Seen both ways (met or through its exception, and unmet); with an `unless`, the exception taken too.
        public var complete: Bool { (met + excepted) > 0 && unmet > 0 && (!hasUnless || excepted > 0) }
    }

    public private(set) var entries: [Entry] = []
    private var index: [Int: Int] = [:]  // policy index → first entry
    let rules: RuleSet

    public init(rules: RuleSet) {
        self.rules = rules
        for p in rules.policies {
            index[p.index] = entries.count
            for (c, _) in p.conditions {
                var hasUnless = false
                if case .leaf(_, let u) = c.kind { hasUnless = u != nil }
                entries.append(Entry(policy: p.id, condition: c.id, source: c.source, hasUnless: hasUnless))
            }
        }
    }

    /// Records every policy's condition outcomes from an evaluation's trace.
    public func record(_ evaluation: HouseholdEvaluation) {
        for (p, member, _) in evaluation.evaluateAll() {
            let outcome = evaluation.baseOutcome(p, member: member)
            guard let first = index[p.index], !outcome.notInEffect else { continue }
            for (i, o) in outcome.conditions.enumerated() {
                switch o {
                case .met: entries[first + i].met += 1
                case .unmet: entries[first + i].unmet += 1
                case .unknown: entries[first + i].unknown += 1
                case .excepted: entries[first + i].excepted += 1
                }
            }
        }
    }

    public var percent: Double {
        entries.isEmpty ? 100 : Double(entries.filter(\.complete).count) * 100 / Double(entries.count)
    }

    /// A table: every condition, how often it was met, unmet, unknown and excepted.
    public var report: String {
        var out = "coverage: conditions seen met and unmet by the cases\n"
        var last = ""
        for e in entries {
            if e.policy != last {
                out += "\(e.policy)\n"
                last = e.policy
            }
            let mark = e.complete ? "✔" : "✘"
            out += "  \(mark) \(e.condition)  met \(e.met)  unmet \(e.unmet)  unknown \(e.unknown)" + (e.hasUnless ? "  unless-taken \(e.excepted)" : "") + "  (\(e.source))\n"
        }
        let done = entries.filter(\.complete).count
        out += "\(done) of \(entries.count) conditions covered (\(Int(percent * 10) / 10)%)\n"
        return out
    }
}
