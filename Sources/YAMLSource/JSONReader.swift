#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SourceDiagnostics

/// Reads a plain JSON document straight into nodes, the tree and spans libyaml would give.
///
/// A household sent to the API is JSON on one line; libyaml reads it a character at a time
/// through events, which costs more than deciding the household. JSON is YAML, so this reader
/// only takes the common, strict form (objects, arrays, strings, JSON numbers, true, false,
/// null; spaces and line breaks between them) and declines everything else — a syntax error, a
/// duplicate key, a tab, a comment, an escape it does not decode, bytes that are not UTF-8, deep
/// nesting — by returning nil. The YAML parser then reads the document as before, so what a
/// user sees for a bad document (the error, its position, its wording) does not depend on which
/// reader ran.
struct JSONReader {
    let file: SourceFile
    let limits: YAMLParser.Limits

    /// The root node, or nil when the document is not in the form this reader takes.
    func read() -> YAMLNode? {
        file.bytes.withUnsafeBufferPointer { buffer -> YAMLNode? in
            // The whole document is checked to be UTF-8 once; a string between two quotes is
            // then UTF-8 too, and is copied without checking it again.
            guard String(validating: buffer, as: UTF8.self) != nil else { return nil }
            var cursor = Cursor(bytes: buffer, file: file, maxDepth: limits.maxDepth)
            cursor.skipSpace()
            guard let root = cursor.value(depth: 0) else { return nil }
            cursor.skipSpace()
            return cursor.at == buffer.count && cursor.nodes <= limits.maxNodes ? root : nil
        }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        let file: SourceFile
        let maxDepth: Int
        var at = 0
        /// Nodes made so far; past the parser's bound the document is declined.
        var nodes = 0
        /// Whether the last string read had an escape in it.
        var lastEscaped = false

        init(bytes: UnsafeBufferPointer<UInt8>, file: SourceFile, maxDepth: Int) {
            self.bytes = bytes
            self.file = file
            self.maxDepth = maxDepth
        }

        var current: UInt8? { at < bytes.count ? bytes[at] : nil }

        /// Spaces and line breaks. A tab is left for libyaml, which is stricter about it than JSON.
        mutating func skipSpace() {
            while at < bytes.count {
                switch bytes[at] {
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"): at += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) -> YAMLNode? {
            guard let b = current else { return nil }
            switch b {
            case UInt8(ascii: "{"): return depth < maxDepth ? mapping(depth: depth + 1) : nil
            case UInt8(ascii: "["): return depth < maxDepth ? sequence(depth: depth + 1) : nil
            case UInt8(ascii: "\""): return string()
            default: return plain()
            }
        }

        mutating func node(_ content: YAMLNode.Content, from start: Int) -> YAMLNode {
            nodes += 1
            return YAMLNode(content: content, span: Span(file: file, start: start, end: at))
        }

        mutating func mapping(depth: Int) -> YAMLNode? {
            let start = at
            at += 1
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var names = Set<String>()
            skipSpace()
            if current == UInt8(ascii: "}") {
                at += 1
                return node(.mapping(pairs), from: start)
            }
            while true {
                guard current == UInt8(ascii: "\""), let key = string(), let name = key.scalar, !lastEscaped else { return nil }
                // A repeated key is an error the YAML parser reports, with both positions. Keys
                // without escapes are equal when their bytes are: small mappings (a household, a
                // member) compare them directly, larger ones go through a set.
                if pairs.count < 16 {
                    if pairs.contains(where: { sameBytes($0.key.span, key.span) }) { return nil }
                } else {
                    if names.isEmpty { names = Set(pairs.lazy.compactMap(\.key.scalar)) }
                    if !names.insert(name).inserted { return nil }
                }
                skipSpace()
                guard current == UInt8(ascii: ":") else { return nil }
                at += 1
                skipSpace()
                guard let value = value(depth: depth) else { return nil }
                pairs.append((key, value))
                skipSpace()
                switch current {
                case UInt8(ascii: ","): at += 1; skipSpace()
                case UInt8(ascii: "}"): at += 1; return node(.mapping(pairs), from: start)
                default: return nil
                }
            }
        }

        mutating func sequence(depth: Int) -> YAMLNode? {
            let start = at
            at += 1
            var items: [YAMLNode] = []
            skipSpace()
            if current == UInt8(ascii: "]") {
                at += 1
                return node(.sequence(items), from: start)
            }
            while true {
                guard let item = value(depth: depth) else { return nil }
                items.append(item)
                skipSpace()
                switch current {
                case UInt8(ascii: ","): at += 1; skipSpace()
                case UInt8(ascii: "]"): at += 1; return node(.sequence(items), from: start)
                default: return nil
                }
            }
        }

        /// A double-quoted string. Escapes other than \" \\ \/ \b \f \n \r \t and \u of a
        /// character outside the surrogates are declined, as are control characters and NEL
        /// (U+0085), which libyaml folds to a space as a line break in a quoted scalar.
        mutating func string() -> YAMLNode? {
            let start = at
            at += 1
            let first = at
            var escaped = false
            while true {
                guard at < bytes.count else { return nil }
                let b = bytes[at]
                if b == UInt8(ascii: "\"") { break }
                if b < 0x20 || b == 0x7F { return nil }
                if b == 0xC2, at + 1 < bytes.count, bytes[at + 1] == 0x85 { return nil }
                if b == UInt8(ascii: "\\") {
                    escaped = true
                    at += 1
                    guard at < bytes.count else { return nil }
                }
                at += 1
            }
            let raw = UnsafeBufferPointer(rebasing: bytes[first..<at])
            at += 1
            lastEscaped = escaped
            guard let text = escaped ? Self.unescape(raw) : String(decoding: raw, as: UTF8.self) else { return nil }
            return node(.scalar(text, .doubleQuoted), from: start)
        }

        static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var i = 0
            while i < raw.count {
                let b = raw[i]
                i += 1
                guard b == UInt8(ascii: "\\") else { out.append(b); continue }
                let e = raw[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard i + 4 <= raw.count else { return nil }
                    var code: UInt32 = 0
                    for _ in 0..<4 {
                        guard let digit = hexValue(raw[i]) else { return nil }
                        code = code << 4 | digit
                        i += 1
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    out.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        static func hexValue(_ b: UInt8) -> UInt32? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        /// A JSON number, true, false or null: a plain scalar.
        mutating func plain() -> YAMLNode? {
            let start = at
            for word in Self.words where matches(word) {
                at += word.utf8CodeUnitCount
                return endsToken ? node(.scalar(word.description, .plain), from: start) : nil
            }
            if current == UInt8(ascii: "-") { at += 1 }
            let integer = at
            let count = digits()
            // JSON allows no leading zero: "01" is not a number, and YAML 1.1 would read it as octal.
            guard count > 0, count == 1 || bytes[integer] != UInt8(ascii: "0") else { return nil }
            if current == UInt8(ascii: ".") {
                at += 1
                guard digits() > 0 else { return nil }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                at += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { at += 1 }
                guard digits() > 0 else { return nil }
            }
            guard endsToken else { return nil }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
            return node(.scalar(text, .plain), from: start)
        }

        func sameBytes(_ a: Span, _ b: Span) -> Bool {
            a.end - a.start == b.end - b.start
                && memcmp(bytes.baseAddress! + a.start, bytes.baseAddress! + b.start, a.end - a.start) == 0
        }

        static let words: [StaticString] = ["true", "false", "null"]

        func matches(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard at + n <= bytes.count else { return false }
            return word.withUTF8Buffer { w in (0..<n).allSatisfy { bytes[at + $0] == w[$0] } }
        }

        mutating func digits() -> Int {
            let from = at
            while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") { at += 1 }
            return at - from
        }

        /// What may follow a plain scalar in JSON.
        var endsToken: Bool {
            switch current {
            case nil, UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"): true
            default: false
            }
        }
    }
}
