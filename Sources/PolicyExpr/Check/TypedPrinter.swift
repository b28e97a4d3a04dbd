/// Prints a checked expression with the type of each leaf, `age~int >= 60~int`, for tests of the checker.
public enum TypedPrinter {
    public static func print(_ e: TExpr) -> String {
        switch e.op {
        case .constant(let v): return "\(valueText(v))~\(e.type)"
        case .field(_, _, let name), .kind(_, _, _, let name), .householdLet(_, let name), .memberLet(_, let name):
            return "\(name)~\(e.type)"
        case .parameter(_, let name): return "param(\(name))~\(e.type)"
        case .policy(_, _, _, let name): return "\(name)~\(e.type)"
        case .today: return "today~date"
        case .regionName: return "region_name~text"
        case .personName: return "person_name~text"
        case .age: return "age~int"
        case .dateOfAge(let n): return "date_of_age(\(print(n)))~date"
        case .allMembers: return "members"
        case .negate(let a): return "-\(print(a))"
        case .arithmetic(let op, let a, let b): return "(\(print(a)) \(op.rawValue) \(print(b)))~\(e.type)"
        case .divide(let a, let b, let unit, let mode): return "(\(print(a)) / \(print(b)) → \(unit.rawValue) \(mode.rawValue))~\(e.type)"
        case .round(let a, let unit, let mode): return "round(\(print(a)), \(unit.rawValue), \(mode.rawValue))~\(e.type)"
        case .compare(let op, let a, let b): return "\(print(a)) \(op.rawValue) \(print(b))"
        case .and(let xs): return "(" + xs.map(print).joined(separator: " and ") + ")"
        case .or(let xs): return "(" + xs.map(print).joined(separator: " or ") + ")"
        case .not(let a): return "not \(print(a))"
        case .conditional(let c, let a, let b): return "if \(print(c)) then \(print(a)) else \(print(b))"
        case .contains(let s, let x): return "\(print(x)) in \(print(s))"
        case .aggregate(let kind, let source, let filter, let value):
            var s = "\(kind.rawValue)(\(print(source))"
            if let filter { s += " where \(print(filter))" }
            if let value { s += ", \(print(value))" }
            return s + ")~\(e.type)"
        case .filter(let a, let b): return "(\(print(a)) where \(print(b)))"
        case .known(let a): return "known(\(print(a)))"
        case .extremum(let isMin, let xs): return "\(isMin ? "min" : "max")(" + xs.map(print).joined(separator: ", ") + ")~\(e.type)"
        case .addDate(let unit, let a, let b): return "add_\(unit.rawValue)(\(print(a)), \(print(b)))~date"
        case .month(let end, let a): return "\(end.rawValue)(\(print(a)))~date"
        }
    }

    static func valueText(_ v: Value) -> String {
        switch v {
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .fixed(let f): return f.plainString
        case .date(let d): return d.description
        case .text(let t): return "\"\(t)\""
        case .enumeration(let o): return "#\(o)"
        case .enumSet(let bits): return "set(\(String(bits, radix: 2)))"
        case .members: return "members"
        case .unknown: return "unknown"
        }
    }
}
