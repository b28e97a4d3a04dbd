import Foundation
import SourceDiagnostics
import Testing

@Suite("JSON text")
struct JSONWriterTests {
    static let cases: [(JSONValue, String, String)] = [
        (.null, "null", "null"),
        (.array([]), "[]", "[]"),
        (.object([]), "{}", "{}"),
        (.string("a\"b\\c\nd\te\u{1}"), #""a\"b\\c\nd\te\u0001""#, #""a\"b\\c\nd\te\u0001""#),
        (.string("低保标准940元"), #""低保标准940元""#, #""低保标准940元""#),
        (.array([.int(1), .number("2.50"), .bool(false)]), "[1,2.50,false]", "[\n  1,\n  2.50,\n  false\n]"),
        (
            .object([("a", .array([])), ("b", .object([("c", .null), ("d", .array([.object([])]))]))]),
            #"{"a":[],"b":{"c":null,"d":[{}]}}"#,
            "{\n  \"a\": [],\n  \"b\": {\n    \"c\": null,\n    \"d\": [\n      {}\n    ]\n  }\n}"
        ),
    ]

    @Test("compact and indented text, empty containers, escapes", arguments: cases)
    func text(_ value: JSONValue, _ compact: String, _ pretty: String) throws {
        #expect(value.serialized() == compact)
        #expect(value.serialized(pretty: true) == pretty)
        // What the writer produces is JSON any parser reads back.
        _ = try JSONSerialization.jsonObject(with: Data(compact.utf8), options: .fragmentsAllowed)
    }

    @Test("writing directly gives the same text as writing a tree")
    func direct() {
        var w = JSONWriter(pretty: true)
        w.object { w in
            w.key("policy"); w.string("dibao")
            w.key("amount"); w.string(nil as String?)
            w.key("basis"); w.strings(["第九条", "第十二条"])
            w.key("none"); w.array([Int]()) { w, i in w.int(i) }
        }
        let tree = JSONValue.object([
            ("policy", .string("dibao")), ("amount", .null), ("basis", .array([.string("第九条"), .string("第十二条")])), ("none", .array([])),
        ])
        #expect(String(decoding: w.bytes, as: UTF8.self) == tree.serialized(pretty: true))
    }

    static let strings: [String] = [
        "", "a", "abcdefgh", "abcdefg\"", "\"abcdefghijklmnop", "abcdefghijklmno\\pq", "家庭人均月收入500元，低于低保标准940元。",
        "12345678\u{1f}", "1234567\u{7f}89", "制表\t符与换行\n和回车\r", String(repeating: "中\"", count: 40), "\u{0}\u{1}\u{2}abcdefgh\u{1b}",
    ]

    @Test("every string reads back the same, wherever its escapes fall", arguments: strings)
    func roundTrip(_ s: String) throws {
        let text = JSONValue.array([.string(s)]).serialized()
        let back = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String])
        #expect(back == [s])
        // Only what must be escaped is: no raw control characters, quotes or backslashes stay.
        let inner = text.utf8.dropFirst(2).dropLast(2)
        #expect(!inner.contains { $0 < 0x20 })
    }
}
