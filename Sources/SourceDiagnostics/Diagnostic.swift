/// How bad a diagnostic is.
public enum Severity: String, Sendable, Comparable {
    case error, warning, note

    private var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .note: 2
        }
    }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A half-open range of bytes in one source file.
public struct Span: Sendable {
    public let file: SourceFile
    public let start: Int
    public let end: Int

    public init(file: SourceFile, start: Int, end: Int) {
        self.file = file
        self.start = start
        self.end = max(start, end)
    }

    public var startLocation: SourceLocation { file.location(of: start) }
    public var endLocation: SourceLocation { file.location(of: end) }

    /// "file:line:column" of the start.
    public var description: String {
        let l = startLocation
        return "\(file.path):\(l.line):\(l.column)"
    }
}

/// A problem found in a rule file or a record, as data: rendering is separate.
public struct Diagnostic: Sendable {
    public var id: String
    public var severity: Severity
    public var message: String
    public var span: Span?
    /// A file named when no span is known (a file that cannot be read, say).
    public var path: String?
    public var notes: [String]
    public var help: String?
    /// For a problem in a record: the field it is about (`members[0].relation`).
    public var field: String?
    /// True for problems in residents' records: the source line may hold personal data, so it is never shown.
    public var hidesSource = false

    public init(
        _ id: String, _ message: String, at span: Span?, severity: Severity = .error,
        notes: [String] = [], help: String? = nil, path: String? = nil
    ) {
        self.id = id
        self.severity = severity
        self.message = message
        self.span = span
        self.notes = notes
        self.help = help
        self.path = path ?? span?.file.path
    }

    fileprivate var sortKey: (String, Int, Int, String) {
        (path ?? "", span?.start ?? -1, span?.end ?? -1, id)
    }
}

/// Collects the diagnostics of a stage: all of them, then sorted and capped.
public struct DiagnosticBag: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    public static let cap = 200

    public init() {}

    public mutating func add(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    public mutating func error(_ id: String, _ message: String, at span: Span?, help: String? = nil, notes: [String] = []) {
        add(Diagnostic(id, message, at: span, notes: notes, help: help))
    }

    public mutating func warning(_ id: String, _ message: String, at span: Span?, help: String? = nil, notes: [String] = []) {
        add(Diagnostic(id, message, at: span, severity: .warning, notes: notes, help: help))
    }

    public mutating func append(contentsOf other: DiagnosticBag) { diagnostics += other.diagnostics }
    public mutating func append(contentsOf other: [Diagnostic]) { diagnostics += other }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }

    /// Sorted by file and position, duplicates removed, at most `cap`.
    public var sorted: [Diagnostic] {
        var seen = Set<String>()
        let ordered = diagnostics.sorted { a, b in a.sortKey < b.sortKey }
        var result: [Diagnostic] = []
        for d in ordered {
            let key = "\(d.sortKey)|\(d.message)"
            if seen.insert(key).inserted { result.append(d) }
        }
        return Array(result.prefix(Self.cap))
    }
}
