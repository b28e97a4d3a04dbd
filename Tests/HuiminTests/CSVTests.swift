@testable import RosterScreening
import Testing

@Suite("CSV and encodings")
struct CSVTests {
    static func parse(_ text: String, chunk: Int = 3) -> ([[String]], [Int], CSVError?) {
        var parser = CSVParser()
        var rows: [[String]] = [], lines: [Int] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            parser.feed(bytes[i..<min(bytes.count, i + chunk)]) { rows.append($0.fields); lines.append($0.line) }
            i += chunk
        }
        let error = parser.finish { rows.append($0.fields); lines.append($0.line) }
        return (rows, lines, error)
    }

    static let table: [(String, [[String]])] = [
        ("a,b\n1,2\n", [["a", "b"], ["1", "2"]]),
        ("a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]),
        ("a,b\n1,2", [["a", "b"], ["1", "2"]]),
        ("a,b\n\"x,y\",2\n", [["a", "b"], ["x,y", "2"]]),
        ("a\n\"say \"\"hi\"\"\"\n", [["a"], ["say \"hi\""]]),
        ("a,b\n\"line\nbreak\",2\n", [["a", "b"], ["line\nbreak", "2"]]),
        ("a,b\n,\n", [["a", "b"], ["", ""]]),
        ("a,b\n\n1,2\n", [["a", "b"], ["1", "2"]]),
        ("户号,姓名\nH1,张三\n", [["户号", "姓名"], ["H1", "张三"]]),
        ("a,b\n\"\",x\n", [["a", "b"], ["", "x"]]),
        // Quotes where RFC 4180 does not put them, read as spreadsheets read them.
        ("a\"b,c\n", [["a\"b", "c"]]),
        ("\"ab\"c,d\n", [["abc", "d"]]),
        ("\"x\" ,y\n", [["x ", "y"]]),
        ("\"a\"\"b\",x\n", [["a\"b", "x"]]),
        ("\"\"\"\"\n", [["\""]]),
        ("\"a\"\"\"\n", [["a\""]]),
        (",\"\",\n", [["", "", ""]]),
        // A quoted empty line is a blank line; a lone CR ends a line.
        ("a\n\"\"\nb\n", [["a"], ["b"]]),
        ("x\ra,b\r\n", [["x"], ["a", "b"]]),
        ("a,b\r\n\r\n1,\"2\r\n3\"\r\n", [["a", "b"], ["1", "2\r\n3"]]),
    ]

    @Test("records are split as RFC 4180 says, whatever the chunking", arguments: table)
    func records(_ text: String, _ expected: [[String]]) {
        for chunk in [1, 2, 7, 1000] {
            let (rows, _, error) = Self.parse(text, chunk: chunk)
            #expect(error == nil)
            #expect(rows == expected, "chunk \(chunk)")
        }
    }

    @Test("line numbers count the lines inside quoted fields")
    func lineNumbers() {
        let (_, lines, _) = Self.parse("a\n\"x\ny\"\nz\n")
        #expect(lines == [1, 2, 4])
    }

    @Test("an unclosed quote at the end is an error naming the line it opened on")
    func unbalanced() {
        let (rows, _, error) = Self.parse("a,b\n1,2\n\"3,4\n5,6\n")
        #expect(rows == [["a", "b"], ["1", "2"]])
        #expect(error?.line == 3)
    }

    @Test("encoding detection: BOM and valid UTF-8 are UTF-8, GB18030 bytes are not")
    func detection() {
        #expect(RosterEncoding.detect([0xEF, 0xBB, 0xBF, 0x61]) == .utf8)
        #expect(RosterEncoding.detect(Array("户号,张三".utf8)[...]) == .utf8)
        #expect(RosterEncoding.detect([0xBB, 0xA7, 0xBA, 0xC5][...]) == .gb18030)  // 户号 in GB18030
    }

    @Test("GB18030 decodes to UTF-8, also when a character is split between chunks")
    func gb18030() throws {
        let bytes: [UInt8] = [0xD5, 0xC5, 0xC8, 0xFD, 0x2C, 0xBB, 0xA7, 0xBA, 0xC5]  // 张三,户号
        for split in 0...bytes.count {
            let decoder = try #require(GB18030Decoder())
            var out = decoder.decode(bytes[0..<split], final: false)
            out += decoder.decode(bytes[split...], final: true)
            #expect(String(decoding: out, as: UTF8.self) == "张三,户号", "split at \(split)")
        }
    }
}

