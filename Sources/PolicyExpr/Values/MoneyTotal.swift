/// A total of many amounts (a roster's 月合计, a rule change's monthly cost), summed in 128
/// bits: a million households of the largest amount a decision can carry still add up exactly,
/// where 64 bits would wrap or trap. Printed as `Fixed` prints money.
public struct MoneyTotal: Sendable, Hashable, Comparable {
    /// Millionths of a yuan, as `Fixed.raw`.
    public var raw: Int128

    public init(raw: Int128 = 0) { self.raw = raw }
    public init(_ amount: Fixed) { raw = Int128(amount.raw) }
    /// A whole number of yuan: any int of the rules' money, also past `Fixed`'s range.
    public init(yuan: Int64) { raw = Int128(yuan) * Int128(Fixed.scale) }

    public static let zero = MoneyTotal()

    public static func < (a: MoneyTotal, b: MoneyTotal) -> Bool { a.raw < b.raw }
    /// Totals of 64-bit amounts: no roster has the 2⁶⁴ of them it would take to overflow.
    public static func + (a: MoneyTotal, b: MoneyTotal) -> MoneyTotal { MoneyTotal(raw: a.raw + b.raw) }
    public static func - (a: MoneyTotal, b: MoneyTotal) -> MoneyTotal { MoneyTotal(raw: a.raw - b.raw) }
    public static func + (a: MoneyTotal, b: Fixed) -> MoneyTotal { MoneyTotal(raw: a.raw + Int128(b.raw)) }

    /// "1,320元", "1,320.50元": whole yuan when the total rounded to fen is whole.
    public var yuanString: String {
        let fen = Rounding.halfUp.adjust(quotient: raw / 10_000, remainder: raw % 10_000, divisor: 10_000)
        return digits(places: fen % 100 == 0 ? 0 : 2, grouped: true) + "元"
    }

    /// "1320.00" with exactly `places` decimals (rounded half up).
    public func decimalString(places: Int) -> String { digits(places: places, grouped: false) }

    func digits(places: Int, grouped: Bool) -> String {
        var step: Int128 = 1
        for _ in 0..<(6 - places) { step *= 10 }
        let units = Rounding.halfUp.adjust(quotient: raw / step, remainder: raw % step, divisor: step)
        var magnitude = units.magnitude
        var out: [UInt8] = []
        var written = 0
        repeat {
            if written == places, places > 0 { out.append(UInt8(ascii: ".")) }
            if grouped, written > places, (written - places) % 3 == 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
            written += 1
        } while magnitude > 0 || written <= places
        if units < 0 { out.append(UInt8(ascii: "-")) }
        return String(decoding: out.reversed(), as: UTF8.self)
    }
}
