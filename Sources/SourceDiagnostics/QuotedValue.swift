/// How a diagnostic shows a value read from a resident's record: the value itself only where it
/// cannot be personal, otherwise a description of its shape (`所填的值（4个汉字）`).
///
/// Every message about a record's value, key or cell — rejects, stderr, 422 answers — goes
/// through here, so the rule is kept in one place. A value is quoted only when all of these hold:
/// - its field is not `sensitive`;
/// - it is 1 to 12 characters of printable ASCII, without spaces (no 汉字: names are; no
///   full-width digits);
/// - it holds no run of 6 or more digits (ID, phone and bank numbers, and parts of them);
/// - it is a plain number (a sign, digits, thousands commas, at most one decimal point: `-5`,
///   `1500.505`), or else it is within the did-you-mean distance of one of the field's choices
///   (`hed` for `head`, `yse` for `yes`): so a name in pinyin, a date (a birth date is personal)
///   or any other text is never repeated.
/// A key of a record document (a field name) is quoted when it is an ASCII identifier of at most
/// 32 characters (`incoms`, `birth_date`) with no run of 6 digits. Anything else is described by
/// `shape`: `18位数字，像身份证号`, `4个汉字`, `形如日期的值`, `14个字符，含汉字、数字，其中有一串11位数字`.
public enum QuotedValue {
    /// The longest value quoted, in characters.
    public static let maxQuoted = 12
    /// The longest key quoted, in characters.
    public static let maxQuotedKey = 32
    /// Digits in a row from which a value is never quoted.
    public static let digitRun = 6

    /// The value as the subject of a message: `` `hed` `` or `所填的值（4个汉字）`.
    public static func subject(_ text: String, choices: [String] = [], sensitive: Bool = false) -> String {
        isQuotable(text, choices: choices, sensitive: sensitive) ? "`\(text)`" : "所填的值（\(shape(text))）"
    }

    /// Whether the value may be repeated in a message (the rule above).
    public static func isQuotable(_ text: String, choices: [String] = [], sensitive: Bool = false) -> Bool {
        guard !sensitive, !text.isEmpty, text.count <= maxQuoted, isPlainASCII(text), longestDigitRun(text) < digitRun else { return false }
        return isPlainNumber(text) || Suggestion.closest(to: text, among: choices) != nil
    }

    /// The key quoted (`` `incoms` ``), or nil when it is not an ASCII identifier that may be shown.
    public static func quotedKey(_ key: String) -> String? {
        let u = Array(key.utf8)
        guard let first = u.first, first.isLetter || first == UInt8(ascii: "_"), u.count <= maxQuotedKey,
            u.allSatisfy({ $0.isLetter || $0.isDigit || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }),
            longestDigitRun(key) < digitRun
        else { return nil }
        return "`\(key)`"
    }

    /// The key as a message names it: quoted, or `一个键（4个汉字）`.
    public static func key(_ key: String) -> String { quotedKey(key) ?? "一个键（\(shape(key))）" }

    /// What the value looks like, never what it is: how many characters of which kinds.
    public static func shape(_ text: String) -> String {
        let kinds = text.map(Kind.init)
        let n = kinds.count
        if n == 0 { return "空白" }
        if kinds.allSatisfy({ $0 == .digit }) {
            let hint = n == 18 || n == 15 ? "，像身份证号" : n == 11 && text.first == "1" ? "，像手机号码" : ""
            return "\(n)位数字\(hint)"
        }
        if n == 18, kinds.prefix(17).allSatisfy({ $0 == .digit }), "Xx\u{FF38}\u{FF58}".contains(text.last!) { return "17位数字加X，像身份证号" }
        if let number = numberShape(text) { return number }
        if isDateShaped(text) { return "形如日期的值" }
        if kinds.allSatisfy({ $0 == .han }) { return "\(n)个汉字" }
        if kinds.allSatisfy({ $0 == .letter }) { return "\(n)个字母" }
        var present: [String] = []
        for (kind, name) in [(Kind.han, "汉字"), (.letter, "字母"), (.digit, "数字"), (.space, "空格"), (.other, "其他符号")] where kinds.contains(kind) {
            present.append(name)
        }
        let run = longestDigitRun(text)
        return "\(n)个字符，含\(present.joined(separator: "、"))" + (run >= digitRun ? "，其中有一串\(run)位数字" : "")
    }

    /// A character's kind, as `shape` counts them (full-width digits are digits).
    enum Kind: Equatable {
        case digit, letter, han, space, other

        init(_ c: Character) {
            guard let u = c.unicodeScalars.first else { self = .other; return }
            switch u.value {
            case 0x30...0x39, 0xFF10...0xFF19: self = .digit
            case 0x41...0x5A, 0x61...0x7A: self = .letter
            case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F: self = .han
            default: self = c.isWhitespace ? .space : .other
            }
        }
    }

    static func isPlainASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F } }

    static func longestDigitRun(_ text: String) -> Int {
        var longest = 0, run = 0
        for c in text {
            run = Kind(c) == .digit ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }

    /// A sign, digits with thousands commas, at most one decimal point, and at least one digit.
    static func isPlainNumber(_ text: String) -> Bool { numberParts(text) != nil }

    static func numberParts(_ text: String) -> (whole: Int, fraction: Int)? {
        var body = Substring(text)
        if let f = body.first, f == "-" || f == "+" { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let whole = parts[0].filter { $0 != "," }, fraction = parts.count == 2 ? parts[1] : ""
        guard whole.count + fraction.count > 0, (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return (whole.count, fraction.count)
    }

    /// `一个数，整数部分13位、小数2位` for a number with a long run of digits.
    static func numberShape(_ text: String) -> String? {
        guard let (whole, fraction) = numberParts(text) else { return nil }
        return (text.hasPrefix("-") ? "一个负数，" : "一个数，") + "整数部分\(whole)位" + (fraction > 0 ? "、小数\(fraction)位" : "")
    }

    /// Three groups of digits split by one kind of separator (`-`, `/`, `.`), or digits with 年 and 月.
    static func isDateShaped(_ text: String) -> Bool {
        if text.contains("年"), text.allSatisfy({ Kind($0) == .digit || "年月日号".contains($0) }) { return true }
        for separator in ["-", "/", "."] as [Character] {
            let groups = text.split(separator: separator, omittingEmptySubsequences: false)
            if groups.count == 3, groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy { Kind($0) == .digit } }) { return true }
        }
        return false
    }
}

extension UInt8 {
    fileprivate var isLetter: Bool { (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) }
    fileprivate var isDigit: Bool { self >= 0x30 && self <= 0x39 }
}
