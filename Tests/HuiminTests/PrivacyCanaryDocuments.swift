import Foundation
import RuleCompiler

/// Households with a canary planted in one place each: every household field, every member field
/// (on the second member), every income kind, and as a key at each level. Shared by the binary's
/// and the API's canary tests.
enum HouseholdDocuments {
    struct Planted {
        /// Where the canary is: `deposits`, `members[1].relation`, `members[1].incomes.wage`, `key`.
        let field: String
        let kind: FieldKind?
        let isID: Bool
        let document: [String: Any]

        /// Whether an accepted household's answer may show the canary: an id is output by design,
        /// and digits read as a number are the household's own figures; a name or an ID number never.
        func mayAnswer(_ canary: String) -> Bool {
            if isID { return true }
            switch kind {
            case .int, .decimal, .money, .moneyByKind: return canary.allSatisfy(\.isNumber)
            default: return false
            }
        }
    }

    static let schema = Repo.bundledRules.schema

    static func base() -> [String: Any] {
        [
            "id": "H1", "region": "420102", "hukou_type": "urban",
            "members": [["id": "P1", "relation": "head"], ["id": "P2", "relation": "spouse"]],
        ]
    }

    static func all(_ canary: String) -> [Planted] {
        let c = schema.conventions
        var out: [Planted] = []
        for f in schema.household {
            var d = base()
            if case .moneyByKind(let kinds, _) = f.kind {
                for k in kinds {
                    d[f.key] = [k: canary]
                    out.append(Planted(field: "\(f.key).\(k)", kind: f.kind, isID: false, document: d))
                }
                continue
            }
            d[f.key] = canary
            out.append(Planted(field: f.key, kind: f.kind, isID: f.key == c.householdID, document: d))
        }
        for f in schema.person {
            func planted(_ value: Any, at key: String) -> [String: Any] {
                var d = base()
                var members = d["members"] as! [[String: Any]]
                members[1][key] = value
                d["members"] = members
                return d
            }
            if case .moneyByKind(let kinds, _) = f.kind {
                out += kinds.map { Planted(field: "members[1].\(f.key).\($0)", kind: f.kind, isID: false, document: planted([$0: canary], at: f.key)) }
                out.append(Planted(field: "members[1].\(f.key) key", kind: nil, isID: false, document: planted([canary: 100], at: f.key)))
                continue
            }
            out.append(Planted(field: "members[1].\(f.key)", kind: f.kind, isID: f.key == c.personID, document: planted(canary, at: f.key)))
        }
        var d = base()
        d[canary] = 1
        out.append(Planted(field: "household key", kind: nil, isID: false, document: d))
        var members = d["members"] as! [[String: Any]]
        d[canary] = nil
        members[1][canary] = true
        d["members"] = members
        out.append(Planted(field: "member key", kind: nil, isID: false, document: d))
        return out
    }

    /// The document as JSON, or as block YAML (read by libyaml, not the JSON reader).
    static func text(_ document: [String: Any], format: String) -> String {
        if format == "json" { return String(decoding: try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), as: UTF8.self) }
        return yaml(document, indent: "")
    }

    static func yaml(_ map: [String: Any], indent: String) -> String {
        var out = ""
        for key in map.keys.sorted() {
            let value = map[key]!
            out += indent + scalar(key) + ":"
            if let m = value as? [String: Any] {
                out += "\n" + yaml(m, indent: indent + "  ")
            } else if let items = value as? [[String: Any]] {
                out += "\n"
                for item in items {
                    let body = yaml(item, indent: indent + "    ")
                    out += indent + "  - " + body.dropFirst(indent.count + 4)
                }
            } else {
                out += " " + scalar(value) + "\n"
            }
        }
        return out
    }

    static func scalar(_ v: Any) -> String {
        if let b = v as? Bool { return b ? "true" : "false" }
        if let n = v as? Int { return String(n) }
        return String(decoding: try! JSONSerialization.data(withJSONObject: [v], options: []), as: UTF8.self).dropFirst().dropLast().description
    }
}
