import PolicyExpr
import SourceDiagnostics
import YAMLSource

extension RuleDecoder {
    func decodeHouseholdSample(_ node: YAMLNode, into sample: inout HouseholdSample) {
        for (_, _, value) in mapping(node, "`sample`", allowed: ["household_size"]) ?? [] {
            var sizes: [(Int, Int)] = []
            for (key, keyNode, weight) in mapping(value, "`household_size`", allowed: [], openKeys: true) ?? [] {
                guard let n = Int(key), n >= 1, n <= 64 else {
                    bag.error("sample.bad-value", "a household size is a whole number from 1 to 64, found `\(key)`", at: keyNode.span)
                    continue
                }
                if let w = percent(weight, "the weight of \(n)", max: Int.max) { sizes.append((n, w)) }
            }
            if !sizes.isEmpty { sample.sizes = sizes }
        }
    }

    /// A field's `sample:`, by its kind; values are written as a roster writes them.
    func decodeSample(_ node: YAMLNode, _ field: FieldSpec) -> SampleSpec? {
        switch field.kind {
        case .date:
            guard let pairs = mapping(node, "the sample of `\(field.key)`", allowed: ["age"], required: ["age"]),
                let ages = pairs.first?.value.sequence, ages.count == 2,
                let from = ages[0].scalar.flatMap({ Int($0) }), let to = ages[1].scalar.flatMap({ Int($0) }), from >= 0, from <= to
            else {
                bag.error("sample.bad-value", "a date's sample is an age range: `{ age: [0, 100] }`", at: node.span)
                return nil
            }
            return .age(from: from, to: to)
        case .enumList(let e):
            guard let pairs = mapping(node, "the sample of `\(field.key)`", allowed: ["each"], required: ["each"]), let each = pairs.first else { return nil }
            var items: [(Int, Int)] = []
            for (key, keyNode, value) in mapping(each.value, "`each`", allowed: [], openKeys: true) ?? [] {
                guard let o = e.ordinal(of: key) else {
                    bag.error("sample.bad-value", "`\(key)` is not a value of `\(e.name)`", at: keyNode.span,
                        help: Suggestion.closest(to: key, among: e.values).map { "did you mean `\($0)`?" })
                    continue
                }
                if let p = percent(value, "the percentage of `\(key)`", max: 100) { items.append((o, p)) }
            }
            return .each(items)
        case .moneyByKind(let kinds, _):
            var items: [(Int, SampleSpec)] = []
            for (key, keyNode, value) in mapping(node, "the sample of `\(field.key)`", allowed: [], openKeys: true) ?? [] {
                guard let k = kinds.firstIndex(of: key) else {
                    bag.error("sample.bad-value", "`\(field.key)` has no kind `\(key)`", at: keyNode.span,
                        help: Suggestion.closest(to: key, among: kinds).map { "did you mean `\($0)`?" })
                    continue
                }
                if let r = range(value, "the sample of `\(field.key).\(key)`") { items.append((k, r)) }
            }
            return .kinds(items)
        default:
            if let pairs = node.mapping, pairs.contains(where: { ["from", "to", "zero"].contains($0.0.scalar ?? "") }),
                [FieldKind.money, .int, .decimal].contains(field.kind)
            {
                return range(node, "the sample of `\(field.key)`")
            }
            var items: [(Value, Int)] = []
            for (key, keyNode, value) in mapping(node, "the sample of `\(field.key)`", allowed: [], openKeys: true) ?? [] {
                switch FieldValueParser.parse(key, as: field) {
                case .success(let v):
                    if let w = percent(value, "the weight of `\(key)`", max: Int.max) { items.append((v, w)) }
                case .failure(let e):
                    bag.error("sample.bad-value", "`\(key)` does not fit the field `\(field.key)`: \(e.message)", at: keyNode.span, help: e.help)
                }
            }
            return items.isEmpty ? nil : .weighted(items)
        }
    }

    func range(_ node: YAMLNode, _ what: String) -> SampleSpec? {
        guard let pairs = mapping(node, what, allowed: ["zero", "from", "to"], required: ["from", "to"]) else { return nil }
        func value(_ k: String) -> YAMLNode? { pairs.first { $0.key == k }?.value }
        guard let from = value("from").flatMap({ fixed($0, "`from`") }), let to = value("to").flatMap({ fixed($0, "`to`") }) else { return nil }
        guard from <= to else {
            bag.error("sample.bad-value", "`from` is above `to`", at: node.span)
            return nil
        }
        let zero = value("zero").flatMap { percent($0, "`zero`", max: 100) } ?? 0
        return .range(zeroPercent: zero, from: from, to: to)
    }

    func percent(_ node: YAMLNode, _ what: String, max: Int) -> Int? {
        guard let s = string(node, what), let n = Int(s), n >= 0, n <= max else {
            bag.error("sample.bad-value", "\(what) must be a whole number from 0\(max == 100 ? " to 100" : "")", at: node.span)
            return nil
        }
        return n
    }
}
