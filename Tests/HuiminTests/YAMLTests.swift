import Foundation
import SourceDiagnostics
import Testing
@testable import YAMLSource

@Suite("YAML with positions")
struct YAMLTests {
    func parse(_ text: String) -> (YAMLNode?, [Diagnostic]) {
        YAMLParser(file: SourceFile(path: "t.yaml", text: text)).parse()
    }

    @Test("nodes keep their start and end positions")
    func positions() throws {
        let (root, d) = parse("a: 1\nb:\n  - x\n  - 中文: y\n")
        #expect(d.isEmpty)
        let b = try #require(root?["b"]?.sequence)
        #expect(b[0].span.startLocation.line == 3)
        #expect(b[0].span.startLocation.column == 5)
        let inner = try #require(b[1]["中文"])
        #expect(inner.span.startLocation.line == 4)
        #expect(inner.span.startLocation.column == 9)
    }

    /// Small mappings are searched directly and large ones through a table: both find the same.
    static let duplicateCases: [(String, [Int])] = [
        ("a: 1\nb: 2\na: 3\n", [3]),
        ((0..<20).map { "k\($0): \($0)\n" }.joined() + "k3: x\nk19: y\n", [21, 22]),
        ((0..<20).map { "k\($0): \($0)\n" }.joined(), []),
        ("{\"a\": 1, \"b\": {\"a\": 2, \"a\": 3}}", [1]),
    ]

    @Test("a duplicate key is an error at the second key", arguments: duplicateCases)
    func duplicates(_ text: String, _ lines: [Int]) {
        let (_, d) = parse(text)
        #expect(d.map(\.id) == lines.map { _ in "yaml.duplicate-key" })
        #expect(d.compactMap { $0.span?.startLocation.line } == lines)
    }

    @Test("positions on one long line (a compact JSON body) are exact")
    func longLine() throws {
        let text = "{" + (0..<200).map { "\"键\($0)\":\"值\($0)\"" }.joined(separator: ",") + "}"
        let (root, d) = parse(text)
        #expect(d.isEmpty)
        let node = try #require(root?["键150"])
        let offset = try #require(text.utf8.firstRange(of: "\"值150\"".utf8)).lowerBound
        #expect(node.span.start == text.utf8.distance(from: text.utf8.startIndex, to: offset))
        #expect(node.span.startLocation.line == 1)
    }

    @Test("a syntax error is located")
    func syntax() {
        let (root, d) = parse("a: [1, 2\nb: 3\n")
        #expect(root == nil)
        #expect(d.first?.id == "yaml.syntax")
        #expect(d.first?.span?.startLocation.line == 2)
    }

    @Test("aliases cannot expand without bound (billion laughs)")
    func aliasBomb() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        let (root, d) = parse(text)
        #expect(root == nil)
        #expect(d.map(\.id) == ["yaml.too-large"])
    }

    @Test("a small alias is fine")
    func smallAlias() {
        let (root, d) = parse("a: &x { k: 1 }\nb: *x\n")
        #expect(d.isEmpty)
        #expect(root?["b"]?["k"]?.scalar == "1")
    }

    static let blocks: [(String, String, Int, Int)] = [
        // source, the value text to find, expected line, expected column
        ("when: |\n  a < b\n  and 中文 < zz\n", "zz", 3, 12),
        ("when: >\n  a < b\n  and c < zz\n", "zz", 3, 11),
        ("when: \"a < zz\"\n", "zz", 1, 12),
        ("when: 'it''s zz'\n", "zz", 1, 14),
        ("when: 收入 < zz\n", "zz", 1, 12),
    ]

    @Test("a range inside a scalar maps to the file, in | and > blocks too", arguments: blocks)
    func scalarMapping(_ text: String, _ needle: String, _ line: Int, _ column: Int) throws {
        let (root, _) = parse(text)
        let node = try #require(root?["when"])
        let value = try #require(node.scalar)
        let bytes = Array(value.utf8)
        let needleBytes = Array(needle.utf8)
        let start = try #require((0...(bytes.count - needleBytes.count)).first { Array(bytes[$0..<($0 + needleBytes.count)]) == needleBytes })
        let span = node.sourceSpan(ofValueRange: start..<(start + needleBytes.count))
        #expect(span.startLocation.line == line)
        #expect(span.startLocation.column == column)
        #expect(span.endLocation.column == column + needle.count)
    }

    @Test("nesting depth is bounded")
    func depth() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let (root, d) = parse(deep)
        #expect(root == nil)
        #expect(d.first?.id == "yaml.too-deep")
    }
}

