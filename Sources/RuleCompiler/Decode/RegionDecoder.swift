import PolicyExpr
import SourceDiagnostics
import YAMLSource

extension RuleDecoder {
    func decodeRegion(_ root: YAMLNode, schema: Schema) -> RegionSpec? {
        guard let top = mapping(root, "a region file", allowed: ["region", "name", "parent", "parameters", "sources", "notes"], required: ["region", "name"]) else { return nil }
        func value(_ k: String) -> YAMLNode? { top.first { $0.key == k }?.value }
        guard let codeNode = value("region"), let code = string(codeNode, "`region`") else { return nil }
        guard code.count == 6, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            bag.error("region.bad-code", "`\(code)` is not a 6-digit 行政区划代码", at: codeNode.span, help: "write the code in quotes: region: \"420100\"")
            return nil
        }
        let expected = code + ".yaml"
        if !root.span.file.path.hasSuffix("/" + expected), root.span.file.path != expected {
            bag.error("region.file-name", "the region \(code) must be in a file named \(expected)", at: codeNode.span)
        }
        var parameters: [Int: [ParameterEntry]] = [:]
        for (name, keyNode, body) in value("parameters").flatMap({ mapping($0, "`parameters`", allowed: [], openKeys: true) }) ?? [] {
            guard let spec = schema.parameter(name) else {
                bag.error("region.unknown-parameter", "unknown parameter `\(name)`", at: keyNode.span,
                    help: Suggestion.closest(to: name, among: schema.parameters.map(\.name)).map { "did you mean `\($0)`?" } ?? "declare it under `parameters:` in rules/schema.yaml")
                continue
            }
            let items = body.sequence ?? [body]
            var entries = items.compactMap { decodeEntry($0, spec, schema, dated: body.sequence != nil) }
            entries.sort { ($0.from ?? Day(serial: .min)) < ($1.from ?? Day(serial: .min)) }
            parameters[spec.index] = entries
        }
        return RegionSpec(
            code: code, name: value("name").flatMap { string($0, "`name`") } ?? code,
            parent: value("parent").flatMap { string($0, "`parent`") }, parameters: parameters, span: codeNode.span)
    }

    func decodeEntry(_ node: YAMLNode, _ spec: ParameterSpec, _ schema: Schema, dated: Bool) -> ParameterEntry? {
        let variantEnum: EnumType? = schema.conventions.variant.flatMap { schema.field($0, .household) }.flatMap {
            if case .enumeration(let e) = $0.kind { return e }
            return nil
        }
        // A bare scalar is an undated value.
        if node.scalar != nil, !dated {
            guard let v = parameterValue(node, spec) else { return nil }
            return ParameterEntry(from: nil, to: nil, value: v, variantValues: [:], source: nil, placeholder: nil, span: node.span)
        }
        let allowed = ["from", "to", "value", "source", "placeholder", "note"] + (variantEnum?.values ?? [])
        guard let pairs = mapping(node, "a value of `\(spec.name)`", allowed: allowed, required: dated ? ["from"] : []) else { return nil }
        var from: Day?, to: Day?, value: Value?, source: String?, placeholder: String?
        var variants: [Int: Value] = [:]
        var statedUnknown = false
        for (key, _, v) in pairs {
            switch key {
            case "from": from = date(v, "`from`")
            case "to": to = date(v, "`to`")
            case "value" where v.isNull: statedUnknown = true
            case "value": value = parameterValue(v, spec)
            case "source": source = string(v, "`source`")
            case "placeholder": placeholder = string(v, "`placeholder`")
            case "note": break
            default:
                if let o = variantEnum?.ordinal(of: key), let pv = parameterValue(v, spec) { variants[o] = pv }
            }
        }
        if statedUnknown {
            // `value: ~` says the figure for these dates is not known: decisions ask for it.
            if placeholder == nil {
                bag.error("region.unknown-without-reason", "`value: ~` needs a `placeholder:` saying why the figure is not known", at: node.span)
            }
            return ParameterEntry(from: from, to: to, value: nil, variantValues: [:], source: source, placeholder: placeholder, span: node.span)
        }
        if value == nil, variants.isEmpty {
            bag.error("rules.missing-key", "this value of `\(spec.name)` gives no `value`\(variantEnum.map { " and no \($0.values.joined(separator: "/"))" } ?? "")", at: node.span)
            return nil
        }
        if source == nil, placeholder == nil {
            bag.warning("region.no-source", "this value of `\(spec.name)` cites no `source`", at: node.span,
                help: "add `source:` naming the document, or `placeholder:` saying why the real figure is not known")
        }
        return ParameterEntry(from: from, to: to, value: value, variantValues: variants, source: source, placeholder: placeholder, span: node.span)
    }

    func parameterValue(_ node: YAMLNode, _ spec: ParameterSpec) -> Value? {
        guard let s = string(node, "the value of `\(spec.name)`") else { return nil }
        let what = "the value of `\(spec.name)`"
        switch spec.type {
        case .bool: return bool(node, what).map { .bool($0) }
        case .int:
            switch Fixed.parseInteger(s) {
            case .success(let i): return .int(i)
            case .failure(.tooLarge):
                bag.error("rules.number-too-large", "\(what) `\(s)`超过12位整数，超出规则中数值的范围", at: node.span,
                    help: "数值不超过 999,999,999,999；请核对是否多写了位数")
            case .failure:
                bag.error("rules.bad-number", "\(what) must be a whole number, found `\(s)`", at: node.span)
            }
            return nil
        case .decimal, .money: return fixed(node, what).map { .fixed($0) }
        case .date: return date(node, what).map { .date($0) }
        case .enumeration(let e):
            guard let o = e.ordinal(of: s) else {
                bag.error("rules.bad-value", "\(what) `\(s)` is not one of: \(e.values.joined(separator: ", "))", at: node.span,
                    help: Suggestion.closest(to: s, among: e.values).map { "did you mean `\($0)`?" })
                return nil
            }
            return .enumeration(o)
        default: return .text(s)
        }
    }
}
