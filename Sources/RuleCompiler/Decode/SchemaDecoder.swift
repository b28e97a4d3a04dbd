import PolicyExpr
import SourceDiagnostics
import YAMLSource

extension RuleDecoder {
    static let fieldKeys = ["type", "label", "aliases", "ask", "sensitive", "derive", "enum", "kinds", "doc", "default", "sample"]
    static let fieldTypes = ["bool", "int", "decimal", "money", "date", "text", "region", "id_number", "enum", "enum_list", "money_by_kind"]
    static let parameterTypes = ["bool", "int", "decimal", "money", "date", "text", "enum"]

    /// Decodes rules/schema.yaml; `policies` (id, title) make the built-in enumeration `policy`.
    func decodeSchema(_ root: YAMLNode, policies: [(String, String)]) -> Schema {
        var schema = Schema()
        schema.enums["policy"] = EnumType(name: "policy", values: policies.map(\.0), labels: policies.map(\.1))
        guard let top = mapping(root, "the schema", allowed: ["version", "enums", "household", "person", "parameters", "conventions", "sample"], required: ["household", "person"]) else { return schema }
        for (key, _, value) in top where key == "enums" {
            for (name, _, body) in mapping(value, "`enums`", allowed: [], openKeys: true) ?? [] {
                if let e = decodeEnum(name, body) { schema.enums[name] = e }
            }
        }
        for (key, _, value) in top {
            switch key {
            case "household": schema.household = decodeFields(value, .household, schema.enums)
            case "person": schema.person = decodeFields(value, .person, schema.enums)
            case "parameters": schema.parameters = decodeParameters(value, schema.enums)
            case "conventions": decodeConventions(value, into: &schema.conventions)
            case "sample": decodeHouseholdSample(value, into: &schema.sample)
            default: break
            }
        }
        checkConventions(schema, root)
        return schema
    }

    func decodeEnum(_ name: String, _ node: YAMLNode) -> EnumType? {
        guard let pairs = mapping(node, "the enumeration `\(name)`", allowed: [], openKeys: true) else { return nil }
        var values: [String] = [], labels: [String] = [], aliases: [[String]] = []
        for (value, _, body) in pairs {
            values.append(value)
            if let label = body.scalar {
                labels.append(label)
                aliases.append([])
            } else if let fields = mapping(body, "the value `\(value)` of `\(name)`", allowed: ["label", "aliases"], required: ["label"]) {
                labels.append(fields.first { $0.key == "label" }.flatMap { string($0.value, "label") } ?? value)
                aliases.append(fields.first { $0.key == "aliases" }.flatMap { strings($0.value, "aliases") } ?? [])
            } else {
                labels.append(value)
                aliases.append([])
            }
        }
        if values.count > 64 {
            bag.error("schema.enum-too-large", "the enumeration `\(name)` has more than 64 values", at: node.span)
        }
        return EnumType(name: name, values: values, labels: labels, aliases: aliases)
    }

    func decodeFields(_ node: YAMLNode, _ level: FieldLevel, _ enums: [String: EnumType]) -> [FieldSpec] {
        var fields: [FieldSpec] = []
        let what = level == .household ? "the household" : "a member"
        for (key, keyNode, body) in mapping(node, "the fields of \(what)", allowed: [], openKeys: true) ?? [] {
            guard let pairs = mapping(body, "the field `\(key)`", allowed: Self.fieldKeys, required: ["type", "label"]) else { continue }
            func value(_ k: String) -> YAMLNode? { pairs.first { $0.key == k }?.value }
            guard let typeNode = value("type"), let typeName = string(typeNode, "`type`") else { continue }
            guard let kind = decodeKind(typeName, at: typeNode, allowed: Self.fieldTypes, for: key, enums, value) else { continue }
            let derive = value("derive").flatMap { choice($0, "`derive`", Derivation.self) }
            let spec = FieldSpec(
                key: key, kind: kind, label: value("label").flatMap { string($0, "`label`") } ?? key,
                aliases: value("aliases").flatMap { strings($0, "`aliases`") } ?? [],
                ask: value("ask").flatMap { string($0, "`ask`") },
                sensitive: value("sensitive").flatMap { bool($0, "`sensitive`") } ?? false,
                derive: derive, defaultValue: nil, span: keyNode.span, level: level, index: fields.count)
            let fallback = value("default").flatMap { self.defaultValue($0, spec) }
            let sample = value("sample").flatMap { self.decodeSample($0, spec) }
            fields.append(fallback == nil && sample == nil ? spec : spec.with(default: fallback, sample: sample))
        }
        return fields
    }

    /// A field's `default:`, read as a record's value would be.
    func defaultValue(_ node: YAMLNode, _ field: FieldSpec) -> Value? {
        guard let text = string(node, "`default`") else { return nil }
        switch FieldValueParser.parse(text, as: field) {
        case .success(let v): return v
        case .failure(let e):
            bag.error("schema.bad-default", "the default of `\(field.key)` does not fit its type: \(e.message)", at: node.span, help: e.help)
            return nil
        }
    }

