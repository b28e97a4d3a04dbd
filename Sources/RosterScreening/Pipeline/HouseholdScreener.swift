import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// What to write for each household.
public struct ScreeningOptions: Sendable {
    public enum Format: String, Sendable, CaseIterable { case csv, jsonl }
    /// `long`: one row per decision; `wide`: one row per person, a status and an amount column
    /// per policy; or a layout the rules declare in layouts.yaml.
    public enum Layout: Sendable {
        case long, wide
        case declared(OutputLayout)
    }
    public var format = Format.csv
    public var layout = Layout.long
    public var explain = false
    public var revealIDs = false
    public var policies: Set<String>?
    public init() {}
}

extension ScreeningOptions.Layout {
    /// A layout named by the user that no rule set declares.
    public struct Unknown: Error, Sendable {
        public let name: String
        /// long, wide, then those the rules declare.
        public let names: [String]
        public var message: String {
            // The name may come from a request: repeated only as `QuotedValue` allows.
            "no layout named \(QuotedValue.subject(name, choices: names)); the layouts are: \(names.joined(separator: ", "))"
                + (Suggestion.closest(to: name, among: names).map { " (did you mean `\($0)`?)" } ?? "")
        }
    }

    /// `long`, `wide`, or a layout the rules declare; no name means the rules' default, else long.
    public static func named(_ name: String?, in rules: RuleSet) -> Result<Self, Unknown> {
        switch name ?? rules.defaultLayout ?? "long" {
        case "long": return .success(.long)
        case "wide": return .success(.wide)
        case let n:
            if let l = rules.layout(n) { return .success(.declared(l)) }
            return .failure(Unknown(name: n, names: ["long", "wide"] + rules.layouts.map(\.name)))
        }
    }
}

/// Screens one household: its output bytes and its part of the summary. Pure, so workers can
/// run it side by side.
public struct HouseholdScreener: HouseholdWorker {
    public let rules: RuleSet
    public let date: Day
    public let options: ScreeningOptions
    let receivingField: Int?
    /// Each policy's bit in the `receiving` field's enumeration (by policy index).
    let receivingBits: [UInt64]
    let selected: [CompiledPolicy]

    public init(rules: RuleSet, date: Day, options: ScreeningOptions) {
        self.rules = rules
        self.date = date
        self.options = options
        let receiving = rules.schema.receivingField
        receivingField = receiving?.field.index
        receivingBits = rules.policies.map { p in receiving?.policies.ordinal(of: p.id).map { 1 << UInt64($0) } ?? 0 }
        selected = rules.policies.filter { options.policies == nil || options.policies!.contains($0.id) }
    }

    /// The header line of the output, for CSV.
    public var header: [UInt8] {
        var out: [UInt8] = []
        guard options.format == .csv else { return out }
        switch options.layout {
        case .long:
            CSVWriter.appendRow(["household_id", "subject", "policy", "status", "amount", "unmet", "missing"] + (options.explain ? ["explanation"] : []), to: &out)
        case .wide:
            var names = ["household_id", "person_id"]
            for p in selected { names += ["\(p.id)_status", "\(p.id)_amount"] }
            CSVWriter.appendRow(names, to: &out)
        case .declared(let layout):
            CSVWriter.appendRow(layout.columns.map(\.name), to: &out)
        }
        return out
    }

    public func screen(_ record: HouseholdRecord, into out: inout [UInt8], summary: inout ScreeningSummary) {
        let evaluation = HouseholdEvaluation(rules: rules, record: record, on: date)
        let builder = DecisionBuilder(evaluation)
        summary.households += 1
        summary.persons += record.members.count
        var results: [(CompiledPolicy, Int, PolicyOutcome)] = []
        for p in selected {
            if p.subject == .person {
                for m in record.members.indices { results.append((p, m, evaluation.finalOutcome(p, member: m))) }
            } else {
                results.append((p, -1, evaluation.finalOutcome(p, member: -1)))
            }
        }
        for (p, member, outcome) in results { tally(p, member, outcome, record, &summary) }
        switch (options.format, options.layout) {
        case (.jsonl, _):
            let report = CheckReport.make(evaluation, policies: options.policies)
            out.append(contentsOf: report.json())
            out.append(10)
        case (.csv, .long):
            for (p, member, outcome) in results {
                let subject = member >= 0 ? record.members[member].id : record.id
                let (unmet, missing) = builder.brief(p, member: member, outcome: outcome)
                var row = [record.id, subject, p.id, outcome.status.rawValue, outcome.status == .eligible ? (outcome.amount?.decimalString(places: 2) ?? "") : "",
                           unmet.joined(separator: ";"), missing.joined(separator: ";")]
                if options.explain { row.append(builder.residentText(p, member: member, outcome: outcome).trimmingSpaces) }
                CSVWriter.appendRow(row, to: &out)
            }
        case (.csv, .declared(let layout)):
            writeDeclared(layout, record, evaluation, builder, into: &out)
        case (.csv, .wide):
            for (m, person) in record.members.enumerated() {
                var row = [record.id, person.id]
                for p in selected {
                    let outcome = evaluation.finalOutcome(p, member: p.subject == .person ? m : -1)
                    row.append(outcome.status.rawValue)
                    row.append(outcome.status == .eligible ? (outcome.amount?.decimalString(places: 2) ?? "") : "")
                }
                CSVWriter.appendRow(row, to: &out)
            }
        }
    }

