/// A token of the expression language, with its byte range in the expression text.
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case identifier(String)
        case number(String)
        case date(String)
        case string(String)
        case keyword(Keyword)
        case symbol(String)
        case end
    }

    public enum Keyword: String, Sendable, CaseIterable {
        case and, or, not, `in`, `where`, `if`, then, `else`, `true`, `false`
    }

    public let kind: Kind
    public let range: Range<Int>

    public var text: String {
        switch kind {
        case .identifier(let s), .number(let s), .date(let s), .symbol(let s): s
        case .string(let s): "\"\(s)\""
        case .keyword(let k): k.rawValue
        case .end: "the end of the expression"
        }
    }
}

/// A syntax error: what was found where, and what was expected.
public struct SyntaxError: Error, Sendable {
    public let message: String
    public let range: Range<Int>
    public let help: String?
}

/// Splits an expression into tokens. Identifiers may be Chinese (`人均收入`).
public struct Lexer {
    let bytes: [UInt8]
    let text: String

    public init(_ text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    public func tokens() -> Result<[Token], SyntaxError> {
        var tokens: [Token] = []
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == 32 || b == 9 || b == 10 || b == 13 { i += 1; continue }
            let start = i
            if isDigit(b) {
                if let end = dateEnd(at: i) {
                    tokens.append(Token(kind: .date(slice(i, end)), range: i..<end))
                    i = end
                    continue
                }
                while i < n, isDigit(bytes[i]) || bytes[i] == UInt8(ascii: "_") { i += 1 }
                if i + 1 < n, bytes[i] == UInt8(ascii: "."), isDigit(bytes[i + 1]) {
                    i += 1
                    while i < n, isDigit(bytes[i]) { i += 1 }
                }
                tokens.append(Token(kind: .number(slice(start, i).replacingUnderscores), range: start..<i))
                continue
            }
            if isIdentifierStart(at: i) {
                while i < n, isIdentifierContinue(at: i) { i += scalarLength(bytes[i]) }
                let word = slice(start, i)
                if let keyword = Token.Keyword(rawValue: word) {
                    tokens.append(Token(kind: .keyword(keyword), range: start..<i))
                } else {
                    tokens.append(Token(kind: .identifier(word), range: start..<i))
                }
                continue
            }
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                i += 1
                while i < n, bytes[i] != b { i += 1 }
                guard i < n else {
                    return .failure(SyntaxError(
                        message: "this text has no closing quote", range: start..<n,
                        help: "end the text with \(b == 34 ? "\"" : "'")"))
                }
                tokens.append(Token(kind: .string(slice(start + 1, i)), range: start..<(i + 1)))
                i += 1
                continue
            }
            let two = i + 1 < n ? slice(i, i + 2) : ""
            if ["<=", ">=", "==", "!="].contains(two) {
                tokens.append(Token(kind: .symbol(two), range: i..<(i + 2)))
                i += 2
                continue
            }
            let one = String(UnicodeScalar(b))
            if b < 128, "+-*/()[],.<>".contains(one) {
                tokens.append(Token(kind: .symbol(one), range: i..<(i + 1)))
                i += 1
                continue
            }
            let length = scalarLength(b)
            let found = slice(i, min(n, i + length))
            let help: String? =
                switch found {
                case "=": "compare with `==`"
                case "&": "write `and`"
                case "|": "write `or`"
                case "!": "write `not`"
                case "（", "）": "use ASCII parentheses ( )"
                case "，": "use an ASCII comma ,"
                default: nil
                }
            return .failure(SyntaxError(message: "unexpected character `\(found)`", range: i..<(i + length), help: help))
        }
        tokens.append(Token(kind: .end, range: n..<n))
        return .success(tokens)
    }

    private func slice(_ a: Int, _ b: Int) -> String { String(decoding: bytes[a..<b], as: UTF8.self) }
    private func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    private func dateEnd(at i: Int) -> Int? {
        guard i + 10 <= bytes.count else { return nil }
        let pattern: [Bool] = [true, true, true, true, false, true, true, false, true, true]
        for (k, digit) in pattern.enumerated() {
            let b = bytes[i + k]
            if digit ? !isDigit(b) : b != UInt8(ascii: "-") { return nil }
        }
        if i + 10 < bytes.count, isDigit(bytes[i + 10]) { return nil }
        return i + 10
    }

    private func scalarLength(_ b: UInt8) -> Int {
        b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
    }

    private func isIdentifierStart(at i: Int) -> Bool {
        let b = bytes[i]
        if b >= 0x80 { return isLetterScalar(at: i) }
        return (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "_")
    }

    private func isIdentifierContinue(at i: Int) -> Bool {
        isIdentifierStart(at: i) || isDigit(bytes[i])
    }

    /// Non-ASCII letters (CJK included), not full-width punctuation.
    private func isLetterScalar(at i: Int) -> Bool {
        let length = scalarLength(bytes[i])
        guard i + length <= bytes.count,
            let scalar = String(decoding: bytes[i..<(i + length)], as: UTF8.self).unicodeScalars.first
        else { return false }
        return scalar.properties.isAlphabetic
    }
}

extension String {
    fileprivate var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
