import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// What the service says about a rule set that does not depend on the request, made once per load:
/// the form description the worker's page is generated from, and the list of policies.
struct DerivedDocuments: Sendable {
    let schema: [UInt8]
    let policies: [UInt8]

    init(rules: RuleSet) {
        schema = DerivedDocuments.schemaJSON(rules).bytes()
        policies = DerivedDocuments.policiesJSON(rules).bytes()
    }

    /// GET /v1/schema: every field with its label, type, choices and what proves it (`ask`).
    static func schemaJSON(_ rules: RuleSet) -> JSONValue {
        let schema = rules.schema
        let c = schema.conventions
        let regions = rules.regions.keys.sorted().map { code in
            JSONValue.object([("code", .string(code)), ("name", .string(rules.regionName(code) ?? code))])
        }
        return .object([
            ("rules", .object([("hash", .string(rules.hash))])),
            ("household", .array(schema.household.map(field))),
            ("person", .array(schema.person.map(field))),
            ("regions", .array(regions)),
            ("conventions", .object([
                ("household_id", .string(c.householdID)), ("person_id", .string(c.personID)), ("region", .string(c.region)),
                ("relation", .string(c.relation)), ("head", .string(c.headRelation)), ("name", .string(c.name)),
                ("birth_date", .string(c.birthDate)),
            ])),
            ("policies", .array(rules.policies.map { .object([("id", .string($0.id)), ("title", .string($0.title))]) })),
        ])
    }

    static func field(_ f: FieldSpec) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("key", .string(f.key)), ("label", .string(f.label)), ("type", .string(f.kind.typeName))]
        switch f.kind {
        case .enumeration(let e), .enumList(let e):
            pairs.append(("values", .array(e.values.indices.map { .object([("value", .string(e.values[$0])), ("label", .string(e.labels[$0]))]) })))
        case .moneyByKind(let kinds, let labels):
            pairs.append(("kinds", .array(kinds.indices.map { .object([("key", .string(kinds[$0])), ("label", .string(labels[$0]))]) })))
        default: break
        }
        pairs.append(("ask", f.ask.map { .string($0) } ?? .null))
        pairs.append(("aliases", .array(f.aliases.map { .string($0) })))
        pairs.append(("sensitive", .bool(f.sensitive)))
        pairs.append(("derive", f.derive.map { .string($0.rawValue) } ?? .null))
        return .object(pairs)
    }

    /// GET /v1/policies.
    static func policiesJSON(_ rules: RuleSet) -> JSONValue {
        .object([
            ("rules", .object([("hash", .string(rules.hash))])),
            ("policies", .array(rules.policies.map { p in
                .object([
                    ("id", .string(p.id)), ("title", .string(p.title)),
                    ("subject", .string(p.subject == .household ? "household" : "person")),
                    ("effective_from", p.effectiveFrom.map { .string($0.description) } ?? .null),
                    ("effective_to", p.effectiveTo.map { .string($0.description) } ?? .null),
                    ("basis", .array(p.basis.map { .string($0) })),
                    ("sheet", .string("/v1/policies/\(p.id)")),
                ])
            })),
        ])
    }
}