    /// One row per member or per household, each column from a field or a policy's result.
    func writeDeclared(_ layout: OutputLayout, _ record: HouseholdRecord, _ evaluation: HouseholdEvaluation, _ builder: DecisionBuilder, into out: inout [UInt8]) {
        let schema = rules.schema
        let members = layout.rows == .person ? Array(record.members.indices) : [-1]
        // Columns that do not depend on the member are worked out once for the household.
        let shared: [String?] = layout.columns.map { column in
            switch column.source {
            case .field(.household, let i): return Masking.cell(record.values[i], schema.household[i], reveal: options.revealIDs)
            case .policy(let i, let show) where rules.policies[i].subject == .household:
                let p = rules.policies[i]
                return Self.cell(show, p, -1, evaluation.finalOutcome(p, member: -1), builder)
            default: return nil
            }
        }
        var row: [String] = []
        row.reserveCapacity(layout.columns.count)
        for m in members {
            row.removeAll(keepingCapacity: true)
            for (c, column) in layout.columns.enumerated() {
                if let s = shared[c] {
                    row.append(s)
                    continue
                }
                switch column.source {
                case .field(_, let i):
                    row.append(Masking.cell(record.members[m].values[i], schema.person[i], reveal: options.revealIDs))
                case .policy(let i, let show):
                    let p = rules.policies[i]
                    row.append(Self.cell(show, p, m, evaluation.finalOutcome(p, member: m), builder))
                }
            }
            CSVWriter.appendRow(row, to: &out)
        }
    }

    static func cell(_ show: OutputLayout.Show, _ p: CompiledPolicy, _ member: Int, _ outcome: PolicyOutcome, _ builder: DecisionBuilder) -> String {
        switch show {
        case .status: return outcome.status.chinese
        case .eligible: return outcome.status == .undetermined ? "" : (outcome.status == .eligible ? "1" : "0")
        case .amount:
            switch outcome.status {
            case .eligible: return (outcome.amount ?? .zero).plainString
            case .ineligible: return "0"
            case .undetermined: return ""
            }
        case .unmet:
            guard outcome.status == .ineligible else { return "" }
            return builder.brief(p, member: member, outcome: outcome).unmet.joined(separator: ";")
        case .missing:
            guard outcome.status == .undetermined else { return "" }
            return builder.brief(p, member: member, outcome: outcome).missing.joined(separator: ";")
        case .explanation: return builder.residentText(p, member: member, outcome: outcome).trimmingSpaces
        }
    }

    func tally(_ p: CompiledPolicy, _ member: Int, _ outcome: PolicyOutcome, _ record: HouseholdRecord, _ summary: inout ScreeningSummary) {
        let i = p.index
        switch outcome.status {
        case .eligible:
            summary.policies[i].eligible += 1
            summary.policies[i].total = summary.policies[i].total + (outcome.amount ?? .zero)
        case .ineligible: summary.policies[i].ineligible += 1
        case .undetermined: summary.policies[i].undetermined += 1
        }
        guard let field = receivingField, outcome.status != .undetermined else { return }
        let bit = receivingBits[i]
        let members = member >= 0 ? [record.members[member]] : record.members
        var known = false, receiving = false
        for m in members {
            if case .enumSet(let bits) = m.values[field] {
                known = true
                if bits & bit != 0 { receiving = true }
            }
        }
        guard known else { return }
        let subject = member >= 0 ? record.members[member].id : record.id
        if outcome.status == .eligible, !receiving { summary.policies[i].eligibleNotReceiving.append(subject) }
        if outcome.status == .ineligible, receiving { summary.policies[i].receivingNotEligible.append(subject) }
    }
}
