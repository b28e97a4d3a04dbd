import Foundation
import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics
import Testing

@Suite("Household records")
struct RecordTests {
    static let idNumbers: [(String, Bool)] = [
        ("420102198003150032", true), ("420102198003150031", false), ("42010219800315003X", false),
        ("11010519491231002X", true), ("4201021980031500", false), ("420102198002300032", false), ("420102490315003", true),
        // Full-width digits and a lower-case x are read as what they are; other numerals are not digits.
        ("４２０１０２１９８００３１５００３２", true), ("11010519491231002x", true), ("4201021980031500三二", false), ("42010219800315003٢", false),
    ]

    @Test("身份证号 check digit (GB 11643)", arguments: idNumbers)
    func checkDigit(_ number: String, _ valid: Bool) {
        if case .success = IDNumber.parse(number) { #expect(valid) } else { #expect(!valid) }
    }

    @Test("birth date and sex come from the 身份证号")
    func derivation() throws {
        let id = try IDNumber.parse("11010519491231002X").get()
        #expect(id.birthDate.description == "1949-12-31")
        #expect(!id.isMale)
        #expect(IDNumber.masked("11010519491231002X") == "110105********002X")
        #expect(try IDNumber.parse(" １１０１０５１９４９１２３１００２ｘ ").get().text == "11010519491231002X")
    }

    func decode(_ text: String) -> (HouseholdRecord?, [Diagnostic]) {
        HouseholdDecoder(schema: Repo.bundledRules.schema).decode(file: SourceFile(path: "h.yaml", text: text))
    }

    @Test("a valid household decodes, with derived fields filled in")
    func valid() throws {
        let (record, d) = decode("""
            id: H1
            region: "420102"
            members:
              - { id: P1, relation: head, id_number: "420102198003150032", incomes: { wage: 1500 } }
            """)
        #expect(d.isEmpty)
        let r = try #require(record)
        let schema = Repo.bundledRules.schema
        #expect(r.members[0].values[schema.field("birth_date", .person)!.index] == .date(Day(parsing: "1980-03-15")!))
        #expect(r.members[0].kinds[schema.field("incomes", .person)!.index]?[0] == Fixed(1500))
    }

    static let badRecords: [(String, String, String)] = [
        ("id: H1\nregion: \"420102\"\nmembers:\n  - { id: P1, relation: head, birth_date: 2023-02-30 }\n", "record.bad-value", "members[0].birth_date: 出生日期"),
        ("id: H1\nregion: \"420102\"\nmembers:\n  - { id: P1, relation: hed }\n", "record.bad-value", "members[0].relation: 与户主关系"),
        ("id: H1\nregion: \"420102\"\nmembers:\n  - { id: P1, relation: head, incomes: { wage: -5 } }\n", "record.bad-value", "members[0].incomes.wage"),
        ("id: H1\nregion: \"420102\"\nmembers:\n  - { id: P1, relation: head, incoms: {} }\n", "record.unknown-field", "members[0].incoms"),
        ("id: H1\nregion: \"420102\"\nmembers:\n  - { id: P1, relation: spouse }\n", "record.no-head", "members: 户内没有户主"),
        ("id: H1\nregion: \"420102\"\nmembers:\n  - { id: P1, relation: head, id_number: \"420102198003150031\" }\n", "record.bad-value", "校验位"),
        ("id: H1\nregion: \"420102\"\nmembers:\n  - { id: P1, relation: head, id_number: \"420102198003150032\", birth_date: 1980-03-16 }\n", "record.derived-conflict", "members[0].birth_date: 出生日期与身份证号不一致"),
        ("id: H1\nregion: \"4201\"\nmembers:\n  - { id: P1, relation: head }\n", "record.bad-value", "region"),
        ("id: H1\nmembers:\n  - { id: P1, relation: head }\n  - { id: P1, relation: spouse }\n", "record.duplicate-member", "第2位成员的成员编号与第1位的重复"),
    ]

    @Test("bad records are reported with the field's path, never the sensitive value", arguments: badRecords)
    func problems(_ text: String, _ id: String, _ fragment: String) {
        let (record, d) = decode(text)
        #expect(record == nil)
        #expect(d.contains { $0.id == id && $0.message.contains(fragment) }, "got \(d.map { "\($0.id): \($0.message)" })")
        let rendered = DiagnosticRenderer.text(d)
        #expect(!rendered.contains("420102198003150031"))
        #expect(rendered.contains("h.yaml:"))
    }

    @Test("the help suggests the closest enum value")
    func enumSuggestion() {
        let (_, d) = decode("id: H1\nregion: \"420102\"\nmembers:\n  - { id: P1, relation: hed }\n")
        #expect(d.first?.help?.contains("`head`") == true)
    }
}

@Suite("Cells read from their bytes")
struct QuickCellTests {
    /// Cells of a yes/no field and of a list of choices: the quick reader gives what the parser
    /// gives, or leaves the cell to it.
    static let table: [(field: String, cell: String)] = [
        ("vehicle_disability_aid", "是"), ("vehicle_disability_aid", "否"), ("vehicle_disability_aid", "1"),
        ("vehicle_disability_aid", "0"), ("vehicle_disability_aid", "Y"), ("vehicle_disability_aid", "有"),
        ("vehicle_disability_aid", "没有"), ("vehicle_disability_aid", "false"), ("vehicle_disability_aid", "是的"),
        ("receiving", "无"), ("receiving", "-"), ("receiving", "—"), ("receiving", "none"), ("receiving", "高龄津贴"),
        ("receiving", "高龄津贴、低保"), ("receiving", "最低生活保障；高龄津贴"), ("receiving", "高龄津贴,"), ("receiving", "津贴"),
    ]