@Suite("Households already finished")
struct FinishedHouseholdsTests {
    /// Ids in roster order, and whether each is new (false: its household was finished before).
    static let table: [([String], [Bool])] = [
        (["H1", "H2", "H3"], [true, true, true]),
        (["H1", "H2", "H1"], [true, true, false]),
        // Out of order from the third id on: the ids noted while ascending are still known.
        (["H1", "H3", "H2", "H1", "H3", "H4"], [true, true, true, false, false, true]),
        (["B", "A", "C", "A", "B"], [true, true, true, false, false]),
        // Byte order, not numeric: H10 comes before H9.
        (["H9", "H10", "H9"], [true, true, false]),
        (["户2", "户1", "户2"], [true, true, false]),
    ]

    @Test("a household seen again is caught, whether the ids ascend or not", arguments: table)
    func seenAgain(_ ids: [String], _ expected: [Bool]) {
        var finished = FinishedHouseholds()
        #expect(ids.map { finished.insert($0.utf8) } == expected)
    }

    @Test("many households out of order: every one new once, then every one seen")
    func many() {
        var finished = FinishedHouseholds()
        let ids = (0..<20_000).map { "H\(($0 &* 7919) % 20_000)" }
        #expect(ids.allSatisfy { finished.insert($0.utf8) })
        #expect(!ids.contains { finished.insert($0.utf8) })
    }

    @Test("ascending past several blocks of notes, then out of order: each earlier id is still known", arguments: [1, 65_535, 65_536, 65_537, 150_000])
    func ascendingThenBack(_ earlier: Int) {
        var finished = FinishedHouseholds()
        let ids = (0..<150_001).map { String(format: "H%07d", $0) }
        let fresh = ids.map { finished.insert($0.utf8) }
        #expect(!fresh.contains(false))
        // The first id out of order turns the notes into the table; then one more seen before, and a new one.
        let again = [ids[earlier - 1], ids[earlier], "G"].map { finished.insert($0.utf8) }
        #expect(again == [false, false, true])
    }
}

@Suite("Cell text compared as Swift compares strings")
struct SameTextTests {
    /// (a, b, same): bytes compared in words, by memcmp, or as strings where they differ.
    static let table: [(String, String, Bool)] = [
        ("H0000001", "H0000001", true),  // 8 bytes: one word
        ("H0000001", "H0000002", false),
        ("P000000001234567", "P000000001234567", true),  // 16 bytes: two words
        ("P000000001234567", "P000000001234568", false),
        ("P00000000123456", "Q00000000123456", false),  // the words overlap
        ("H1", "H1", true), ("H1", "H2", false), ("", "", true), ("", "H", false),  // short: memcmp
        ("H00000000000000000001", "H00000000000000000001", true),  // long: memcmp
        ("H00000000000000000001", "H00000000000000000002", false),
        ("武汉市江汉区", "武汉市江汉区", true), ("武汉市江汉区", "武汉市江岸区", false),
        ("Ré-0000001", "Re\u{301}-0000001", true),  // composed and decomposed: the same text
        ("Réseau01", "Re\u{301}seau01", true),  // 9 bytes against 10
        ("caf\u{E9}0000", "cafe\u{301}0000", true),
        ("caf\u{E9}0000", "cafe0000", false),
        ("ID-e\u{301}\u{327}-01", "ID-e\u{327}\u{301}-01", true),  // as long, other bytes, marks in either order
    ]

    @Test("the same bytes, or the same text in other bytes", arguments: table.indices)
    func same(_ i: Int) {
        let (a, b, expected) = Self.table[i]
        let result = Array(a.utf8).withUnsafeBufferPointer { x in Array(b.utf8).withUnsafeBufferPointer { y in BatchScreening.same(x, y) } }
        #expect(result == expected, "\(a) against \(b)")
        #expect(result == (a == b), "as Swift's strings compare")
        #expect(BatchScreening.same(Array(a.utf8), Array(b.utf8)) == expected)
    }
}
