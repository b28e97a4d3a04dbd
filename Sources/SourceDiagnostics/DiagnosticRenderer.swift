/// Renders diagnostics for people (a snippet with an underline) and for programs (JSON).
public enum DiagnosticRenderer {
    /// `file:line:column: error[id]: message`, the source line, an underline, then notes and help.
    public static func text(_ d: Diagnostic) -> String {
        var out = ""
        if d.hidesSource, let span = d.span {
            let start = span.startLocation
            out += "\(span.file.path):\(start.line):\(start.column): \(d.severity.rawValue)[\(d.id)]: \(d.message)\n"
            for note in d.notes { out += "  = note: \(note)\n" }
            if let help = d.help { out += "  = help: \(help)\n" }
            return out
        }
        guard let span = d.span else {
            out += "\(d.path.map { "\($0): " } ?? "")\(d.severity.rawValue)[\(d.id)]: \(d.message)\n"
            for note in d.notes { out += "  = note: \(note)\n" }
            if let help = d.help { out += "  = help: \(help)\n" }
            return out
        }
        let start = span.startLocation
        let end = span.endLocation
        out += "\(span.file.path):\(start.line):\(start.column): \(d.severity.rawValue)[\(d.id)]: \(d.message)\n"
        let lineText = span.file.lineText(start.line)
        let gutter = String(start.line)
        let pad = String(repeating: " ", count: gutter.count)
        out += "\(pad) |\n"
        let all = Array(lineText.replacingTabs)
        let lastColumn = end.line == start.line ? max(end.column, start.column + 1) : all.count + 1
        // A long line is shown as a window around the span, so a generated rule or a record on
        // one line of megabytes prints a line a terminal can show.
        let window = snippetWindow(count: all.count, from: start.column - 1, to: lastColumn - 1)
        let chars = (window.lowerBound > 0 ? ["…"] : []) + all[window] + (window.upperBound < all.count ? ["…"] : [])
        let shift = window.lowerBound > 0 ? window.lowerBound - 1 : 0
        out += "\(gutter) | \(String(chars))\n"
        let before = chars.prefix(start.column - 1 - shift)
        let under = chars.dropFirst(start.column - 1 - shift).prefix(max(1, min(lastColumn, window.upperBound + 1) - start.column))
        let underWidth = max(1, under.reduce(0) { $0 + DisplayWidth.of($1) })
        out += "\(pad) | \(String(repeating: " ", count: before.reduce(0) { $0 + DisplayWidth.of($1) }))"
        out += String(repeating: "^", count: underWidth) + "\n"
        for note in d.notes { out += "\(pad) = note: \(note)\n" }
        if let help = d.help { out += "\(pad) = help: \(help)\n" }
        return out
    }

    /// The characters of a line shown for a span from `from` to `to` (0-based, end exclusive):
    /// the whole line up to 160 characters, else 60 before the span and at most 100 from it.
    static func snippetWindow(count: Int, from: Int, to: Int) -> Range<Int> {
        guard count > 160 else { return 0..<count }
        let lower = max(0, min(from, count) - 60)
        return lower..<min(count, max(from, lower) + 100, max(to, from + 1) + 40)
    }

    public static func text(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(text).joined(separator: "\n")
    }

    public static func summaryLine(_ diagnostics: [Diagnostic]) -> String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        return "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
    }

    /// One JSON object a diagnostic, with 1-based positions of the start and end.
    public static func json(_ d: Diagnostic) -> JSONValue {
        var object: [(String, JSONValue)] = [
            ("id", .string(d.id)),
            ("severity", .string(d.severity.rawValue)),
            ("message", .string(d.message)),
            ("file", d.path.map { .string($0) } ?? .null),
        ]
        if let span = d.span {
            let s = span.startLocation, e = span.endLocation
            object.append(("start", .object([("line", .int(s.line)), ("column", .int(s.column)), ("offset", .int(s.offset))])))
            object.append(("end", .object([("line", .int(e.line)), ("column", .int(e.column)), ("offset", .int(e.offset))])))
        }
        object.append(("notes", .array(d.notes.map { .string($0) })))
        object.append(("help", d.help.map { .string($0) } ?? .null))
        return .object(object)
    }
}

extension String {
    fileprivate var replacingTabs: String {
        contains("\t") ? String(map { $0 == "\t" ? " " : $0 }) : self
    }
}

/// Terminal column widths: CJK and full-width characters take two columns.
public enum DisplayWidth {
    public static func of(_ c: Character) -> Int {
        guard let v = c.unicodeScalars.first?.value else { return 1 }
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    public static func of(_ s: String) -> Int { s.reduce(0) { $0 + of($1) } }
}

/// "Did you mean …?": the closest candidate by edit distance, if it is close enough.
public enum Suggestion {
    public static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
        let target = Array(name.lowercased())
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(target, Array(candidate.lowercased()))
            if best == nil || d < best!.1 || (d == best!.1 && candidate < best!.0) { best = (candidate, d) }
        }
        guard let (candidate, d) = best else { return nil }
        let limit = max(1, min(3, (max(target.count, candidate.count) + 1) / 3))
        return d <= limit ? candidate : nil
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
