import SourceDiagnostics

import PolicyExpr
import RuleCompiler

/// Residents' data is private: names become 张某某 and ID numbers 420102********1234 unless asked for.
public enum Masking {
    public static func name(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + "某某"
    }

    /// A member as a resident reads it: the masked name, else the relation (配偶), else the member id.
    /// "户主张某某", "子女张某某": the relation tells apart members whose masked names are the same.
    public static func personLabel(_ member: MemberRecord, schema: Schema, reveal: Bool) -> String {
        var relation = ""
        if let f = schema.field(schema.conventions.relation, .person), case .enumeration(let o) = member.values[f.index],
            case .enumeration(let e) = f.kind
        {
            relation = e.label(o)
        }
        var name: String?
        if let f = schema.field(schema.conventions.name, .person), case .text(let n) = member.values[f.index] { name = n }
        return personLabel(relation: relation, name: name, id: member.id, reveal: reveal)
    }

    /// A member's label from its relation's label ("" when none), its name and its id.
    public static func personLabel(relation: String, name: String?, id: String, reveal: Bool) -> String {
        if let n = name, !n.isEmpty { return relation + (reveal ? n : self.name(n)) }
        return relation.isEmpty ? id : relation
    }

    /// A field's value as a roster cell: the text a roster would give, empty when unknown; a
    /// sensitive field masked (names 张某某, ID numbers 420102********1234) unless `reveal`.
    public static func cell(_ v: Value, _ field: FieldSpec, reveal: Bool) -> String {
        switch v {
        case .unknown: return ""
        case .bool(let b): return b ? "是" : "否"
        case .int(let i): return String(i)  // whole yuan, for money, as `plainString` writes it
        case .fixed(let f): return f.plainString
        case .date(let d): return d.description
        case .text(let t):
            guard field.sensitive, !reveal else { return t }
            return field.kind == .idNumber ? IDNumber.masked(t) : name(t)
        default: return field.kind.exprType.map { ValueFormatter.text(v, $0) } ?? ""
        }
    }

    /// The masked name alone (张某某), for a household's heading.
    public static func nameOnly(_ member: MemberRecord, schema: Schema, reveal: Bool) -> String? {
        guard let f = schema.field(schema.conventions.name, .person), case .text(let n) = member.values[f.index], !n.isEmpty else { return nil }
        return reveal ? n : name(n)
    }
}

/// Values as a resident reads them: 1,320元, 2023年12月1日, 是/否, the Chinese label of a choice.
public enum ValueFormatter {
    public static func text(_ v: Value, _ type: ExprType) -> String {
        switch v {
        case .bool(let b): return b ? "是" : "否"
        case .int(let i): return type == .money ? MoneyTotal(yuan: i).yuanString : String(i)
        case .fixed(let f): return type == .money ? f.yuanString : f.plainString
        case .date(let d): return d.chinese
        case .text(let t): return t
        case .enumeration(let o):
            if case .enumeration(let e) = type { return e.label(o) }
            return String(o)
        case .enumSet(let bits):
            guard case .enumSet(let e) = type else { return String(bits) }
            let labels = e.values.indices.filter { bits & (1 << UInt64($0)) != 0 }.map { e.label($0) }
            return labels.isEmpty ? "无" : labels.joined(separator: "、")
        case .members(let set, _):
            return "\(set.definite.nonzeroBitCount)人"
        case .unknown: return "（未知）"
        }
    }

    /// The value as JSON: money and decimals as exact decimal strings, enums by their names.
    public static func write(_ v: Value, _ type: ExprType, to w: inout JSONWriter) {
        switch v {
        case .bool(let b): w.bool(b)
        case .int(let i): if type == .money { w.number(MoneyTotal(yuan: i).decimalString(places: 2)) } else { w.int(Int(i)) }
        case .fixed(let f): w.string(type == .money ? f.decimalString(places: 2) : f.plainString)
        case .date(let d): w.string(d.description)
        case .text(let t): w.string(t)
        case .enumeration(let o):
            if case .enumeration(let e) = type { w.string(e.values[o]) } else { w.int(o) }
        case .enumSet(let bits):
            guard case .enumSet(let e) = type else { w.int(Int(bits)); return }
            w.array(e.values.indices.filter { bits & (1 << UInt64($0)) != 0 }) { w, i in w.string(e.values[i]) }
        case .members(let set, _): w.int(set.definite.nonzeroBitCount)
        case .unknown: w.null()
        }
    }
}
