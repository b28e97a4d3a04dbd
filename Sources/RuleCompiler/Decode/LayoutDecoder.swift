import PolicyExpr
import SourceDiagnostics
import YAMLSource

extension RuleDecoder {
    /// `layouts.yaml`: `default:` names the layout `huimin screen` uses without `--layout`;
    /// `layouts:` maps names to `{ label, rows, columns: [ {name: source} ] }`.
    func decodeLayouts(_ root: YAMLNode, schema: Schema, policies: [CompiledPolicy]) -> (layouts: [OutputLayout], defaultName: String?) {
        guard let top = mapping(root, "layouts.yaml", allowed: ["default", "layouts"], required: ["layouts"]) else { return ([], nil) }
        var layouts: [OutputLayout] = []
        var defaultNode: YAMLNode?
        for (key, _, value) in top {
            if key == "default" { defaultNode = value; continue }
            for (name, nameNode, body) in mapping(value, "`layouts`", allowed: [], openKeys: true) ?? [] {
                if let layout = decodeLayout(name, nameNode, body, schema, policies) { layouts.append(layout) }
            }
        }
        var defaultName: String?
        if let node = defaultNode, let name = string(node, "`default`") {
            if layouts.contains(where: { $0.name == name }) {
                defaultName = name
            } else {
                bag.error("layout.unknown", "no layout is named `\(name)`", at: node.span,
                    help: Suggestion.closest(to: name, among: layouts.map(\.name)).map { "did you mean `\($0)`?" })
            }
        }
        return (layouts, defaultName)
    }

    func decodeLayout(_ name: String, _ nameNode: YAMLNode, _ body: YAMLNode, _ schema: Schema, _ policies: [CompiledPolicy]) -> OutputLayout? {
        guard let pairs = mapping(body, "the layout `\(name)`", allowed: ["label", "rows", "columns"], required: ["rows", "columns"]) else { return nil }
        func value(_ k: String) -> YAMLNode? { pairs.first { $0.key == k }?.value }
        guard let rowsNode = value("rows"), let rows = choice(rowsNode, "`rows`", OutputLayout.Rows.self) else { return nil }
        guard let columnsNode = value("columns"), let items = columnsNode.sequence else {
            bag.error("rules.wrong-kind", "`columns` must be a list of `- name: source` lines", at: value("columns")?.span ?? body.span)
            return nil
        }
        var columns: [OutputLayout.Column] = []
        var seen = Set<String>()
        for item in items {
            guard let entry = mapping(item, "a column", allowed: [], openKeys: true), entry.count == 1, let (column, columnNode, sourceNode) = entry.first else {
                bag.error("rules.wrong-kind", "each column is one `name: source` pair, such as `dibao_amount: dibao.amount`", at: item.span)
                continue
            }
            if !seen.insert(column).inserted { bag.error("layout.duplicate-column", "the column `\(column)` appears twice", at: columnNode.span) }
            guard let text = string(sourceNode, "the source of `\(column)`") else { continue }
            if let source = layoutSource(text, at: sourceNode, rows: rows, schema, policies) { columns.append(.init(name: column, source: source)) }
        }
        return OutputLayout(name: name, label: value("label").flatMap { string($0, "`label`") } ?? name, rows: rows, columns: columns, span: nameNode.span)
    }

    /// `household.<field>`, `person.<field>`, or `<policy>.<status|eligible|amount|unmet|missing|explanation>`.
    func layoutSource(_ text: String, at node: YAMLNode, rows: OutputLayout.Rows, _ schema: Schema, _ policies: [CompiledPolicy]) -> OutputLayout.Source? {
        let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            bag.error("layout.bad-source", "`\(text)` is not a column source", at: node.span,
                help: "write `household.<field>`, `person.<field>` or `<policy>.<\(OutputLayout.Show.allCases.map(\.rawValue).joined(separator: "|"))>`")
            return nil
        }
        let (head, tail) = (parts[0], parts[1])
        if head == "household" || head == "person" {
            let level: FieldLevel = head == "household" ? .household : .person
            if level == .person, rows == .household {
                bag.error("layout.person-in-household-rows", "a layout with one row per household cannot show the member field `\(tail)`", at: node.span, help: "use `rows: person`")
                return nil
            }
            let fields = level == .household ? schema.household : schema.person
            guard let f = fields.first(where: { $0.key == tail }) else {
                bag.error("layout.unknown-field", "the schema has no \(head) field `\(tail)`", at: node.span,
                    help: Suggestion.closest(to: tail, among: fields.map(\.key)).map { "did you mean `\($0)`?" })
                return nil
            }
            if case .moneyByKind = f.kind {
                bag.error("layout.bad-source", "`\(tail)` holds amounts by kind; a column shows one value", at: node.span)
                return nil
            }
            return .field(level: level, index: f.index)
        }
        guard let p = policies.first(where: { $0.id == head }) else {
            bag.error("layout.unknown-policy", "no policy is named `\(head)`", at: node.span,
                help: Suggestion.closest(to: head, among: policies.map(\.id)).map { "did you mean `\($0)`?" })
            return nil
        }
        guard let show = OutputLayout.Show(rawValue: tail) else {
            let all = OutputLayout.Show.allCases.map(\.rawValue)
            bag.error("layout.bad-source", "a policy column shows one of: \(all.joined(separator: ", ")); found `\(tail)`", at: node.span,
                help: Suggestion.closest(to: tail, among: all).map { "did you mean `\(head).\($0)`?" })
            return nil
        }
        if p.subject == .person, rows == .household {
            bag.error("layout.person-in-household-rows", "`\(head)` is decided for each person; a layout with one row per household cannot show it", at: node.span, help: "use `rows: person`")
            return nil
        }
        return .policy(index: p.index, show)
    }
}
