import PolicyExpr
import SourceDiagnostics

extension PolicySheet {
    public enum Format: String, Sendable, CaseIterable { case text, markdown, html, json }

    public func render(_ format: Format) -> String {
        switch format {
        case .text: text
        case .markdown: markdown
        case .html: html
        case .json: json.serialized(pretty: true) + "\n"
        }
    }

    /// The same sheet as data, for other systems and the worker's page.
    public var json: JSONValue {
        func condition(_ c: Condition) -> JSONValue {
            if let group = c.group { return .object([("group", .string(group)), ("parts", .array(c.parts.map(condition)))]) }
            return .object([("text", .string(c.text)), ("basis", .array(c.basis.map { .string($0) }))])
        }
        func strings(_ xs: [String]) -> JSONValue { .array(xs.map { .string($0) }) }
        return .object([
            ("policy", .string(policy)), ("title", .string(title)), ("region", .string(regionName)), ("date", .string(date.description)),
            ("in_effect", .bool(inEffect)), ("who", who.map { .string($0) } ?? .null), ("subject", .string(subject)),
            ("conditions", .array(conditions.map(condition))), ("overlaps", strings(overlaps)),
            ("amount", amount.map { .string($0) } ?? .null),
            ("standards", .array(standards.map { s in
                .object([("label", .string(s.label)), ("figure", .string(s.figure)), ("unit", s.unit.map { .string($0) } ?? .null), ("note", s.note.map { .string($0) } ?? .null)])
            })),
            ("documents", strings(documents)), ("procedure", strings(procedure)), ("publicity", publicity.map { .string($0) } ?? .null),
            ("basis", strings(basis)), ("source", .string(source)), ("rules", .object([("hash", .string(rulesHash))])),
        ])
    }

    var heading: String { "\(title)政策明白纸" }
    var place: String { "\(regionName) · \(date.chinese)" }
    var footer: String { "本明白纸由 huimin 根据规则文件 \(source) 生成（规则版本 \(rulesHash.prefix(12))），与资格核对使用同一套规则；如有出入，以正式文件为准。" }

    func conditionLines(_ cs: [Condition], depth: Int, bullet: (Int, Int) -> String) -> [String] {
        var out: [String] = []
        for (i, c) in cs.enumerated() {
            let indent = String(repeating: "  ", count: depth)
            if let group = c.group {
                out.append(indent + bullet(depth, i) + group + "：")
                out += conditionLines(c.parts, depth: depth + 1, bullet: bullet)
            } else {
                out.append(indent + bullet(depth, i) + c.text + "。" + (c.basis.isEmpty ? "" : "（依据：\(c.basis.joined(separator: "；"))）"))
            }
        }
        return out
    }

