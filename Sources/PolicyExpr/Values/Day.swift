/// A calendar date (proleptic Gregorian), as days since 1970-01-01.
public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var serial: Int32

    public init(serial: Int32) { self.serial = serial }

    /// nil when the date does not exist (2023-02-30).
    @inlinable public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...Day.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        serial = Int32(Day.daysFromCivil(year, month, day))
    }

    /// Parses `YYYY-MM-DD` (also `YYYY/MM/DD`, `YYYYMMDD`, `YYYY年M月D日`).
    public init?(parsing text: some StringProtocol) {
        // The common form, YYYY-MM-DD, without building strings.
        var u = Array(text.utf8)
        if u.count == 10, u[4] == 45, u[7] == 45 {
            func d(_ i: Int) -> Int? { u[i] >= 48 && u[i] <= 57 ? Int(u[i] - 48) : nil }
            if let y1 = d(0), let y2 = d(1), let y3 = d(2), let y4 = d(3), let m1 = d(5), let m2 = d(6), let d1 = d(8), let d2 = d(9) {
                guard let day = Day(year: y1 * 1000 + y2 * 100 + y3 * 10 + y4, month: m1 * 10 + m2, day: d1 * 10 + d2) else { return nil }
                self = day
                return
            }
        }
        u.removeAll()
        let s = String(text).trimmingSpaces
        var parts: [Int] = []
        if s.utf8.count == 8, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(s) {
            parts = [n / 10000, n / 100 % 100, n % 100]
        } else {
            var current = ""
            // No part of a date has more than four digits: a longer run is not a date, and is
            // never read into a number (twenty digits would not fit one).
            for c in s {
                if c.isASCII, c.isNumber {
                    guard current.utf8.count < 4 else { return nil }
                    current.append(c)
                    continue
                }
                guard "-/年月日.".contains(c), !current.isEmpty, let n = Int(current) else { return nil }
                parts.append(n)
                current = ""
            }
            if !current.isEmpty {
                guard let n = Int(current) else { return nil }
                parts.append(n)
            }
        }
        guard parts.count == 3, let d = Day(year: parts[0], month: parts[1], day: parts[2]) else { return nil }
        self = d
    }

    public static func < (a: Day, b: Day) -> Bool { a.serial < b.serial }

    public var civil: (year: Int, month: Int, day: Int) { Day.civilFromDays(Int(serial)) }

    /// ISO form, `2023-12-01`.
    public var description: String {
        let (y, m, d) = civil
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    /// Chinese form, `2023年12月1日`.
    public var chinese: String {
        var out: [UInt8] = []
        out.reserveCapacity(20)
        appendChinese(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `chinese`'s bytes: 2023年12月1日.
    public func appendChinese(to out: inout [UInt8]) {
        let (y, m, d) = civil
        func number(_ n: Int) {
            if n < 0 { out.append(UInt8(ascii: "-")) }
            if n.magnitude >= 10 { number(Int(n.magnitude / 10)) }
            out.append(UInt8(ascii: "0") + UInt8(n.magnitude % 10))
        }
        number(y)
        out.append(0xE5, 0xB9, 0xB4)  // 年
        number(m)
        out.append(0xE6, 0x9C, 0x88)  // 月
        number(d)
        out.append(0xE6, 0x97, 0xA5)  // 日
    }

    /// The first and the last day a `Day` holds: 0001-01-01 and 9999-12-31. Every date read
    /// and every date the rules compute lies between them; past them a computation is nil.
    public static let earliest = Day(year: 1, month: 1, day: 1)!
    public static let latest = Day(year: 9999, month: 12, day: 31)!

    /// The dates a household can be evaluated on (`--on`, `on=`, a case's `on:`): 1900-01-01 to
    /// 2199-12-31. Ages are worked out from tables reaching 130 years back, and every date the
    /// rules compute from such a day by their own counts stays inside what a `Day` holds.
    public static let evaluationDates = Day(year: 1900, month: 1, day: 1)!...Day(year: 2199, month: 12, day: 31)!

    /// A date to evaluate on, or nil when it is not a date or lies outside `evaluationDates`.
    public init?(evaluationDate text: some StringProtocol) {
        guard let d = Day(parsing: text), Day.evaluationDates.contains(d) else { return nil }
        self = d
    }

    /// `n` days later (earlier for a negative `n`), for a small `n` the caller knows keeps the
    /// date in range (a day either side, a century); the rules' own counts go through
    /// `adding(checkedDays:)`.
    public func adding(days: Int) -> Day { adding(checkedDays: Int64(days))! }

    /// `n` days later, or nil past `earliest`…`latest`.
    public func adding(checkedDays n: Int64) -> Day? {
        let (s, o) = Int64(serial).addingReportingOverflow(n)
        guard !o, s >= Int64(Day.earliest.serial), s <= Int64(Day.latest.serial) else { return nil }
        return Day(serial: Int32(s))
    }

    /// The same day `n` months later; a day that does not exist becomes the month's last day
    /// (民法典第二百零一条: 没有对应日的，月末日为期间的最后一日). For a small `n` the caller
    /// knows keeps the date in range; the rules' counts go through `adding(checkedMonths:)`.
    public func adding(months n: Int) -> Day { adding(checkedMonths: Int64(n))! }

    /// `adding(months:)`, or nil past `earliest`…`latest`.
    public func adding(checkedMonths n: Int64) -> Day? {
        guard n.magnitude < 12 * 10_000 else { return nil }
        let (y, m, d) = civil
        let total = y * 12 + (m - 1) + Int(n)
        guard total >= 12, total < 12 * 10_000 else { return nil }
        let year = total / 12, month = total % 12 + 1
        return Day(year: year, month: month, day: min(d, Day.daysIn(month: month, year: year)))
    }

    public func adding(years n: Int) -> Day { adding(months: n * 12) }

    /// Whole years (周岁) from `birth` to `self`. With `birthdayCounts`, the anniversary itself
    /// completes the year; otherwise the year is complete only from the next day
    /// (the reading of 最高人民法院 on 周岁: 从周岁生日的第二天起算).
    public func age(bornOn birth: Day, birthdayCounts: Bool) -> Int {
        let (by, _, _) = birth.civil
        let (y, _, _) = civil
        var years = y - by
        while years > 0, Day.dateOfAge(years, bornOn: birth, birthdayCounts: birthdayCounts) > self { years -= 1 }
        return max(0, years)
    }

    /// The first day on which someone born on `birth` is `years` 周岁, for an age the caller
    /// knows is in range (the age tables'); the rules' ages go through `dateOfAge(checked:…)`.
    public static func dateOfAge(_ years: Int, bornOn birth: Day, birthdayCounts: Bool) -> Day {
        dateOfAge(checked: Int64(years), bornOn: birth, birthdayCounts: birthdayCounts)!
    }

    /// The first day on which someone born on `birth` is `years` 周岁, or nil past `latest`
    /// (or before `earliest`). Both evaluators read the rules' `date_of_age` through it.
    public static func dateOfAge(checked years: Int64, bornOn birth: Day, birthdayCounts: Bool) -> Day? {
        guard !years.multipliedReportingOverflow(by: 12).overflow, let anniversary = birth.adding(checkedMonths: years * 12) else { return nil }
        return birthdayCounts ? anniversary : anniversary.adding(checkedDays: 1)
    }

    /// Whole years (周岁) on this day for many birth dates: see `AgeTable`.
    public func ages(birthdayCounts: Bool) -> AgeTable { AgeTable(on: self, birthdayCounts: birthdayCounts) }

    /// A roster's every date is checked with it: no table (a global table is looked up with a
    /// check that it is made, each time), no branch but February's.
    @inlinable public static func daysIn(month: Int, year: Int) -> Int {
        guard month != 2 else { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28 }
        // 31 days in January, March, May, July, August, October and December.
        return 30 + ((month ^ (month >> 3)) & 1)
    }

    // Howard Hinnant's civil-from-days algorithms.
    @inlinable @inline(__always) public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        if y >= 0 {
            // The same in unsigned numbers (every year Day holds): each division a multiplication.
            let u = UInt(y), era = u / 400, yoe = u - era * 400
            return Int(era * 146097 + yoe * 365 + yoe / 4 - yoe / 100) + doy - 719468
        }
        let era = (y - 399) / 400
        let yoe = y - era * 400
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks (no Foundation needed).
    public var trimmingSpaces: String {
        // Fast path: nothing to trim (no ASCII space and no ideographic space U+3000 at either end).
        // U+3000 is E3 80 80 in UTF-8, so a string whose last byte is not 0x80 cannot end with it.
        if let first = utf8.first, let last = utf8.last, first > 32, last > 32, first != 0xE3, last != 0x80 {
            return self
        }
        if isEmpty { return self }
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{3000}" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Day {
    /// Today on this machine's calendar (its local time zone).
    public static var today: Day {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return Day(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday))!
    }
}

/// `Day.age(bornOn:birthdayCounts:)` on one day for many birth dates. For each age it holds
/// the last birth date that has reached it, so an age is a search in a short table rather than
/// a calendar computation; births beyond the table are computed as `Day.age` computes them.
public struct AgeTable: Sendable {
    public let today: Day
    public let birthdayCounts: Bool
    /// `latest[n - 1]`: the last serial day of birth of someone at least `n` 周岁 today; decreasing.
    private let latest: [Int32]

    public init(on today: Day, birthdayCounts: Bool, oldest: Int = 130) {
        self.today = today
        self.birthdayCounts = birthdayCounts
        latest = (1...oldest).map { n in
            // Someone born on today's date n years back is about n; `dateOfAge` rises with the
            // birth date, so step to the last birth date whose n-th 周岁 is no later than today.
            var b = today.adding(years: -n)
            while Day.dateOfAge(n, bornOn: b.adding(days: 1), birthdayCounts: birthdayCounts) <= today { b = b.adding(days: 1) }
            while Day.dateOfAge(n, bornOn: b, birthdayCounts: birthdayCounts) > today { b = b.adding(days: -1) }
            return b.serial
        }
    }

    public func age(bornOn birth: Day) -> Int {
        let b = birth.serial
        guard let last = latest.last, b > last else { return today.age(bornOn: birth, birthdayCounts: birthdayCounts) }
        // The number of ages reached, the entries at or after the birth date: from the years
        // between the dates, then a step either way.
        var n = min(latest.count, max(0, Int(Int64(today.serial) - Int64(b)) * 400 / 146_097))
        while n > 0, latest[n - 1] < b { n -= 1 }
        while n < latest.count, latest[n] >= b { n += 1 }
        return n
    }
}
