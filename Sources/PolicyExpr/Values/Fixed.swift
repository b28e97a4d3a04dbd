/// An exact decimal number with six decimal places, stored as an integer count of millionths.
///
/// Money and decimals are never floating point. Sums and differences are exact; a product keeps
/// six decimal places (rounded half to even beyond that, which money at 0.01 never reaches);
/// a quotient is only ever made by ``Fixed/divided(by:to:mode:)``, which says how it rounds.
public struct Fixed: Sendable, Hashable, Comparable {
    public static let scale: Int64 = 1_000_000
    public var raw: Int64

    public init(raw: Int64) { self.raw = raw }
    public init(_ int: Int64) { self.raw = int * Fixed.scale }
    public init(_ int: Int) { self.raw = Int64(int) * Fixed.scale }

    public static let zero = Fixed(raw: 0)
    public static func < (a: Fixed, b: Fixed) -> Bool { a.raw < b.raw }

    /// Parses "1320", "1,320.5", "-3.25", "0.000001"; nil when it is not such a number or has more than six decimals.
    public init?(parsing text: some StringProtocol) {
        var s = Substring(text).drop { $0 == " " }
        while s.last == " " { s = s.dropLast() }
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        guard !s.isEmpty else { return nil }
        var whole: Int64 = 0, fraction: Int64 = 0, fractionDigits = 0, seenDot = false, digits = 0
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let d = Int64(c - UInt8(ascii: "0"))
                digits += 1
                if seenDot {
                    fractionDigits += 1
                    if fractionDigits > 6 { return nil }
                    fraction = fraction * 10 + d
                } else {
                    guard whole < 1_000_000_000_000 else { return nil }
                    whole = whole * 10 + d
                }
            case UInt8(ascii: "."):
                if seenDot { return nil }
                seenDot = true
            case UInt8(ascii: ","), UInt8(ascii: "_"):
                if seenDot { return nil }
            default:
                return nil
            }
        }
        guard digits > 0 else { return nil }
        for _ in fractionDigits..<6 { fraction *= 10 }
        raw = whole * Fixed.scale + fraction
        if negative { raw = -raw }
    }

    public var isWhole: Bool { raw % Fixed.scale == 0 }

    public static func + (a: Fixed, b: Fixed) -> Fixed { Fixed(raw: a.raw &+ b.raw) }
    public static func - (a: Fixed, b: Fixed) -> Fixed { Fixed(raw: a.raw &- b.raw) }
    public static prefix func - (a: Fixed) -> Fixed { Fixed(raw: -a.raw) }

    public static func * (a: Fixed, b: Fixed) -> Fixed {
        let (high, low) = a.raw.multipliedFullWidth(by: b.raw)
        let (q, r) = Fixed.scale.dividingFullWidth((high, low))
        return Fixed(raw: Rounding.halfEven.adjust(quotient: q, remainder: r, divisor: Fixed.scale))
    }

    public static func * (a: Fixed, b: Int64) -> Fixed { Fixed(raw: a.raw &* b) }

    /// `self / divisor`, rounded to `unit` by `mode`; nil when dividing by zero.
    public func divided(by divisor: Fixed, to unit: RoundingUnit, mode: Rounding) -> Fixed? {
        guard divisor.raw != 0 else { return nil }
        // self/divisor in units of `unit`: (raw * scale / unitRaw) / divisor.raw
        let numerator = raw.multipliedFullWidth(by: Fixed.scale / unit.inverseScale)
        let (q, r) = divisor.raw.dividingFullWidth(numerator)
        let units = mode.adjust(quotient: q, remainder: r, divisor: divisor.raw)
        return Fixed(raw: units * (Fixed.scale / unit.stepsPerUnit))
    }

    /// Rounded to a multiple of `unit`.
    public func rounded(to unit: RoundingUnit, mode: Rounding) -> Fixed {
        let step = Fixed.scale / unit.stepsPerUnit
        let q = raw / step, r = raw % step
        return Fixed(raw: mode.adjust(quotient: q, remainder: r, divisor: step) * step)
    }

    /// "1320.00" with exactly `decimals` places (the value is rounded half up first).
    public func decimalString(places decimals: Int = 2) -> String {
        format(places: decimals, grouped: false)
    }

    /// The shortest exact decimal form: "1.5", "940", "0.000001".
    public var plainString: String {
        var places = 6
        var r = raw.magnitude % UInt64(Fixed.scale)
        if r == 0 { places = 0 } else {
            while r % 10 == 0 { r /= 10; places -= 1 }
        }
        return format(places: places, grouped: false)
    }

    /// Chinese money style: "1,320元", "1,320.50元".
    public var yuanString: String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        appendYuan(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `yuanString`'s bytes.
    public func appendYuan(to out: inout [UInt8]) {
        let cents = rounded(to: .fen, mode: .halfUp)
        cents.append(places: cents.isWhole ? 0 : 2, grouped: true, to: &out)
        out.append(0xE5, 0x85, 0x83)  // 元
    }

    func format(places: Int, grouped: Bool) -> String {
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        append(places: places, grouped: grouped, to: &digits)
        return String(decoding: digits, as: UTF8.self)
    }

    /// Appends the digits with exactly `places` decimals (rounded half up), as `decimalString` writes them.
    public func appendDecimal(places: Int, to out: inout [UInt8]) { append(places: places, grouped: false, to: &out) }

    /// Appends the shortest exact decimal form, as `plainString` writes it.
    public func appendPlain(to out: inout [UInt8]) { append(places: plainPlaces, grouped: false, to: &out) }

    /// The fewest decimals that show the value exactly (`plainString`'s).
    public var plainPlaces: Int {
        var r = raw.magnitude % UInt64(Fixed.scale)
        guard r != 0 else { return 0 }
        var places = 6
        while r % 10 == 0 { r /= 10; places -= 1 }
        return places
    }

    func append(places: Int, grouped: Bool, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Fixed.longestForm) { room in
            let n = write(places: places, grouped: grouped, into: room.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: room[..<n]))
        }
    }

    /// The most bytes `write(places:grouped:into:)` writes: 19 digits, 6 group commas, a point
    /// and a sign.
    public static let longestForm = 32

    /// Writes the digits with exactly `places` decimals (rounded half up), grouped by thousands
    /// or not, at `p`; returns how many bytes it wrote (at most `longestForm`). Formatting is on
    /// the explanation's and the roster's hot path: the digits go straight into memory.
    public func write(places: Int, grouped: Bool, into p: UnsafeMutablePointer<UInt8>) -> Int {
        let step = pow10(6 - places)
        let units = Rounding.halfUp.adjust(quotient: raw / step, remainder: raw % step, divisor: step)
        var magnitude = units.magnitude
        // Least significant first, from the end of the room backwards.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Fixed.longestForm) { room in
            var at = Fixed.longestForm
            var written = 0
            repeat {
                if written == places, places > 0 { at -= 1; room[at] = UInt8(ascii: ".") }
                if grouped, written > places, (written - places) % 3 == 0 { at -= 1; room[at] = UInt8(ascii: ",") }
                at -= 1
                room[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                written += 1
            } while magnitude > 0 || written <= places
            if units < 0 { at -= 1; room[at] = UInt8(ascii: "-") }
            let n = Fixed.longestForm - at
            p.update(from: room.baseAddress! + at, count: n)
            return n
        }
    }

    /// `self * b`, or nil where the product does not fit in 64 bits (the row evaluator would trap
    /// there; the batch evaluator hands such a household back to it).
    public func checkedProduct(_ b: Fixed) -> Fixed? {
        let (product, overflow) = raw.multipliedReportingOverflow(by: b.raw)
        guard !overflow else { return nil }
        return Fixed(raw: Rounding.halfEven.adjust(quotient: product / Fixed.scale, remainder: product % Fixed.scale, divisor: Fixed.scale))
    }

    /// `divided(by:to:mode:)`, or nil for a zero divisor or a numerator past 64 bits.
    public func checkedQuotient(_ divisor: Fixed, to unit: RoundingUnit, mode: Rounding) -> Fixed? {
        guard divisor.raw != 0 else { return nil }
        let (numerator, overflow) = raw.multipliedReportingOverflow(by: Fixed.scale / unit.inverseScale)
        guard !overflow, !(numerator == .min && divisor.raw == -1) else { return nil }
        let units = mode.adjust(quotient: numerator / divisor.raw, remainder: numerator % divisor.raw, divisor: divisor.raw)
        let (result, over) = units.multipliedReportingOverflow(by: Fixed.scale / unit.stepsPerUnit)
        return over ? nil : Fixed(raw: result)
    }

    /// An integer as a fixed value, or nil past the range (±9.2 trillion).
    public static func checked(_ int: Int64) -> Fixed? {
        let (r, overflow) = int.multipliedReportingOverflow(by: Fixed.scale)
        return overflow ? nil : Fixed(raw: r)
    }

    private func pow10(_ n: Int) -> Int64 {
        var v: Int64 = 1
        for _ in 0..<n { v *= 10 }
        return v
    }
}

