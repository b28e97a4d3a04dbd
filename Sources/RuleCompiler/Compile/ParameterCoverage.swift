import PolicyExpr
import SourceDiagnostics

extension RuleLoader {
    /// Every parameter a policy uses must have a value in every region, on every day the policy
    /// is in effect; dated values must not overlap.
    static func checkParameterCoverage(_ s: inout LoadState) {
        guard let schema = s.schema else { return }
        let rules = RuleSet(directory: s.directory, schema: schema, regions: s.regions, policies: s.compiled, householdLets: s.householdLets, memberLets: s.memberLets, hash: s.hash, evaluationOrder: s.order)
        // Regions that no other region file sits under: the places households live.
        let codes = Set(s.regions.keys)
        let leaves = codes.filter { code in
            !codes.contains { other in other != code && rules.regionChain(other).contains { $0.code == code } }
        }
        // A district that sets no parameter of its own has exactly its city's values: check the city once.
        let checked = Set(leaves.map { code in
            rules.regionChain(code).first { !$0.parameters.isEmpty }?.code ?? code
        }).sorted()
        for region in s.regions.values {
            for (index, entries) in region.parameters {
                checkOverlaps(entries, schema.parameters[index], region, &s.bag)
            }
        }
        for policy in s.compiled {
            for index in rules.references(of: policy).parameters {
                let spec = schema.parameters[index]
                for code in checked {
                    checkCoverage(spec, policy, region: code, rules, &s.bag)
                }
            }
        }
    }

    static func checkOverlaps(_ entries: [ParameterEntry], _ spec: ParameterSpec, _ region: RegionSpec, _ bag: inout DiagnosticBag) {
        for (a, b) in zip(entries, entries.dropFirst()) {
            if let to = a.to, let from = b.from, from <= to {
                bag.error("param.overlap", "two values of `\(spec.name)` for \(region.name) both apply on \(from)", at: b.span,
                    help: "end the earlier one before \(from), or remove its `to`")
            }
        }
    }

    static func checkCoverage(_ spec: ParameterSpec, _ policy: CompiledPolicy, region code: String, _ rules: RuleSet, _ bag: inout DiagnosticBag) {
        let chain = rules.regionChain(code)
        var name: String { rules.regionName(code) ?? code }
        guard let defining = chain.first(where: { $0.parameters[spec.index] != nil }), let entries = defining.parameters[spec.index] else {
            bag.error("param.missing", "no value of `\(spec.name)` (\(spec.label)) for \(name) (\(code)), which policy `\(policy.id)` uses", at: chain.first?.span,
                help: "add `\(spec.name)` under `parameters:` in regions/\(code).yaml or a region above it")
            return
        }
        // Walk the policy's period and find the first day with no value.
        var day = policy.effectiveFrom ?? entries.compactMap(\.from).min() ?? Day(serial: 0)
        let end = policy.effectiveTo
        var guardSteps = 0
        while end.map({ day <= $0 }) ?? true, guardSteps < 1000 {
            guardSteps += 1
            if let entry = entries.last(where: { $0.covers(day) }) {
                guard let to = entry.to, let next = to.adding(checkedDays: 1) else { return }
                day = next
                continue
            }
            let next = entries.compactMap(\.from).filter { $0 > day }.min()
            let gapEnd = next.map { $0.adding(checkedDays: -1) ?? $0 } ?? end
            let period = gapEnd.map { "from \(day) to \($0)" } ?? "from \(day) on"
            let at = entries.first { ($0.from ?? day) > day }?.span ?? entries.last?.span ?? defining.span
            bag.error("param.missing", "`\(spec.name)` (\(spec.label)) has no value for \(name) (\(code)) \(period), while policy `\(policy.id)` is in effect", at: at,
                help: "add a value for these dates" + (policy.effectiveFrom == day ? ", or start `\(policy.id)`'s `effective.from` later" : ""))
            guard let next else { return }
            day = next
        }
    }
}