/// JSON documents are read by a direct reader; it must give exactly the tree libyaml gives
/// (values, styles, spans), and leave every document it does not take to libyaml.
@Suite("JSON read directly")
struct JSONReaderTests {
    static let taken: [String] = [
        #"{"id": "H001", "members": [{"id": "P1", "名字": "张三", "income": 1500.50}]}"#,
        #"{"a":1,"b":-2,"c":0,"d":-0,"e":3.25,"f":1e5,"g":2.5E-3,"h":7e+2}"#,
        #"{"t": true, "f": false, "n": null, "s": "", "o": {}, "l": []}"#,
        #"{"q": "a\"b", "bs": "c\\d", "sl": "e\/f", "ws": "\b\f\n\r\t", "u": "\u4e2d\u00e9x"}"#,
        "{\r\n  \"a\" : [ 1 , [ 2, [ ] ] ],\r\n  \"中文键\":\"值 with spaces\"\n}\n",
        "  [\"x\", {\"y\": [true, null]}, -12.5]  ",
        #"{"nul": "a\u0000b", "us": "\u001f", "del": "\u007f", "ff": "\uFFFF"}"#,
        "{" + (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ", ") + "}",
    ]

    static let declined: [String] = [
        "{a: 1}",
        #"{"a": 01}"#,
        "{\"a\":\t1}",
        #"{"a": 1, "a": 2}"#,
        "{" + (0..<20).map { "\"k\($0)\": \($0)" }.joined(separator: ", ") + ", \"k3\": 9}",
        #"{"a": "\ud83d\ude00"}"#,
        #"{"a": "\x41"}"#,
        #"{"a": 1} # note"#,
        #"{"a": tru}"#,
        #"{"a": 1.}"#,
        "[1,]",
        #"{"a": 1} {"b": 2}"#,
        "{\"a\": \"\u{1}\"}",
        "{\"a\": 1",
    ]

    func file(_ text: String) -> SourceFile { SourceFile(path: "h.json", text: text) }

    /// The tree as text: kind, value, style, tag and span of every node.
    func dump(_ node: YAMLNode?) -> String {
        guard let node else { return "nil" }
        let at = "@\(node.span.start)-\(node.span.end)\(node.tag.map { " !\($0)" } ?? "")"
        switch node.content {
        case .scalar(let s, let style): return "\(s.debugDescription) \(style)\(at)"
        case .sequence(let items): return "[" + items.map(dump).joined(separator: ", ") + "]\(at)"
        case .mapping(let pairs): return "{" + pairs.map { dump($0.key) + ": " + dump($0.value) }.joined(separator: ", ") + "}\(at)"
        }
    }

    @Test("a plain JSON document is read directly, to libyaml's tree", arguments: taken)
    func same(_ text: String) throws {
        let direct = try #require(JSONReader(file: file(text), limits: .init()).read())
        let (viaYAML, problems) = YAMLParser(file: file(text)).parse(readingJSONDirectly: false)
        #expect(problems.isEmpty)
        #expect(dump(direct) == dump(viaYAML))
    }

    @Test("anything else is left to libyaml, with its problems", arguments: declined)
    func left(_ text: String) {
        #expect(JSONReader(file: file(text), limits: .init()).read() == nil)
        let (root, problems) = YAMLParser(file: file(text)).parse()
        let (expected, expectedProblems) = YAMLParser(file: file(text)).parse(readingJSONDirectly: false)
        #expect(dump(root) == dump(expected))
        #expect(problems.map(\.id) == expectedProblems.map(\.id))
    }

    @Test("the bundled example households read the same either way")
    func examples() throws {
        let folder = Repo.root + "/examples/households"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }
        #expect(!names.isEmpty)
        for name in names {
            let f = try #require(try? SourceFile.load(path: folder + "/" + name).get())
            let direct = try #require(JSONReader(file: f, limits: .init()).read())
            #expect(dump(direct) == dump(YAMLParser(file: f).parse(readingJSONDirectly: false).root), "\(name)")
        }
    }

    @Test("nesting deeper than the parser's bound is left to libyaml")
    func deep() {
        let text = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(JSONReader(file: file(text), limits: .init()).read() == nil)
        #expect(YAMLParser(file: file(text)).parse().diagnostics.map(\.id) == ["yaml.too-deep"])
    }
}