    @Test("read quickly as the parser reads them", arguments: table)
    func same(_ field: String, _ cell: String) throws {
        let schema = Repo.bundledRules.schema
        let spec = try #require(schema.field(field, .person) ?? schema.field(field, .household))
        let cells = QuickCells(spec.level == .person ? schema.person : schema.household)
        let bytes = Array(cell.utf8)
        let quick = bytes.withUnsafeBufferPointer { cells.raw($0, field: spec.index) }
        let parsed: Int64? = switch FieldValueParser.parse(cell, as: spec) {
        case .success(.bool(let b)): b ? 1 : 0
        case .success(.enumSet(let bits)): Int64(bitPattern: bits)
        default: nil
        }
        // Read quickly: the parser's value. Not read: the parser decides (a value or an error).
        if let quick { #expect(quick == parsed) }
        // Every yes/no spelling the parser knows, and every way to say none, is read quickly.
        if field == "vehicle_disability_aid", parsed != nil { #expect(quick != nil) }
        if ["无", "-", "—", "none"].contains(cell) { #expect(quick == 0) }
    }

    static let dates = ["2000-02-29", "1900-02-29", "2100-02-28", "2100-02-29", "1800-01-01", "1799-12-31", "2199-12-31",
                        "2200-01-01", "2023-02-30", "2023-13-01", "2023-00-10", "2023-01-00", "2023-04-31", "2024-12-31",
                        "0000-01-01", "0001-01-01", "9999-12-31", "2023-1-01", "2023/01/01", "２０２３-01-01"]

    @Test("a date is read quickly as Day reads it; other forms are left to the parser", arguments: dates)
    func date(_ cell: String) {
        let quick = Array(cell.utf8).withUnsafeBufferPointer { QuickCells.date($0) }
        let plain = cell.range(of: #"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"#, options: .regularExpression) != nil
        #expect(quick == (plain ? Day(parsing: cell).map { Int64($0.serial) } : nil))
    }

    @Test("every day from 1795 to 2205, and every day 29–31 of every month, read quickly as Day reads it")
    func everyDay() {
        var wrong = 0, read = 0
        for year in 1795...2205 {
            for month in 1...12 {
                for day in 1...31 {
                    let cell = String(format: "%04d-%02d-%02d", year, month, day)
                    let quick = Array(cell.utf8).withUnsafeBufferPointer { QuickCells.date($0) }
                    let expected = Day(year: year, month: month, day: day).map { Int64($0.serial) }
                    if quick != expected { wrong += 1 }
                    if quick != nil { read += 1 }
                }
            }
        }
        #expect(wrong == 0)
        #expect(read == Day(year: 2206, month: 1, day: 1)!.serial - Day(year: 1795, month: 1, day: 1)!.serial)
    }
}
