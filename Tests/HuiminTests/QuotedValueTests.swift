import SourceDiagnostics
import Testing

/// The one rule of what a diagnostic may repeat of a record's value (`QuotedValue`).
@Suite("QuotedValue: what a diagnostic may repeat")
struct QuotedValueTests {
    static let relation = ["head", "spouse", "child", "户主", "配偶", "子女"]

    @Test("quoted only where it cannot be personal; otherwise its shape", arguments: [
        ("hed", relation, false, "`hed`"),
        ("spuse", relation, false, "`spuse`"),
        ("zhangsan", relation, false, "所填的值（8个字母）"),
        ("户注", relation, false, "所填的值（2个汉字）"),
        ("测试甲乙", relation, false, "所填的值（4个汉字）"),
        ("hed", relation, true, "所填的值（3个字母）"),
        ("-5", [], false, "`-5`"),
        ("1500.505", [], false, "`1500.505`"),
        ("12345", [], false, "`12345`"),
        ("123456", [], false, "所填的值（6位数字）"),
        ("13800138000", [], false, "所填的值（11位数字，像手机号码）"),
        ("110101199003071233", [], false, "所填的值（18位数字，像身份证号）"),
        ("11010119900307123X", [], false, "所填的值（17位数字加X，像身份证号）"),
        ("４２０１０２", [], false, "所填的值（6位数字）"),
        ("4700000000000.50", [], false, "所填的值（一个数，整数部分13位、小数2位）"),
        ("1990-03-07", [], false, "所填的值（形如日期的值）"),
        ("1990年3月7日", [], false, "所填的值（形如日期的值）"),
        ("王小明13800138000", [], false, "所填的值（14个字符，含汉字、数字，其中有一串11位数字）"),
        ("abc", [], false, "所填的值（3个字母）"),
        ("a b", ["a"], false, "所填的值（3个字符，含字母、空格）"),
    ])
    func subject(text: String, choices: [String], sensitive: Bool, expected: String) {
        #expect(QuotedValue.subject(text, choices: choices, sensitive: sensitive) == expected)
    }

    @Test("keys: ASCII identifiers are quoted, anything else described", arguments: [
        ("incoms", "`incoms`"), ("birth_date", "`birth_date`"), ("测试甲乙", "一个键（4个汉字）"),
        ("p13800138000", "一个键（12个字符，含字母、数字，其中有一串11位数字）"), ("1abc", "一个键（4个字符，含字母、数字）"),
    ])
    func key(key: String, expected: String) {
        #expect(QuotedValue.key(key) == expected)
    }
}
