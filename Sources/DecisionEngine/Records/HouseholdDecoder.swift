import PolicyExpr
import RuleCompiler
import SourceDiagnostics
import YAMLSource

/// Reads one household document (YAML or JSON) against the schema. Every problem names the
/// file, line, column and the field's path (`members[1].birth_date`); values and keys are named
/// only as `QuotedValue` allows, and no source line is shown.
public struct HouseholdDecoder {
    public let schema: Schema

    public init(schema: Schema) { self.schema = schema }

    public func decode(file: SourceFile) -> (HouseholdRecord?, [Diagnostic]) {
        var parser = YAMLParser(file: file)
        parser.keysArePrivate = true
        let (root, syntax) = parser.parse()
        guard let root, syntax.isEmpty else {
            return (nil, syntax.isEmpty ? [Diagnostic("record.empty", "this household file is empty", at: nil, path: file.path)] : syntax.map(hidden))
        }
        return decode(root, origin: file.path)
    }

    func hidden(_ d: Diagnostic) -> Diagnostic {
        var d = d
        d.hidesSource = true
        return d
    }

    /// Decodes `root`; `householdDefaults` and `memberDefaults` (mappings) give values the record does not.
    public func decode(_ root: YAMLNode, origin: String, householdDefaults: YAMLNode? = nil, memberDefaults: YAMLNode? = nil, fallbackID: String = "") -> (HouseholdRecord?, [Diagnostic]) {
        var problems: [Diagnostic] = []
        func problem(_ id: String, _ path: String, _ message: String, _ node: YAMLNode, help: String? = nil) {
            var d = Diagnostic(id, "\(path.isEmpty ? "" : "\(path): ")\(message)", at: node.span, help: help)
            d.hidesSource = true
            if !path.isEmpty { d.field = path }
            problems.append(d)
        }
        var record = HouseholdRecord(schema: schema, origin: origin)
        guard let pairs = root.mapping else {
            problem("record.wrong-kind", "", "a household must be a mapping of fields with `members:`, found \(root.kindDescription)", root)
            return (nil, problems)
        }
        var membersNode: YAMLNode?
        // Values go through an inout parameter: a captured variable is checked as a whole, and
        // `values` and `kinds` are written in one call.
        func household(_ pairs: [(key: YAMLNode, value: YAMLNode)], into record: inout HouseholdRecord) {
            for (k, v) in pairs {
                guard let key = k.scalar else { continue }
                if key == "members" || key == "成员" { membersNode = v; continue }
                guard let field = schema.named(key, .household) else {
                    problem("record.unknown-field", QuotedValue.quotedKey(key) == nil ? "" : key, "the schema has no household field \(QuotedValue.key(key))", k,
                        help: Suggestion.closest(to: key, among: schema.household.map(\.key) + ["members"]).map { "did you mean `\($0)`?" })
                    continue
                }
                read(v, field, path: field.key, into: &record.values, &record.kinds, problem)
            }
        }
        if let defaults = householdDefaults?.mapping { household(defaults, into: &record) }
        household(pairs, into: &record)
        guard let membersNode, let items = membersNode.sequence else {
            problem("record.no-members", "members", "a household needs a `members:` list", membersNode ?? root)
            return (nil, problems)
        }
        if items.count > HouseholdRecord.maxMembers {
            problem("record.too-many-members", "members", "a household has at most \(HouseholdRecord.maxMembers) members; this one has \(items.count)", membersNode)
            return (nil, problems)
        }
        record.members.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            // Paths name a field only in a problem, so they are put together only then.
            func path() -> String { "members[\(i)]" }
            var member = HouseholdRecord.emptyMember(schema, id: "P\(i + 1)")
            guard let fields = item.mapping else {
                problem("record.wrong-kind", path(), "a member must be a mapping of fields, found \(item.kindDescription)", item)
                continue
            }
            func person(_ pairs: [(key: YAMLNode, value: YAMLNode)], into member: inout MemberRecord) {
                for (k, v) in pairs {
                    guard let key = k.scalar else { continue }
                    guard let field = schema.named(key, .person) else {
                        problem("record.unknown-field", QuotedValue.quotedKey(key) == nil ? path() : "\(path()).\(key)", "the schema has no member field \(QuotedValue.key(key))", k,
                            help: Suggestion.closest(to: key, among: schema.person.map(\.key)).map { "did you mean `\($0)`?" })
                        continue
                    }
                    read(v, field, path: "\(path()).\(field.key)", into: &member.values, &member.kinds, problem)
                }
            }
            if let defaults = memberDefaults?.mapping { person(defaults, into: &member) }
            person(fields, into: &member)
            for issue in RecordCompletion.complete(&member, schema: schema) {
                problem(issue.id, "\(path()).\(issue.field)", issue.message, item)
            }
            record.members.append(member)
        }
        RecordCompletion.identify(&record, schema: schema)
        if record.id.isEmpty { record.id = fallbackID }
        for issue in RecordCompletion.checkHousehold(record, schema: schema) {
            problem(issue.id, issue.field, issue.message, root)
        }
        return (problems.isEmpty ? record : nil, problems)
    }

    func read(_ node: YAMLNode, _ field: FieldSpec, path: @autoclosure () -> String, into values: inout [Value], _ kinds: inout [[Fixed]?], _ problem: (String, String, String, YAMLNode, String?) -> Void) {
        if node.isNull {
            values[field.index] = .unknown([])
            kinds[field.index] = nil
            return
        }
        if case .moneyByKind(let names, let labels) = field.kind {
            guard let pairs = node.mapping else {
                problem("record.bad-value", path(), "\(field.label)要按类别分项填写，如 `{ wage: 1500 }`", node, "类别：" + zip(names, labels).map { "\($0)（\($1)）" }.joined(separator: "、"))
                return
            }
            var amounts = Array(repeating: Fixed.zero, count: names.count)
            for (k, v) in pairs {
                guard let key = k.scalar, let i = names.firstIndex(of: key) ?? labels.firstIndex(of: key) else {
                    let shown = k.scalar.flatMap { QuotedValue.quotedKey($0) != nil ? $0 : nil }
                    problem("record.unknown-field", shown.map { "\(path()).\($0)" } ?? path(), "没有这一收入类别" + (shown == nil ? "（\(QuotedValue.key(k.scalar ?? ""))）" : ""), k,
                        Suggestion.closest(to: k.scalar ?? "", among: names).map { "did you mean `\($0)`?" })
                    continue
                }
                guard let text = v.scalar, !v.isNull else {
                    problem("record.bad-value", "\(path()).\(key)", "金额要填一个数", v, nil)
                    continue
                }
                switch FieldValueParser.money(text, sensitive: field.sensitive) {
                case .success(let f): amounts[i] = f
                case .failure(let e): problem("record.bad-value", "\(path()).\(key)", e.message, v, e.help)
                }
            }
            kinds[field.index] = amounts
            return
        }
        let text: String
        if let s = node.scalar {
            text = s
        } else if let items = node.sequence, case .enumList = field.kind {
            text = items.compactMap(\.scalar).joined(separator: ";")
        } else {
            problem("record.wrong-kind", path(), "\(field.label)要填一个值，这里是\(node.kindDescription)", node, nil)
            return
        }
        switch FieldValueParser.parse(text, as: field) {
        case .success(let v): values[field.index] = v
        case .failure(let e): problem("record.bad-value", path(), "\(field.label)：\(e.message)", node, e.help)
        }
    }
}

