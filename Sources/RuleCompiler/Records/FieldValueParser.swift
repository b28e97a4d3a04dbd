import PolicyExpr
import SourceDiagnostics

/// Why a value does not fit its field. The value is named as `QuotedValue` allows: repeated only
/// where it cannot be personal, otherwise described by its shape.
public struct FieldValueError: Error, Sendable {
    public let message: String
    public let help: String?
}

/// Reads one field's value from text, as records and rosters give it.
public enum FieldValueParser {
    /// The ways a yes or a no is written: one lookup, not a comparison with each.
    static let booleans: [String: Bool] = {
        var table: [String: Bool] = [:]
        for t in ["是", "1", "true", "TRUE", "True", "yes", "Yes", "YES", "y", "Y", "有", "t", "T"] { table[t] = true }
        for f in ["否", "0", "false", "FALSE", "False", "no", "No", "NO", "n", "N", "无", "没有", "f", "F"] { table[f] = false }
        return table
    }()

    /// How a list of choices says there is none, and what separates its choices.
    static let noChoice: Set<String> = ["无", "none", "-", "—"]
    static let listSeparators: [Character] = [";", "；", ",", "，", "、", "|"]

    public static func parse(_ raw: String, as field: FieldSpec) -> Result<Value, FieldValueError> {
        let text = raw.trimmingSpaces
        // Built only for a message: this runs for every cell of a roster.
        var shown: String { QuotedValue.subject(text, choices: field.kind == .bool ? Array(booleans.keys) : [], sensitive: field.sensitive) }
        switch field.kind {
        case .bool:
            // The common cells first, without string comparisons.
            if text.utf8.count == 1, let b = text.utf8.first {
                if b == UInt8(ascii: "1") { return .success(.bool(true)) }
                if b == UInt8(ascii: "0") { return .success(.bool(false)) }
            }
            guard let b = booleans[text] else {
                return .failure(FieldValueError(message: "\(shown)不是“是/否”", help: "填 是 或 否（true/false）"))
            }
            return .success(.bool(b))
        case .int:
            switch Fixed.parseInteger(text) {
            case .success(let i):
                guard i >= 0 else { return .failure(FieldValueError(message: "\(shown)不能为负数", help: nil)) }
                return .success(.int(i))
            case .failure(.tooLarge): return .failure(tooLarge(shown))
            case .failure: return .failure(FieldValueError(message: "\(shown)不是整数", help: nil))
            }
        case .decimal:
            switch Fixed.parse(text) {
            case .success(let f): return .success(.fixed(f))
            case .failure(.tooLarge): return .failure(tooLarge(shown))
            case .failure: return .failure(FieldValueError(message: "\(shown)不是数字", help: nil))
            }
        case .money:
            if let f = Fixed(parsing: text), f.raw >= 0, f.raw % 10_000 == 0 { return .success(.fixed(f)) }
            return money(text, sensitive: field.sensitive).map { .fixed($0) }
        case .date:
            guard let d = Day(parsing: text) else {
                return .failure(FieldValueError(message: "\(shown)不是存在的日期", help: "日期写作 YYYY-MM-DD，如 1950-03-05"))
            }
            return .success(.date(d))
        case .text:
            return .success(.text(text))
        case .region:
            guard isRegionCode(text.utf8) else {
                return .failure(FieldValueError(message: "\(shown)不是6位行政区划代码", help: "如武汉市江岸区为 420102"))
            }
            return .success(.text(text))
        case .idNumber:
            switch IDNumber.parse(text) {
            case .success(let id): return .success(.text(id.text))
            case .failure(let e): return .failure(FieldValueError(message: e.description, help: nil))
            }
        case .enumeration(let e):
            if let o = e.ordinal(of: text) { return .success(.enumeration(o)) }
            return enumValue(text, e, sensitive: field.sensitive).map { .enumeration($0) }
        case .enumList(let e):
            var bits: UInt64 = 0
            if noChoice.contains(text) { return .success(.enumSet(0)) }
            for part in text.split(whereSeparator: listSeparators.contains) {
                let item = String(part).trimmingSpaces
                if item.isEmpty { continue }
                switch enumValue(item, e, sensitive: field.sensitive) {
                case .success(let o): bits |= 1 << UInt64(o)
                case .failure(let err): return .failure(err)
                }
            }
            return .success(.enumSet(bits))
        case .moneyByKind:
            return .failure(FieldValueError(message: "按类别的收入要分项填写", help: nil))
        }
    }

    /// Whether a cell is a 6-digit administrative region code (420102), read as bytes.
    @inlinable public static func isRegionCode(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count == 6 && bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// An amount in yuan (`1500`, `1500.50`, `1500元`), or why the text is not one.
    public static func money(_ text: String, sensitive: Bool = false) -> Result<Fixed, FieldValueError> {
        var shown: String { QuotedValue.subject(text, sensitive: sensitive) }
        var t = text
        if t.hasSuffix("元") { t.removeLast() }
        let f: Fixed
        switch Fixed.parse(t) {
        case .success(let v): f = v
        case .failure(.tooLarge): return .failure(tooLarge(shown))
        case .failure: return .failure(FieldValueError(message: "\(shown)不是金额", help: "金额写作数字，单位为元，如 1500 或 1500.50"))
        }
        guard f.raw >= 0 else { return .failure(FieldValueError(message: "\(shown)是负数，金额不能为负", help: "亏损等情况请按0填写并在备注中说明")) }
        guard f.raw % 10_000 == 0 else { return .failure(FieldValueError(message: "\(shown)的小数超过两位（分）", help: nil)) }
        return .success(f)
    }

    /// A number past `Fixed.largestWhole`: said as such, not as "not a number", the value
    /// described as `QuotedValue` allows (so many digits may be an ID or a phone number).
    static func tooLarge(_ shown: String) -> FieldValueError {
        FieldValueError(message: "\(shown)数值过大（超过12位整数）", help: "数值不超过 999,999,999,999；请核对是否多填了位数，或填到了别的列")
    }

    static func enumValue(_ text: String, _ e: EnumType, sensitive: Bool) -> Result<Int, FieldValueError> {
        if let o = e.ordinal(of: text) { return .success(o) }
        let choices = e.values + e.labels
        let suggestion = Suggestion.closest(to: text, among: choices)
        // Near-spellings of any spelling (aliases too) are quoted: they are the schema's, not the resident's.
        let shown = QuotedValue.subject(text, choices: Array(e.spellings.keys), sensitive: sensitive)
        let listed = zip(e.values, e.labels).map { "\($0)（\($1)）" }.joined(separator: "、")
        return .failure(FieldValueError(
            message: "\(shown)不是可选的值", help: suggestion.map { "是不是 `\($0)`？可选：\(listed)" } ?? "可选：\(listed)"))
    }
}