/// The unit a value is rounded to.
public enum RoundingUnit: String, Sendable, CaseIterable {
    case yuan, jiao, fen, whole

    /// How many steps of this unit make one.
    var stepsPerUnit: Int64 {
        switch self {
        case .yuan, .whole: 1
        case .jiao: 10
        case .fen: 100
        }
    }
    /// `Fixed.scale / stepsPerUnit`: the raw size of one step.
    var inverseScale: Int64 { Fixed.scale / stepsPerUnit }

    public var chinese: String {
        switch self {
        case .yuan: "元"
        case .jiao: "角"
        case .fen: "分"
        case .whole: "整数"
        }
    }
}

/// How a quotient or a value is rounded.
public enum Rounding: String, Sendable, CaseIterable {
    /// 四舍五入: halves away from zero.
    case halfUp = "half_up"
    /// 舍去: toward zero.
    case down
    /// 进一: away from zero.
    case up
    /// Banker's rounding, used only inside products.
    case halfEven = "half_even"

    public var chinese: String {
        switch self {
        case .halfUp: "四舍五入"
        case .down: "舍去尾数"
        case .up: "进一"
        case .halfEven: "四舍六入五成双"
        }
    }

    /// The rounded quotient, given a truncated quotient, its remainder and the divisor.
    func adjust(quotient q: Int64, remainder r: Int64, divisor d: Int64) -> Int64 {
        guard r != 0 else { return q }
        let negative = (r < 0) != (d < 0)
        let away: Int64 = negative ? -1 : 1
        let twice = r.magnitude * 2, whole = d.magnitude
        switch self {
        case .down: return q
        case .up: return q + away
        case .halfUp: return twice >= whole ? q + away : q
        case .halfEven:
            if twice > whole { return q + away }
            if twice < whole { return q }
            return q % 2 == 0 ? q : q + away
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends a three-byte character (a CJK one in UTF-8) without making an array of it.
    @inline(__always) public mutating func append(_ a: UInt8, _ b: UInt8, _ c: UInt8) {
        append(a)
        append(b)
        append(c)
    }

    /// Reverses the bytes from `start` on, in place (digits written least significant first).
    public mutating func reverseTail(from start: Int) {
        withUnsafeMutableBufferPointer { b in
            var (i, j) = (start, b.count - 1)
            while i < j {
                b.swapAt(i, j)
                i += 1
                j -= 1
            }
        }
    }
}
