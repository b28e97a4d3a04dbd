internal import CLibYAML
import SourceDiagnostics

/// Reads YAML through libyaml's event API into nodes that keep their start and end positions.
///
/// Duplicate keys are errors; aliases are expanded only up to a bound (no "billion laughs");
/// nesting depth is bounded; syntax errors are reported at libyaml's position.
public struct YAMLParser {
    public struct Limits: Sendable {
        public var maxNodes = 1_000_000
        public var maxDepth = 128
        public init() {}
    }

    public let file: SourceFile
    public let limits: Limits
    /// True for a resident's record: its keys and anchors are named in messages only as
    /// `QuotedValue.key` allows (a key may be a name typed in the wrong place).
    public var keysArePrivate = false

    public init(file: SourceFile, limits: Limits = Limits()) {
        self.file = file
        self.limits = limits
    }

    /// The first document's root node (nil for an empty file), and any problems found.
    /// A document in plain JSON (a household sent to the API) is read directly unless
    /// `readingJSONDirectly` is false; anything the JSON reader declines goes through libyaml,
    /// which reports the problem.
    public func parse(readingJSONDirectly: Bool = true) -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
        if readingJSONDirectly, Self.looksLikeJSON(file.bytes), let root = JSONReader(file: file, limits: limits).read() {
            return (root, [])
        }
        var builder = Builder(file: file, limits: limits)
        builder.keysArePrivate = keysArePrivate
        return builder.run()
    }

    /// True when the first byte after leading spaces and line breaks opens an object or array.
    static func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
        for b in bytes {
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): return true
            default: return false
            }
        }
        return false
    }
}

private struct Builder {
    let file: SourceFile
    let limits: YAMLParser.Limits
    var diagnostics: [Diagnostic] = []
    var keysArePrivate = false
    var anchors: [String: (node: YAMLNode, weight: Int)] = [:]
    var totalWeight = 0
    /// The last mark turned into a byte offset: (0-based line, character column, byte offset).
    var cursor = (line: -1, column: 0, offset: 0)

    init(file: SourceFile, limits: YAMLParser.Limits) {
        self.file = file
        self.limits = limits
    }

    /// A frame of the node stack: a sequence or mapping being filled.
    struct Frame {
        var isMapping: Bool
        var items: [YAMLNode] = []
        var weight = 1
        var start: Int
        var anchor: String?
        var tag: String?
    }

