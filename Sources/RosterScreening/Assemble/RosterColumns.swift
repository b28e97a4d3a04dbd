import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// What a roster column holds, resolved once from the header by key, label or alias.
public enum ColumnTarget: Sendable, Equatable {
    case householdField(Int)
    case personField(Int)
    /// One kind of a by-kind money field: `income_wage`, `工资性收入`.
    case personKind(field: Int, kind: Int)
    case householdKind(field: Int, kind: Int)
    case ignored
}

/// The header of a roster, matched against the schema.
public struct RosterColumns: Sendable {
    public let names: [String]
    public let targets: [ColumnTarget]
    public let householdIDColumn: Int
    /// Header cells that match no field: reported once, never fatal.
    public let unknown: [String]

    public enum HeaderError: Error, Sendable, Equatable {
        case noHouseholdID(suggestion: String?)
        case duplicate(String)
    }

    public static func resolve(_ header: [String], schema: Schema) -> Result<RosterColumns, HeaderError> {
        var targets: [ColumnTarget] = []
        var unknown: [String] = []
        var seen: [ColumnTarget: String] = [:]
        let householdID = schema.field(schema.conventions.householdID, .household)
        for raw in header {
            let name = raw.trimmingSpaces.replacingBOM
            let target = match(name, schema: schema, householdID: householdID)
            if target == .ignored {
                unknown.append(name)
            } else if let earlier = seen[target] {
                return .failure(.duplicate("\(earlier) / \(name)"))
            } else {
                seen[target] = name
            }
            targets.append(target)
        }
        guard let id = householdID, let column = targets.firstIndex(of: .householdField(id.index)) else {
            let s = Suggestion.closest(to: "household_id", among: header)
            return .failure(.noHouseholdID(suggestion: s))
        }
        return .success(RosterColumns(names: header, targets: targets, householdIDColumn: column, unknown: unknown))
    }

    static func match(_ name: String, schema: Schema, householdID: FieldSpec?) -> ColumnTarget {
        // A name means the field `Schema.named` gives (a key before a label or an alias), a
        // member's before the household's; but the household id is a household column even
        // though members have an `id` too.
        if let h = householdID, name != "id", schema.named(name, .household)?.index == h.index { return .householdField(h.index) }
        if let f = schema.named(name, .person), f.kind.exprType != nil { return .personField(f.index) }
        if let f = schema.named(name, .household), f.kind.exprType != nil { return .householdField(f.index) }
        for (level, fields) in [(FieldLevel.person, schema.person), (.household, schema.household)] {
            for f in fields {
                guard case .moneyByKind(let kinds, let labels) = f.kind else { continue }
                for (k, kind) in kinds.enumerated() where name == "\(f.key)_\(kind)" || name == "\(f.key).\(kind)" || name == labels[k]
                    || (f.key.hasSuffix("s") && name == "\(f.key.dropLast())_\(kind)")
                {
                    return level == .person ? .personKind(field: f.index, kind: k) : .householdKind(field: f.index, kind: k)
                }
            }
        }
        return .ignored
    }
}

extension ColumnTarget: Hashable {}

extension String {
    var replacingBOM: String { hasPrefix("\u{FEFF}") ? String(dropFirst()) : self }
}
