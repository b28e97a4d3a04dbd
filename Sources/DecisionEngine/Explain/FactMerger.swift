import PolicyExpr
import RuleCompiler

/// Merges the missing inputs of undetermined decisions into one list of facts for the household:
/// each fact once, with whose it is, ordered by how many decisions wait on it.
struct FactMerger {
    let evaluation: HouseholdEvaluation
    var rules: RuleSet { evaluation.rules }
    var schema: Schema { rules.schema }

    /// The facts of `open` (decision index, its missing inputs), those settling the most first;
    /// ties keep the order in which the decisions name them.
    func merge(_ open: [(Int, [Decision.Missing])]) -> [HouseholdAnswer.Fact] {
        var facts: [HouseholdAnswer.Fact] = []
        var position: [String: Int] = [:]
        for (decision, missing) in open {
            for m in missing {
                let fact = self.fact(for: m)
                if let at = position[fact.input] {
                    if !facts[at].settles.contains(decision) { facts[at].settles.append(decision) }
                } else {
                    position[fact.input] = facts.count
                    var f = fact
                    f.settles = [decision]
                    facts.append(f)
                }
            }
        }
        return facts.enumerated().sorted { a, b in
            a.element.settles.count != b.element.settles.count ? a.element.settles.count > b.element.settles.count : a.offset < b.offset
        }.map(\.element)
    }

    /// One missing input as a fact: whose it is, and a parameter that is missing only because the
    /// household's 户籍类型 is blank named as that choice, not as a gap in the rules.
    func fact(for m: Decision.Missing) -> HouseholdAnswer.Fact {
        if m.input.hasPrefix("parameter:") {
            let name = String(m.input.dropFirst("parameter:".count))
            return variantChoice(name) ?? standardNotEntered(name, m)
        }
        guard let id = m.subject, let member = evaluation.record.members.firstIndex(where: { $0.id == id }) else {
            return .init(input: m.input, label: m.label, whose: HouseholdAnswer.household, subject: nil, ask: m.ask, settles: [])
        }
        return .init(input: m.input, label: m.label, whose: evaluation.personName(member: member), subject: id, ask: m.ask, settles: [])
    }

    /// A standard the rules have no figure for on the date: the worker's to find out, not the
    /// resident's, and said so (the label without the note for policy staff).
    func standardNotEntered(_ name: String, _ m: Decision.Missing) -> HouseholdAnswer.Fact {
        let label = schema.parameter(name).map { "\(evaluation.regionName)在\(evaluation.today.chinese)的\($0.label)" } ?? m.label
        return .init(input: m.input, label: label, whose: Self.staff, subject: nil, ask: "这项标准还没有录入，由工作人员向民政部门确认，您不用准备材料", settles: [])
    }

    /// Whose fact a standard missing from the rules is.
    static let staff = "工作人员"

    /// The 户籍类型 (the schema's `variant` field) as the fact to ask, when it is blank and the
    /// parameter has a value for each kind of 户籍: "请先选户籍类型（城镇／农村）：城镇低保标准940元、农村820元，选了才能算。"
    func variantChoice(_ name: String) -> HouseholdAnswer.Fact? {
        guard let key = schema.conventions.variant, let field = schema.field(key, .household),
            case .unknown = evaluation.record.values[field.index],
            case .enumeration(let kinds) = field.kind,
            let spec = schema.parameter(name),
            let entry = rules.parameterEntry(spec.index, region: evaluation.record.region, on: evaluation.today).entry,
            entry.value == nil, !entry.variantValues.isEmpty
        else { return nil }
        let options = kinds.labels.joined(separator: "／")
        let figures = kinds.labels.indices.compactMap { i in
            entry.variantValues[i].map { kinds.labels[i] + spec.label + ValueFormatter.text($0, spec.type) }
        }
        let ask = "请先选\(field.label)（\(options)）：\(figures.joined(separator: "、"))，选了才能算。"
        return .init(input: field.key, label: field.label, whose: HouseholdAnswer.household, subject: nil, ask: ask, settles: [])
    }
}