    mutating func run() -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return (nil, [Diagnostic("yaml.internal", "could not start the YAML parser", at: nil, path: file.path)])
        }
        defer { yaml_parser_delete(&parser) }
        var root: YAMLNode?
        var documents = 0
        let bytes = file.bytes
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var stack: [Frame] = []
            var event = yaml_event_t()
            loop: while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    reportSyntaxError(parser)
                    root = nil
                    break
                }
                defer { yaml_event_delete(&event) }
                let start = position(event.start_mark)
                let end = position(event.end_mark)
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    break loop
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1 {
                        diagnostics.append(Diagnostic(
                            "yaml.multiple-documents", "this file holds more than one YAML document",
                            at: Span(file: file, start: start, end: end),
                            help: "keep one document a file: remove the `---` line"))
                        break loop
                    }
                case YAML_SCALAR_EVENT:
                    let s = event.data.scalar
                    let value = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
                    let style: YAMLNode.ScalarStyle =
                        switch s.style {
                        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
                        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
                        case YAML_LITERAL_SCALAR_STYLE: .literal
                        case YAML_FOLDED_SCALAR_STYLE: .folded
                        default: .plain
                        }
                    let tag = s.tag.map { String(cString: $0) }
                    let node = YAMLNode(content: .scalar(value, style), span: Span(file: file, start: start, end: end), tag: tag)
                    if let anchor = s.anchor { anchors[String(cString: anchor)] = (node, 1) }
                    if !push(node, weight: 1, onto: &stack, root: &root) { break loop }
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let isMapping = event.type == YAML_MAPPING_START_EVENT
                    let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
                    let tag = isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
                    if stack.count >= limits.maxDepth {
                        diagnostics.append(Diagnostic(
                            "yaml.too-deep", "nesting is deeper than \(limits.maxDepth) levels",
                            at: Span(file: file, start: start, end: end)))
                        root = nil
                        break loop
                    }
                    stack.append(Frame(
                        isMapping: isMapping, start: start, anchor: anchor.map { String(cString: $0) },
                        tag: tag.map { String(cString: $0) }))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    let frame = stack.removeLast()
                    let span = Span(file: file, start: frame.start, end: end)
                    let node: YAMLNode
                    if frame.isMapping {
                        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
                        var index = 0
                        while index + 1 < frame.items.count {
                            pairs.append((frame.items[index], frame.items[index + 1]))
                            index += 2
                        }
                        checkDuplicates(pairs)
                        node = YAMLNode(content: .mapping(pairs), span: span, tag: frame.tag)
                    } else {
                        node = YAMLNode(content: .sequence(frame.items), span: span, tag: frame.tag)
                    }
                    if let anchor = frame.anchor { anchors[anchor] = (node, frame.weight) }
                    if !push(node, weight: frame.weight, onto: &stack, root: &root) { break loop }
                case YAML_ALIAS_EVENT:
                    let name = String(cString: event.data.alias.anchor)
                    guard let (node, weight) = anchors[name] else {
                        diagnostics.append(Diagnostic(
                            "yaml.unknown-alias", keysArePrivate ? "an alias names no anchor" : "alias `*\(name)` names no anchor",
                            at: Span(file: file, start: start, end: end)))
                        root = nil
                        break loop
                    }
                    if !push(node, weight: weight, onto: &stack, root: &root) { break loop }
                default:
                    break
                }
            }
        }
        return (root, diagnostics)
    }

    /// Adds a finished node to its parent; false when the alias bound is exceeded.
    mutating func push(_ node: YAMLNode, weight: Int, onto stack: inout [Frame], root: inout YAMLNode?) -> Bool {
        totalWeight += weight
        if totalWeight > limits.maxNodes {
            diagnostics.append(Diagnostic(
                "yaml.too-large", "aliases expand this document past \(limits.maxNodes) nodes",
                at: node.span, help: "a rule file needs no deep aliases; write the values out"))
            root = nil
            return false
        }
        if stack.isEmpty {
            root = node
        } else {
            stack[stack.count - 1].items.append(node)
            stack[stack.count - 1].weight += weight
        }
        return true
    }

    mutating func checkDuplicates(_ pairs: [(key: YAMLNode, value: YAMLNode)]) {
        // A small mapping (a household, a member) is searched directly; a large one through a table.
        var seen: [String: Int] = [:]
        for i in pairs.indices {
            guard let name = pairs[i].key.scalar else { continue }
            let first: Int?
            if pairs.count <= 16 {
                first = pairs[..<i].firstIndex { $0.key.scalar == name }
            } else {
                first = seen[name]
                if first == nil { seen[name] = i }
            }
            guard let first else { continue }
            let l = pairs[first].key.span.startLocation
            let shown = keysArePrivate ? QuotedValue.key(name) : "`\(name)`"
            diagnostics.append(Diagnostic(
                "yaml.duplicate-key", "the key \(shown) appears twice in this mapping", at: pairs[i].key.span,
                notes: ["first written at line \(l.line), column \(l.column)"],
                help: "keep one \(keysArePrivate ? "of them" : shown): a second one would silently replace the first"))
        }
    }

    /// The byte offset of an event's mark, walking on from the previous one when it is further on
    /// the same line (events come in order).
    mutating func position(_ mark: yaml_mark_t) -> Int {
        let line = Int(mark.line), column = Int(mark.column)
        let at: Int
        if line == cursor.line, column >= cursor.column {
            at = file.offset(advancing: column - cursor.column, from: cursor.offset)
        } else {
            at = offset(mark)
        }
        cursor = (line, column, at)
        return at
    }

    func offset(_ mark: yaml_mark_t) -> Int {
        file.offset(line: Int(mark.line) + 1, characterColumn: Int(mark.column))
    }

    mutating func reportSyntaxError(_ parser: yaml_parser_t) {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = parser.context.map { String(cString: $0) }
        let at = offset(parser.problem_mark)
        var notes: [String] = []
        if let context {
            let l = file.location(of: offset(parser.context_mark))
            notes.append("\(context) (line \(l.line), column \(l.column))")
        }
        diagnostics.append(Diagnostic(
            "yaml.syntax", "YAML syntax error: \(problem)", at: Span(file: file, start: at, end: at + 1),
            notes: notes, help: "check the indentation and the quotes on this line and the one before"))
    }
}
