import PolicyExpr
import SourceDiagnostics
import YAMLSource

extension RuleDecoder {
    static let policyKeys = ["policy", "title", "order", "subject", "effective", "basis", "who", "procedure", "publicity", "audience", "horizon", "members", "let", "eligible", "amount", "overlaps", "notes"]
    static let leafKeys = ["id", "when", "unless", "met", "unmet", "excepted", "change", "basis"]
    static let groupKeys = ["id", "all", "any", "not", "met", "unmet", "basis"]

    func decodePolicy(_ root: YAMLNode) -> RawPolicy? {
        guard let top = mapping(root, "a policy file", allowed: Self.policyKeys, required: ["policy", "title", "subject", "eligible"]) else { return nil }
        func value(_ k: String) -> YAMLNode? { top.first { $0.key == k }?.value }
        guard let idNode = value("policy"), let id = string(idNode, "`policy`") else { return nil }
        let expected = id + ".yaml"
        let path = root.span.file.path
        if !path.hasSuffix("/" + expected), path != expected {
            bag.error("policy.file-name", "the policy `\(id)` must be in a file named \(expected)", at: idNode.span)
        }
        var subject = FieldLevel.household
        if let s = value("subject"), let text = string(s, "`subject`") {
            switch text {
            case "household": subject = .household
            case "person": subject = .person
            default: bag.error("rules.bad-value", "`subject` must be household or person, found `\(text)`", at: s.span)
            }
        }
        var from: Day?, to: Day?
        if let e = value("effective") {
            for (k, _, v) in mapping(e, "`effective`", allowed: ["from", "to"]) ?? [] {
                if k == "from" { from = date(v, "`from`") } else { to = date(v, "`to`") }
            }
        }
        var excluded: [RawPolicy.Overlap] = [], higher: [RawPolicy.Overlap] = []
        if let o = value("overlaps") {
            for item in o.sequence ?? [] {
                guard let pairs = mapping(item, "an overlap rule", allowed: ["excluded_by", "higher_of", "text"]) else { continue }
                let text = pairs.first { $0.key == "text" }?.value
                for (k, _, v) in pairs where k != "text" {
                    guard let other = string(v, "`\(k)`") else { continue }
                    let overlap = RawPolicy.Overlap(policy: other, node: v, text: text)
                    if k == "excluded_by" { excluded.append(overlap) } else { higher.append(overlap) }
                }
            }
            if o.sequence == nil { bag.error("rules.wrong-kind", "`overlaps` must be a list", at: o.span) }
        }
        var amount: RawPolicy.Amount?
        if let a = value("amount"), let pairs = mapping(a, "`amount`", allowed: ["value", "round", "explain"], required: ["value"]),
            let v = pairs.first(where: { $0.key == "value" })?.value
        {
            amount = RawPolicy.Amount(
                value: v, rounding: pairs.first { $0.key == "round" }.flatMap { rounding($0.value) },
                explain: pairs.first { $0.key == "explain" }?.value)
        }
        var ids = Set<String>()
        var order = 1000
        if let o = value("order"), let text = string(o, "`order`") {
            if let n = Int(text) { order = n } else { bag.error("rules.bad-number", "`order` must be a whole number", at: o.span) }
        }
        var horizon = Horizon.standard
        if let h = value("horizon"), let text = string(h, "`horizon`") {
            if let parsed = Horizon(parsing: text) {
                horizon = parsed
            } else {
                bag.error("policy.bad-horizon", "`horizon` must be a number and a unit, such as `12 months`, `1 year` or `90 days`, found `\(text)`", at: h.span,
                    help: "the unit is days, months or years; the number at most \(Horizon.maximumCount)")
            }
        }
        return RawPolicy(
            id: id, idNode: idNode, title: value("title").flatMap { string($0, "`title`") } ?? id, order: order, subject: subject,
            effectiveFrom: from, effectiveTo: to, basis: value("basis").flatMap { strings($0, "`basis`") } ?? [],
            who: value("who").flatMap { string($0, "`who`") },
            procedure: value("procedure").flatMap { strings($0, "`procedure`") } ?? [],
            publicity: value("publicity").flatMap { string($0, "`publicity`") },
            audience: value("audience"), horizon: horizon,
            memberLets: value("members").map { decodeLets($0, memberScope: true) } ?? [],
            lets: value("let").map { decodeLets($0, memberScope: false) } ?? [],
            eligible: value("eligible").flatMap { decodeCondition($0, path: "eligible", ids: &ids) },
            amount: amount, excludedBy: excluded, higherOf: higher, file: root.span.file)
    }