    /// The kind a `type:` names, for a field or (with fewer `allowed` types) a parameter.
    func decodeKind(_ typeName: String, at typeNode: YAMLNode, allowed: [String], for name: String, _ enums: [String: EnumType], _ value: (String) -> YAMLNode?) -> FieldKind? {
        guard allowed.contains(typeName) else {
            bag.error("schema.unknown-type", "unknown type `\(typeName)`", at: typeNode.span,
                help: Suggestion.closest(to: typeName, among: allowed).map { "did you mean `\($0)`?" } ?? "the types are: \(allowed.joined(separator: ", "))")
            return nil
        }
        switch typeName {
        case "bool": return .bool
        case "int": return .int
        case "decimal": return .decimal
        case "money": return .money
        case "date": return .date
        case "region": return .region
        case "id_number": return .idNumber
        case "enum", "enum_list":
            guard let e = enumReference(value("enum"), enums, field: name, at: typeNode) else { return nil }
            return typeName == "enum" ? .enumeration(e) : .enumList(e)
        case "money_by_kind":
            guard let kindsNode = value("kinds"), let kinds = mapping(kindsNode, "`kinds`", allowed: [], openKeys: true) else {
                bag.error("rules.missing-key", "the field `\(name)` of type money_by_kind has no `kinds`", at: typeNode.span, help: "list the kinds: `kinds: { wage: 工资性收入 }`")
                return nil
            }
            return .moneyByKind(kinds.map(\.key), labels: kinds.map { string($0.value, "the label of a kind") ?? $0.key })
        default: return .text
        }
    }

    func enumReference(_ node: YAMLNode?, _ enums: [String: EnumType], field: String, at: YAMLNode) -> EnumType? {
        guard let node else {
            bag.error("rules.missing-key", "the field `\(field)` names no `enum`", at: at.span, help: "add `enum: <name>` naming one under `enums:`")
            return nil
        }
        guard let name = string(node, "`enum`") else { return nil }
        guard let e = enums[name] else {
            bag.error("schema.unknown-enum", "no enumeration is named `\(name)`", at: node.span,
                help: Suggestion.closest(to: name, among: enums.keys).map { "did you mean `\($0)`?" } ?? "declare it under `enums:`")
            return nil
        }
        return e
    }

    func decodeParameters(_ node: YAMLNode, _ enums: [String: EnumType]) -> [ParameterSpec] {
        var result: [ParameterSpec] = []
        for (name, keyNode, body) in mapping(node, "`parameters`", allowed: [], openKeys: true) ?? [] {
            guard let pairs = mapping(body, "the parameter `\(name)`", allowed: ["type", "label", "unit", "enum", "doc"], required: ["type", "label"]) else { continue }
            func value(_ k: String) -> YAMLNode? { pairs.first { $0.key == k }?.value }
            guard let typeNode = value("type"), let typeName = string(typeNode, "`type`") else { continue }
            guard let type = decodeKind(typeName, at: typeNode, allowed: Self.parameterTypes, for: name, enums, value)?.exprType else { continue }
            result.append(ParameterSpec(
                name: name, type: type, label: value("label").flatMap { string($0, "`label`") } ?? name,
                unit: value("unit").flatMap { string($0, "`unit`") }, span: keyNode.span, index: result.count))
        }
        return result
    }

    func decodeConventions(_ node: YAMLNode, into c: inout Schema.Conventions) {
        let keys = ["household_id", "person_id", "region", "variant", "birth_date", "birthday_parameter", "birthday_counts", "name", "relation", "head_relation", "receiving"]
        for (key, _, value) in mapping(node, "`conventions`", allowed: keys) ?? [] {
            // The optional roles are switched off with `~`: no urban/rural variants, no birthday
            // parameter, no `receiving` field.
            if value.isNull, ["variant", "birthday_parameter", "receiving"].contains(key) {
                switch key {
                case "variant": c.variant = nil
                case "birthday_parameter": c.birthdayParameter = nil
                default: c.receiving = nil
                }
                continue
            }
            if key == "birthday_counts" {
                if let choice = choice(value, "`birthday_counts`", BirthdayCounts.self) { c.birthdayCounts = choice == .sameDay }
                continue
            }
            guard let s = string(value, "`\(key)`") else { continue }
            switch key {
            case "household_id": c.householdID = s
            case "person_id": c.personID = s
            case "region": c.region = s
            case "variant": c.variant = s
            case "birth_date": c.birthDate = s
            case "birthday_parameter": c.birthdayParameter = s
            case "name": c.name = s
            case "relation": c.relation = s
            case "head_relation": c.headRelation = s
            default: c.receiving = s
            }
        }
    }

    enum BirthdayCounts: String, CaseIterable { case sameDay = "same_day", nextDay = "next_day" }

    func checkConventions(_ schema: Schema, _ root: YAMLNode) {
        let c = schema.conventions
        let at = Span(file: root.span.file, start: root.span.start, end: root.span.start + 1)
        func require(_ key: String, _ level: FieldLevel, _ role: String, _ ok: (FieldKind) -> Bool) {
            guard let f = schema.field(key, level) else {
                bag.error("schema.convention", "the schema has no \(level == .household ? "household" : "member") field `\(key)`, which \(role)", at: at)
                return
            }
            if !ok(f.kind) { bag.error("schema.convention", "the field `\(key)` \(role), but its type does not fit", at: f.span) }
        }
        require(c.householdID, .household, "identifies a household", { $0 == .text })
        require(c.personID, .person, "identifies a member", { $0 == .text })
        require(c.region, .household, "holds the region code", { $0 == .region })
        require(c.birthDate, .person, "holds the birth date", { $0 == .date })
        require(c.relation, .person, "holds the relation to the head", {
            if case .enumeration = $0 { return true }
            return false
        })
        if let v = c.variant {
            require(v, .household, "chooses between a parameter's variants (urban, rural)", {
                if case .enumeration = $0 { return true }
                return false
            })
        }
        if let p = c.birthdayParameter {
            if let spec = schema.parameter(p) {
                if case .enumeration(let e) = spec.type, e.values.contains("same_day"), e.values.contains("next_day") {} else {
                    bag.error("schema.convention", "the parameter `\(p)` sets the birthday convention and must be an enum with the values same_day and next_day", at: spec.span)
                }
            } else {
                bag.error("schema.convention", "the schema declares no parameter `\(p)` for the birthday convention", at: at)
            }
        }
    }
}