    public var text: String {
        var out = "\(heading)\n\(place)\n\n"
        if !inEffect { out += "注意：这项政策在\(date.chinese)不在施行期内。\n\n" }
        if let who { out += "【谁可以申请】\n\(who)（\(subject)）\n\n" }
        out += "【申请条件】\n" + conditionLines(conditions, depth: 0) { d, i in d == 0 ? "\(i + 1). " : "- " }.joined(separator: "\n") + "\n\n"
        if !overlaps.isEmpty { out += "【与其他政策的关系】\n" + overlaps.map { "- " + $0 }.joined(separator: "\n") + "\n\n" }
        if let amount { out += "【补助金额】\n每月：\(amount)\n\n" }
        if !standards.isEmpty {
            out += "【\(regionName)的标准】\n" + standards.map { "- \($0.label)：\($0.figure)\($0.unit.map { "（\($0)）" } ?? "")" + ($0.note.map { $0.isEmpty ? "" : "　\($0)" } ?? "") }.joined(separator: "\n") + "\n\n"
        }
        if !documents.isEmpty { out += "【请带齐的材料】\n" + documents.map { "- " + $0 }.joined(separator: "\n") + "\n\n" }
        if !procedure.isEmpty { out += "【办理流程】\n" + procedure.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n") + "\n\n" }
        if let publicity { out += "【公示】\n\(publicity)\n\n" }
        out += "【政策依据】\n" + basis.map { "- " + $0 }.joined(separator: "\n") + "\n\n"
        return out + footer + "\n"
    }

    public var markdown: String {
        var out = "# \(heading)\n\n*\(place)*\n\n"
        if !inEffect { out += "> 注意：这项政策在\(date.chinese)不在施行期内。\n\n" }
        if let who { out += "## 谁可以申请\n\n\(who)（\(subject)）\n\n" }
        out += "## 申请条件\n\n" + conditionLines(conditions, depth: 0) { d, i in d == 0 ? "\(i + 1). " : "- " }.map { $0.hasPrefix("  ") ? "   " + $0 : $0 }.joined(separator: "\n") + "\n\n"
        if !overlaps.isEmpty { out += "## 与其他政策的关系\n\n" + overlaps.map { "- " + $0 }.joined(separator: "\n") + "\n\n" }
        if let amount { out += "## 补助金额\n\n每月：\(amount)\n\n" }
        if !standards.isEmpty {
            out += "## \(regionName)的标准\n\n| 项目 | 标准 | 单位 | 说明 |\n|---|---|---|---|\n"
            out += standards.map { "| \($0.label) | \($0.figure) | \($0.unit ?? "") | \($0.note ?? "") |" }.joined(separator: "\n") + "\n\n"
        }
        if !documents.isEmpty { out += "## 请带齐的材料\n\n" + documents.map { "- [ ] " + $0 }.joined(separator: "\n") + "\n\n" }
        if !procedure.isEmpty { out += "## 办理流程\n\n" + procedure.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n") + "\n\n" }
        if let publicity { out += "## 公示\n\n\(publicity)\n\n" }
        out += "## 政策依据\n\n" + basis.map { "- " + $0 }.joined(separator: "\n") + "\n\n"
        return out + "---\n\n\(footer)\n"
    }

    public var html: String {
        func e(_ s: String) -> String { HTML.escape(s) }
        func list(_ cs: [Condition]) -> String {
            "<ol>" + cs.map { c in
                if let group = c.group { return "<li>\(e(group))：<ul class=\"sub\">" + c.parts.map { "<li>\(e($0.text))。\(basisNote($0.basis))</li>" }.joined() + "</ul></li>" }
                return "<li>\(e(c.text))。\(basisNote(c.basis))</li>"
            }.joined() + "</ol>"
        }
        func basisNote(_ b: [String]) -> String { b.isEmpty ? "" : "<span class=\"basis\">依据：\(e(b.joined(separator: "；")))</span>" }
        var body = "<header><h1>\(e(heading))</h1><p class=\"place\">\(e(place))</p></header>\n"
        if !inEffect { body += "<p class=\"warn\">注意：这项政策在\(e(date.chinese))不在施行期内。</p>\n" }
        if let who { body += "<section><h2>谁可以申请</h2><p>\(e(who))（\(e(subject))）</p></section>\n" }
        body += "<section><h2>申请条件</h2>\(list(conditions))</section>\n"
        if !overlaps.isEmpty { body += "<section><h2>与其他政策的关系</h2><ul>" + overlaps.map { "<li>\(e($0))</li>" }.joined() + "</ul></section>\n" }
        if let amount { body += "<section><h2>补助金额</h2><p class=\"amount\">每月：\(e(amount))</p></section>\n" }
        if !standards.isEmpty {
            body += "<section><h2>\(e(regionName))的标准</h2><table><thead><tr><th>项目</th><th>标准</th><th>单位</th><th>说明</th></tr></thead><tbody>"
            body += standards.map { "<tr><td>\(e($0.label))</td><td class=\"fig\">\(e($0.figure))</td><td class=\"unit\">\(e($0.unit ?? ""))</td><td class=\"note\">\(e($0.note ?? ""))</td></tr>" }.joined()
            body += "</tbody></table></section>\n"
        }
        if !documents.isEmpty { body += "<section><h2>请带齐的材料</h2><ul class=\"check\">" + documents.map { "<li>\(e($0))</li>" }.joined() + "</ul></section>\n" }
        if !procedure.isEmpty { body += "<section><h2>办理流程</h2><ol class=\"steps\">" + procedure.map { "<li>\(e($0))</li>" }.joined() + "</ol></section>\n" }
        if let publicity { body += "<section><h2>公示</h2><p>\(e(publicity))</p></section>\n" }
        body += "<section><h2>政策依据</h2><ul>" + basis.map { "<li>\(e($0))</li>" }.joined() + "</ul></section>\n"
        body += "<footer>\(e(footer))</footer>\n"
        return """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>\(e(heading))</title>
            <style>
            @page { size: A4; margin: 16mm 16mm 18mm; }
            body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; font-size: 11pt; line-height: 1.6; color: #111; max-width: 178mm; margin: 0 auto; }
            header { border-bottom: 2px solid #b22; margin-bottom: 4mm; }
            h1 { font-size: 20pt; margin: 0 0 1mm; color: #b22; letter-spacing: 0.1em; }
            .place { margin: 0 0 2mm; color: #444; }
            h2 { font-size: 13pt; margin: 4mm 0 1mm; padding-left: 2mm; border-left: 4px solid #b22; }
            section { break-inside: avoid; }
            ol, ul { margin: 1mm 0; padding-left: 7mm; }
            li { margin: 0.6mm 0; }
            .basis { display: block; font-size: 9pt; color: #555; }
            .amount { font-weight: bold; }
            table { border-collapse: collapse; width: 100%; font-size: 10pt; }
            th, td { border: 1px solid #999; padding: 1mm 2mm; text-align: left; vertical-align: top; }
            th { background: #f3e6e6; }
            td.fig { white-space: nowrap; font-weight: bold; }
            td.unit { white-space: nowrap; }
            td.note { font-size: 8.5pt; color: #444; }
            ul.check { list-style: none; padding-left: 2mm; }
            ul.check li::before { content: "□ "; }
            .warn { border: 1px solid #b22; padding: 2mm; color: #b22; }
            footer { margin-top: 5mm; padding-top: 2mm; border-top: 1px solid #999; font-size: 8.5pt; color: #555; }
            </style></head>
            <body>
            \(body)</body></html>

            """
    }
}

/// Text made safe inside HTML.
public enum HTML {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