    func rounding(_ node: YAMLNode) -> (RoundingUnit, Rounding)? {
        if node.scalar != nil {
            return choice(node, "`round`", RoundingUnit.self).map { ($0, .halfUp) }
        }
        guard let pairs = mapping(node, "`round`", allowed: ["to", "mode"], required: ["to"]) else { return nil }
        guard let unit = pairs.first(where: { $0.key == "to" }).flatMap({ choice($0.value, "`to`", RoundingUnit.self) }) else { return nil }
        let mode = pairs.first { $0.key == "mode" }.flatMap { choice($0.value, "`mode`", Rounding.self) } ?? .halfUp
        return (unit, mode)
    }

    func decodeLets(_ node: YAMLNode, memberScope: Bool) -> [RawPolicy.Let] {
        var lets: [RawPolicy.Let] = []
        let what = memberScope ? "`members`" : "`let`"
        for (name, keyNode, body) in mapping(node, what, allowed: [], openKeys: true) ?? [] {
            if body.scalar != nil {
                lets.append(.init(name: name, nameNode: keyNode, value: body, label: nil, rounding: nil, memberScope: memberScope))
                continue
            }
            guard let pairs = mapping(body, "the value `\(name)`", allowed: ["value", "label", "round"], required: ["value"]),
                let value = pairs.first(where: { $0.key == "value" })?.value
            else { continue }
            lets.append(.init(
                name: name, nameNode: keyNode, value: value,
                label: pairs.first { $0.key == "label" }.flatMap { string($0.value, "`label`") },
                rounding: pairs.first { $0.key == "round" }.flatMap { rounding($0.value) }, memberScope: memberScope))
        }
        return lets
    }

    func decodeCondition(_ node: YAMLNode, path: String, ids: inout Set<String>) -> RawPolicy.RawCondition? {
        if let items = node.sequence {
            let children = items.enumerated().compactMap { decodeCondition($0.element, path: "\(path)[\($0.offset)]", ids: &ids) }
            return .init(id: path, node: node, kind: .all(children), met: nil, unmet: nil, excepted: nil, change: nil, basis: [])
        }
        guard let pairs = node.mapping else {
            bag.error("rules.wrong-kind", "a condition must be a mapping with `when:` (or `all:`, `any:`, `not:`), found \(node.kindDescription)", at: node.span)
            return nil
        }
        let isGroup = pairs.contains { ["all", "any", "not"].contains($0.key.scalar ?? "") }
        guard let fields = mapping(node, isGroup ? "a group of conditions" : "a condition", allowed: isGroup ? Self.groupKeys : Self.leafKeys, required: isGroup ? [] : ["id", "when"]) else { return nil }
        func value(_ k: String) -> YAMLNode? { fields.first { $0.key == k }?.value }
        var id = path
        if let idNode = value("id"), let s = string(idNode, "`id`") {
            id = s
            if !ids.insert(s).inserted { bag.error("policy.duplicate-id", "two conditions are named `\(s)`", at: idNode.span, help: "give each condition its own id") }
        }
        let kind: RawPolicy.ConditionKind
        if let a = value("all") ?? value("any") {
            let isAll = value("all") != nil
            let items = a.sequence ?? []
            if a.sequence == nil { bag.error("rules.wrong-kind", "`\(isAll ? "all" : "any")` must be a list of conditions", at: a.span) }
            let children = items.enumerated().compactMap { decodeCondition($0.element, path: "\(id).\($0.offset)", ids: &ids) }
            kind = isAll ? .all(children) : .any(children)
        } else if let n = value("not") {
            guard let inner = decodeCondition(n, path: "\(id).not", ids: &ids) else { return nil }
            kind = .not(inner)
        } else if let w = value("when") {
            kind = .leaf(when: w, unless: value("unless"))
        } else {
            return nil
        }
        return .init(
            id: id, node: node, kind: kind, met: value("met"), unmet: value("unmet"), excepted: value("excepted"),
            change: value("change"), basis: value("basis").flatMap { strings($0, "`basis`") } ?? [])
    }
}
