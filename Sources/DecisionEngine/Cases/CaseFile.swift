import PolicyExpr
import RuleCompiler
import SourceDiagnostics
import YAMLSource

/// One case of a cases/ file: a household, a date, and what each policy must decide.
public struct TestCase: Sendable {
    public struct Expectation: Sendable {
        public let policy: String
        /// nil for a household policy; the member id for a person policy.
        public let member: String?
        public let status: DecisionStatus?
        public let amount: String?
        public let texts: [String]
        public let missing: [String]
        public let changes: [String]
        public let node: YAMLNode
    }

    public let name: String
    public let node: YAMLNode
    public let date: Day
    public let record: HouseholdRecord
    public let expectations: [Expectation]
}

/// A cases/*.yaml file, decoded; problems are diagnostics at their place.
public struct CaseFile: Sendable {
    public let path: String
    public let cases: [TestCase]
    public let diagnostics: [Diagnostic]

    /// The case files a list of paths names: files as given, folders searched for .yaml files.
    public static func files(under paths: [String]) -> [String] {
        paths.flatMap { path in
            FileBytes.isDirectory(path) ? FileBytes.files(under: path, suffixes: [".yaml", ".yml"]) : [path]
        }
    }

    public static func load(path: String, rules: RuleSet) -> CaseFile {
        switch SourceFile.load(path: path) {
        case .failure(let e):
            return CaseFile(path: path, cases: [], diagnostics: [Diagnostic("case.unreadable", "cannot read this file: \(e.reason)", at: nil, path: path)])
        case .success(let file):
            let (root, syntax) = YAMLParser(file: file).parse()
            guard let root, syntax.isEmpty else { return CaseFile(path: path, cases: [], diagnostics: syntax) }
            var reader = CaseReader(rules: rules)
            let cases = reader.read(root)
            return CaseFile(path: path, cases: cases, diagnostics: reader.bag.sorted)
        }
    }
}

struct CaseReader {
    let rules: RuleSet
    var bag = DiagnosticBag()

    mutating func read(_ root: YAMLNode) -> [TestCase] {
        guard let top = root.mapping else {
            bag.error("case.wrong-kind", "a cases file must be a mapping with `cases:`", at: root.span)
            return []
        }
        let allowed = ["region", "on", "defaults", "member_defaults", "cases", "notes"]
        for (k, _) in top where !allowed.contains(k.scalar ?? "") {
            bag.error("case.unknown-key", "unknown key `\(k.scalar ?? "")` in a cases file", at: k.span,
                help: Suggestion.closest(to: k.scalar ?? "", among: allowed).map { "did you mean `\($0)`?" })
        }
        let fileDate = root["on"].flatMap { date($0) }
        var householdDefaults = root["defaults"]
        if let region = root["region"] {
            householdDefaults = merged(region: region, into: householdDefaults)
        }
        let memberDefaults = root["member_defaults"]
        guard let items = root["cases"]?.sequence else {
            bag.error("case.no-cases", "a cases file needs a `cases:` list", at: root.span)
            return []
        }
        var result: [TestCase] = []
        for (i, item) in items.enumerated() {
            if let c = readCase(item, index: i, fileDate: fileDate, householdDefaults: householdDefaults, memberDefaults: memberDefaults) {
                result.append(c)
            }
        }
        return result
    }

    /// The file's `region:` as a household default.
    func merged(region: YAMLNode, into defaults: YAMLNode?) -> YAMLNode {
        let key = YAMLNode(content: .scalar(rules.schema.conventions.region, .plain), span: region.span)
        var pairs = defaults?.mapping ?? []
        pairs.insert((key, region), at: 0)
        return YAMLNode(content: .mapping(pairs), span: defaults?.span ?? region.span)
    }

    mutating func date(_ node: YAMLNode) -> Day? {
        guard let s = node.scalar, let d = Day(evaluationDate: s) else {
            bag.error("case.bad-date", "`on` must be a date from 1900-01-01 to 2199-12-31, YYYY-MM-DD", at: node.span)
            return nil
        }
        return d
    }

