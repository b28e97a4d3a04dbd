import PolicyExpr

/// How far ahead a policy's "将于…" date is worth telling a resident (`horizon: 12 months`).
///
/// A date further away than this (a 10-year-old's 80th birthday) stays in the worker view and is
/// never said in the household answer. Without `horizon:` a policy uses `standard`, 12 months.
public struct Horizon: Sendable, Equatable, CustomStringConvertible {
    public enum Unit: String, Sendable, CaseIterable { case days, months, years }

    public let count: Int
    public let unit: Unit

    /// The horizon a policy has when it does not declare one.
    public static let standard = Horizon(count: 12, unit: .months)
    /// The largest count accepted, so the end date stays a real date.
    public static let maximumCount = 36_500

    public init(count: Int, unit: Unit) {
        self.count = count
        self.unit = unit
    }

    /// Reads `12 months`, `1 year`, `90 days` (the singular is accepted too); nil otherwise.
    public init?(parsing text: String) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, let n = Int(words[0]), n >= 0, n <= Horizon.maximumCount else { return nil }
        let name = words[1].hasSuffix("s") ? String(words[1]) : words[1] + "s"
        guard let unit = Unit(rawValue: name) else { return nil }
        self.init(count: n, unit: unit)
    }

    /// The last day a date may fall on to be said, counted from `today`.
    public func end(from today: Day) -> Day {
        switch unit {
        case .days: today.adding(days: count)
        case .months: today.adding(months: count)
        case .years: today.adding(years: count)
        }
    }

    public var description: String { "\(count) \(unit.rawValue)" }
}