/// Steps every record goes through, whatever it was read from: derivation from the 身份证号,
/// member ids, and household-level checks.
public enum RecordCompletion {
    public struct Issue: Sendable {
        public let id: String
        public let field: String
        public let message: String
    }

    /// Fills birth date and sex from the 身份证号 where absent; reports a conflict where present.
    public static func complete(_ member: inout MemberRecord, schema: Schema) -> [Issue] {
        var issues: [Issue] = []
        guard let idField = schema.person.first(where: { $0.kind == .idNumber }),
            case .text(let text) = member.values[idField.index], case .success(let id) = IDNumber.parse(text)
        else { return [] }
        for field in schema.person {
            guard let derive = field.derive else { continue }
            let derived: Value
            switch (derive, field.kind) {
            case (.birthDate, .date): derived = .date(id.birthDate)
            case (.sex, .enumeration(let e)):
                guard let o = e.ordinal(of: id.isMale ? "male" : "female") else { continue }
                derived = .enumeration(o)
            default: continue
            }
            if member.values[field.index].isUnknown {
                member.values[field.index] = derived
            } else if member.values[field.index] != derived {
                issues.append(Issue(id: "record.derived-conflict", field: field.key, message: "\(field.label)与身份证号不一致，请核对"))
            }
        }
        return issues
    }

    /// Household and member ids from their fields, when given, after the schema's defaults
    /// have filled the fields the record left out.
    public static func identify(_ record: inout HouseholdRecord, schema: Schema) {
        for f in schema.household where f.defaultValue != nil && record.values[f.index].isUnknown {
            record.values[f.index] = f.defaultValue!
        }
        for f in schema.person where f.defaultValue != nil {
            for i in record.members.indices where record.members[i].values[f.index].isUnknown {
                record.members[i].values[f.index] = f.defaultValue!
            }
        }
        let c = schema.conventions
        if let f = schema.field(c.householdID, .household), case .text(let id) = record.values[f.index] { record.id = id }
        if let f = schema.field(c.region, .household), case .text(let code) = record.values[f.index] { record.region = code }
        if let f = schema.field(c.personID, .person) {
            for i in record.members.indices {
                if case .text(let id) = record.members[i].values[f.index] { record.members[i].id = id }
            }
        }
    }

    /// Checks that need the whole household: an id, a region, one 户主, distinct member ids.
    public static func checkHousehold(_ record: HouseholdRecord, schema: Schema) -> [Issue] {
        var issues: [Issue] = []
        let c = schema.conventions
        if record.id.isEmpty { issues.append(Issue(id: "record.missing-field", field: c.householdID, message: "户编号（\(c.householdID)）未填写")) }
        if record.region.isEmpty { issues.append(Issue(id: "record.missing-field", field: c.region, message: "户籍所在地区划代码（\(c.region)）未填写，无法确定适用的标准")) }
        if record.members.isEmpty { issues.append(Issue(id: "record.no-members", field: "members", message: "户内没有成员")) }
        if let rel = schema.field(c.relation, .person), case .enumeration(let e) = rel.kind, let head = e.ordinal(of: c.headRelation) {
            let heads = record.members.filter { $0.values[rel.index] == .enumeration(head) }.count
            if heads == 0, !record.members.isEmpty { issues.append(Issue(id: "record.no-head", field: "members", message: "户内没有户主（\(c.relation): \(c.headRelation)）")) }
            if heads > 1 { issues.append(Issue(id: "record.two-heads", field: "members", message: "户内有\(heads)位户主，只能有一位")) }
        }
        // By position, not by id: an id typed in the wrong column may be a name.
        var seen: [String: Int] = [:]
        for (i, m) in record.members.enumerated() {
            if let first = seen[m.id] {
                issues.append(Issue(id: "record.duplicate-member", field: "members", message: "第\(i + 1)位成员的成员编号与第\(first + 1)位的重复"))
            } else {
                seen[m.id] = i
            }
        }
        return issues
    }
}
