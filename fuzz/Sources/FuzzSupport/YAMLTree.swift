import YAMLSource

/// A node tree as text, spans and all, for comparing what two readers made of the same bytes.
public enum YAMLTree {
    /// Kind, value, style, tag and byte span of every node (as YAMLTests prints them).
    public static func dump(_ node: YAMLNode?) -> String {
        guard let node else { return "nil" }
        let at = "@\(node.span.start)-\(node.span.end)\(node.tag.map { " !\($0)" } ?? "")"
        switch node.content {
        case .scalar(let s, let style): return "\(s.debugDescription) \(style)\(at)"
        case .sequence(let items): return "[" + items.map(dump).joined(separator: ", ") + "]\(at)"
        case .mapping(let pairs): return "{" + pairs.map { dump($0.key) + ": " + dump($0.value) }.joined(separator: ", ") + "}\(at)"
        }
    }
}