    mutating func readCase(_ item: YAMLNode, index: Int, fileDate: Day?, householdDefaults: YAMLNode?, memberDefaults: YAMLNode?) -> TestCase? {
        let allowed = ["name", "on", "household", "file", "expect"]
        guard let pairs = item.mapping else {
            bag.error("case.wrong-kind", "a case must be a mapping with `name`, `household` and `expect`", at: item.span)
            return nil
        }
        for (k, _) in pairs where !allowed.contains(k.scalar ?? "") {
            bag.error("case.unknown-key", "unknown key `\(k.scalar ?? "")` in a case", at: k.span,
                help: Suggestion.closest(to: k.scalar ?? "", among: allowed).map { "did you mean `\($0)`?" })
        }
        let name = item["name"]?.scalar ?? "case \(index + 1)"
        guard let day = item["on"].flatMap({ date($0) }) ?? fileDate else {
            bag.error("case.no-date", "the case “\(name)” has no date: give `on:` in the case or the file", at: item.span)
            return nil
        }
        var householdNode = item["household"]
        if householdNode == nil, let fileNode = item["file"], let relative = fileNode.scalar {
            let dir = item.span.file.path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            let path = dir.isEmpty ? relative : dir + "/" + relative
            switch SourceFile.load(path: path) {
            case .failure(let e):
                bag.error("case.unreadable", "cannot read the household file: \(e.reason)", at: fileNode.span)
                return nil
            case .success(let file):
                let (root, syntax) = YAMLParser(file: file).parse()
                bag.append(contentsOf: syntax)
                householdNode = root
            }
        }
        guard let householdNode else {
            bag.error("case.no-household", "the case “\(name)” has no `household:` (or `file:`)", at: item.span)
            return nil
        }
        let (record, problems) = HouseholdDecoder(schema: rules.schema).decode(
            householdNode, origin: item.span.file.path, householdDefaults: householdDefaults, memberDefaults: memberDefaults, fallbackID: "C\(index + 1)")
        bag.append(contentsOf: problems)
        guard let record else { return nil }
        guard let expect = item["expect"] else {
            bag.error("case.no-expect", "the case “\(name)” expects nothing", at: item.span, help: "add `expect:` with a decision for at least one policy")
            return nil
        }
        return TestCase(name: name, node: item, date: day, record: record, expectations: expectations(expect, record))
    }

    mutating func expectations(_ node: YAMLNode, _ record: HouseholdRecord) -> [TestCase.Expectation] {
        var result: [TestCase.Expectation] = []
        var texts: [String: [String]] = [:]
        for (k, v) in node.mapping ?? [] {
            guard let key = k.scalar else { continue }
            if key == "text" {
                for (pk, pv) in v.mapping ?? [] { texts[pk.scalar ?? ""] = pv.sequence?.compactMap(\.scalar) ?? pv.scalar.map { [$0] } ?? [] }
                continue
            }
            guard let p = rules.policy(key) else {
                bag.error("case.unknown-policy", "no policy is named `\(key)`", at: k.span,
                    help: Suggestion.closest(to: key, among: rules.policies.map(\.id)).map { "did you mean `\($0)`?" })
                continue
            }
            if p.subject == .person {
                for (mk, mv) in v.mapping ?? [] {
                    guard let member = mk.scalar else { continue }
                    if !record.members.contains(where: { $0.id == member }) {
                        bag.error("case.unknown-member", "the household has no member `\(member)`", at: mk.span,
                            help: "the members are: \(record.members.map(\.id).joined(separator: ", "))")
                        continue
                    }
                    if let e = expectation(p.id, member, mv) { result.append(e) }
                }
                if v.mapping == nil { bag.error("case.wrong-kind", "`\(key)` decides per member: write `{ P1: eligible }`", at: v.span) }
            } else if let e = expectation(p.id, nil, v) {
                result.append(e)
            }
        }
        for (policy, substrings) in texts {
            guard rules.policy(policy) != nil else {
                bag.error("case.unknown-policy", "no policy is named `\(policy)`", at: node.span)
                continue
            }
            result.append(TestCase.Expectation(policy: policy, member: nil, status: nil, amount: nil, texts: substrings, missing: [], changes: [], node: node))
        }
        return result
    }

    mutating func expectation(_ policy: String, _ member: String?, _ node: YAMLNode) -> TestCase.Expectation? {
        if let s = node.scalar {
            guard let status = DecisionStatus(rawValue: s) else {
                bag.error("case.bad-status", "`\(s)` is not a status: eligible, ineligible or undetermined", at: node.span)
                return nil
            }
            return TestCase.Expectation(policy: policy, member: member, status: status, amount: nil, texts: [], missing: [], changes: [], node: node)
        }
        let allowed = ["status", "amount", "text", "missing", "changes"]
        for (k, _) in node.mapping ?? [] where !allowed.contains(k.scalar ?? "") {
            bag.error("case.unknown-key", "unknown key `\(k.scalar ?? "")` in an expectation", at: k.span,
                help: Suggestion.closest(to: k.scalar ?? "", among: allowed).map { "did you mean `\($0)`?" })
        }
        var status: DecisionStatus?
        if let s = node["status"]?.scalar {
            status = DecisionStatus(rawValue: s)
            if status == nil { bag.error("case.bad-status", "`\(s)` is not a status: eligible, ineligible or undetermined", at: node["status"]!.span) }
        }
        var amount = node["amount"]?.scalar
        if let a = amount, let f = Fixed(parsing: a) { amount = f.decimalString(places: 2) }
        func list(_ key: String) -> [String] { node[key].map { $0.sequence?.compactMap(\.scalar) ?? $0.scalar.map { [$0] } ?? [] } ?? [] }
        return TestCase.Expectation(policy: policy, member: member, status: status, amount: amount, texts: list("text"), missing: list("missing"), changes: list("changes"), node: node)
    }
}
