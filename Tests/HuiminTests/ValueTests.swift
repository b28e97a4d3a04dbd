import PolicyExpr
import Testing

@Suite("Exact money and calendar dates")
struct ValueTests {
    static let divisions: [(String, String, RoundingUnit, Rounding, String)] = [
        ("1000", "3", .fen, .halfUp, "333.33"),
        ("2000", "3", .fen, .halfUp, "666.67"),
        ("2000", "3", .fen, .down, "666.66"),
        ("1000", "3", .fen, .up, "333.34"),
        ("1000", "3", .yuan, .halfUp, "333"),
        ("1001", "2", .yuan, .halfUp, "501"),
        ("1001", "2", .yuan, .down, "500"),
        ("-1001", "2", .yuan, .halfUp, "-501"),
        ("940", "0.3", .jiao, .halfUp, "3133.3"),
    ]

    @Test("a division rounds as the rule says", arguments: divisions)
    func division(_ a: String, _ b: String, _ unit: RoundingUnit, _ mode: Rounding, _ expected: String) throws {
        let q = try #require(Fixed(parsing: a)!.divided(by: Fixed(parsing: b)!, to: unit, mode: mode))
        #expect(q.plainString == expected)
    }

    @Test("dividing by zero gives no value")
    func divideByZero() {
        #expect(Fixed(100).divided(by: .zero, to: .fen, mode: .halfUp) == nil)
    }

    static let rounding: [(String, RoundingUnit, Rounding, String)] = [
        ("819.99", .yuan, .halfUp, "820"), ("819.49", .yuan, .halfUp, "819"), ("819.5", .yuan, .halfUp, "820"),
        ("819.99", .yuan, .down, "819"), ("819.01", .yuan, .up, "820"), ("0.125", .fen, .halfUp, "0.13"), ("0.125", .fen, .halfEven, "0.12"),
    ]

    @Test("rounding to yuan, jiao and fen", arguments: rounding)
    func roundingModes(_ v: String, _ unit: RoundingUnit, _ mode: Rounding, _ expected: String) {
        #expect(Fixed(parsing: v)!.rounded(to: unit, mode: mode).plainString == expected)
    }

    @Test("money is parsed exactly and printed the Chinese way")
    func moneyText() {
        #expect(Fixed(parsing: "1,320.5")!.yuanString == "1,320.50元")
        #expect(Fixed(parsing: "1320")!.yuanString == "1,320元")
        #expect(Fixed(parsing: "0.1")! + Fixed(parsing: "0.2")! == Fixed(parsing: "0.3")!)
        #expect(Fixed(parsing: "1.5")!.checkedProduct(Fixed(940)) == Fixed(1410))
        #expect(Fixed(parsing: "12.3456789") == nil)
        #expect(Fixed(parsing: "abc") == nil)
        #expect(Fixed(parsing: "123456789.12")!.decimalString() == "123456789.12")
    }

    static let ages: [(String, String, Bool, Int)] = [
        ("1943-12-01", "2023-12-01", true, 80),
        ("1943-12-01", "2023-12-01", false, 79),
        ("1943-12-01", "2023-12-02", false, 80),
        ("1943-12-02", "2023-12-01", true, 79),
        ("1944-02-29", "2024-02-28", true, 79),
        ("1944-02-29", "2024-02-29", true, 80),
        ("1944-02-29", "2023-02-28", true, 79),
        ("2010-09-09", "2023-12-01", true, 13),
    ]

    @Test("周岁 on the evaluation date, under either birthday convention", arguments: ages)
    func age(_ birth: String, _ on: String, _ sameDay: Bool, _ expected: Int) {
        #expect(Day(parsing: on)!.age(bornOn: Day(parsing: birth)!, birthdayCounts: sameDay) == expected)
    }

    @Test("周岁 from a day's table of ages: the cases above", arguments: ages)
    func ageFromTable(_ birth: String, _ on: String, _ sameDay: Bool, _ expected: Int) {
        #expect(Day(parsing: on)!.ages(birthdayCounts: sameDay).age(bornOn: Day(parsing: birth)!) == expected)
    }

    @Test("a day's table of ages agrees with Day.age for every birth date of 140 years and beyond",
          arguments: ["2024-02-28", "2024-02-29", "2024-03-01", "2023-02-28", "2023-03-01", "2023-12-31", "2026-01-01", "2100-03-01"])
    func ageTableAgrees(_ on: String) {
        let today = Day(parsing: on)!
        for counts in [false, true] {
            let table = today.ages(birthdayCounts: counts)
            var disagreements = 0
            for serial in (today.serial - 366 * 140)...(today.serial + 400) {
                let birth = Day(serial: serial)
                if table.age(bornOn: birth) != today.age(bornOn: birth, birthdayCounts: counts) { disagreements += 1 }
            }
            #expect(disagreements == 0, "on \(on), birthday counts \(counts)")
        }
    }

    @Test("the date a person reaches an age")
    func dateOfAge() {
        let birth = Day(parsing: "1944-02-29")!
        #expect(Day.dateOfAge(79, bornOn: birth, birthdayCounts: true).description == "2023-02-28")
        #expect(Day.dateOfAge(79, bornOn: birth, birthdayCounts: false).description == "2023-03-01")
        #expect(Day.dateOfAge(80, bornOn: birth, birthdayCounts: true).description == "2024-02-29")
    }

    @Test("dates that do not exist are refused", arguments: ["2023-02-29", "2023-02-30", "2023-13-01", "2023-00-10", "20230230"])
    func impossibleDates(_ text: String) {
        #expect(Day(parsing: text) == nil)
    }

    @Test("dates round-trip through their serial numbers")
    func civil() {
        for text in ["1900-03-01", "1970-01-01", "2000-02-29", "2023-12-01", "2099-12-31"] {
            #expect(Day(parsing: text)!.description == text)
        }
        #expect(Day(parsing: "2023年12月1日")!.chinese == "2023年12月1日")
    }
}
