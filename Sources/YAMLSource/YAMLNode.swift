import SourceDiagnostics

/// A YAML node with the span of its source text: the building block that rule files decode from.
public struct YAMLNode: Sendable {
    public enum ScalarStyle: Sendable { case plain, singleQuoted, doubleQuoted, literal, folded }

    // Not `indirect`: the lists already hold their nodes out of line, and a box per node costs an allocation.
    public enum Content: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    public let content: Content
    public let span: Span
    public let tag: String?

    public init(content: Content, span: Span, tag: String? = nil) {
        self.content = content
        self.span = span
        self.tag = tag
    }

    /// The scalar's text, or nil for a sequence or mapping.
    public var scalar: String? {
        if case .scalar(let s, _) = content { return s }
        return nil
    }

    /// True for a plain `~`, `null`, `Null`, `NULL` or empty scalar.
    public var isNull: Bool {
        guard case .scalar(let s, let style) = content, style == .plain, tag == nil else { return false }
        return s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL"
    }

    public var isQuoted: Bool {
        if case .scalar(_, let style) = content { return style == .singleQuoted || style == .doubleQuoted }
        return false
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The value under a scalar key of a mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar == key }?.value
    }

    /// "a mapping", "a list", "text": for messages about the wrong kind of node.
    public var kindDescription: String {
        switch content {
        case .scalar: isNull ? "nothing" : "a single value"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}
