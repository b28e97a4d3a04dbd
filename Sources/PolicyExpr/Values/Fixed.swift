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

    /// The largest whole part a value read from text may have: 999,999,999,999 (twelve digits,
    /// just under 一万亿). Every money and decimal cell, record value and rule literal is read
    /// within it, so one value is far from the 64-bit range (±9.2 × 10¹² yuan) and the sums and
    /// products of the rules are checked (`adding(_:)`, …) rather than trusted.
    public static let largestWhole: Int64 = 999_999_999_999

    /// Why text is not a number `Fixed` reads.
    public enum ParseFailure: Error, Sendable, Equatable {
        /// Not digits with at most one point (a sign, spaces around it, commas in groups of three).
        case notANumber
        /// More than six decimals.
        case tooManyDecimals
        /// A whole part past `largestWhole` (more than twelve digits).
        case tooLarge
        /// A comma (or `_`) that does not separate groups of three digits: `1181,5`, `1,00`.
        case misplacedSeparator
    }

    /// Parses "1320", "1,320.5", "-3.25", "0.000001"; nil when it is not such a number, has more
    /// than six decimals, more than twelve whole digits, or a comma not between groups of three.
    public init?(parsing text: some StringProtocol) {
        guard case .success(let f) = Fixed.parse(text) else { return nil }
        self = f
    }

    /// `init?(parsing:)` with the reason it fails. Nothing is accumulated past its bound.
    public static func parse(_ text: some StringProtocol) -> Result<Fixed, ParseFailure> {
        var s = Substring(text).drop { $0 == " " }
        while s.last == " " { s = s.dropLast() }
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        guard !s.isEmpty else { return .failure(.notANumber) }
        var whole: Int64 = 0, fraction: Int64 = 0, fractionDigits = 0, seenDot = false, digits = 0
        // Digits since the last separator, and whether a separator was seen in the whole part.
        var group = 0, separated = false, tooLarge = false
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let d = Int64(c - UInt8(ascii: "0"))
                digits += 1
                if seenDot {
                    fractionDigits += 1
                    if fractionDigits > 6 { return .failure(.tooManyDecimals) }
                    fraction = fraction * 10 + d
                } else {
                    group += 1
                    if whole > Fixed.largestWhole / 10 || (whole == Fixed.largestWhole / 10 && d > Fixed.largestWhole % 10) {
                        tooLarge = true
                    } else {
                        whole = whole * 10 + d
                    }
                }
            case UInt8(ascii: "."):
                if seenDot { return .failure(.notANumber) }
                if separated, group != 3 { return .failure(.misplacedSeparator) }
                seenDot = true
            case UInt8(ascii: ","), UInt8(ascii: "_"):
                if seenDot { return .failure(.notANumber) }
                // The first group has one to three digits, every later one three.
                if group == 0 || group > 3 || (separated && group != 3) { return .failure(.misplacedSeparator) }
                separated = true
                group = 0
            default:
                return .failure(.notANumber)
            }
        }
        guard digits > 0 else { return .failure(.notANumber) }
        if separated, !seenDot, group != 3 { return .failure(.misplacedSeparator) }
        if tooLarge { return .failure(.tooLarge) }
        for _ in fractionDigits..<6 { fraction *= 10 }
        let raw = whole * Fixed.scale + fraction
        return .success(Fixed(raw: negative ? -raw : raw))
    }

    /// A whole number as records, rosters and rule files write it (a sign, then digits), within
    /// `largestWhole` like every other number read: so it also scales to `Fixed` exactly.
    public static func parseInteger(_ text: some StringProtocol) -> Result<Int64, ParseFailure> {
        var s = Substring(text)
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return .failure(.notANumber) }
        let digits = s.utf8.drop { $0 == UInt8(ascii: "0") }
        guard digits.count <= 12, let v = Int64(String(s)) else { return .failure(.tooLarge) }
        return .success(negative ? -v : v)
    }

    public var isWhole: Bool { raw % Fixed.scale == 0 }

    /// Exact sums and differences of values known to be in range (totals of amounts the
    /// evaluators have already checked, test fixtures). They trap rather than wrap; the rules'
    /// arithmetic goes through the checked forms below (`adding(_:)`, …, `CheckedArithmetic`).
    public static func + (a: Fixed, b: Fixed) -> Fixed { Fixed(raw: a.raw + b.raw) }
    public static func - (a: Fixed, b: Fixed) -> Fixed { Fixed(raw: a.raw - b.raw) }
    public static prefix func - (a: Fixed) -> Fixed { Fixed(raw: -a.raw) }

    /// `self + b`, or nil past the 64-bit range.
    @inlinable public func adding(_ b: Fixed) -> Fixed? {
        let (r, o) = raw.addingReportingOverflow(b.raw)
        return o ? nil : Fixed(raw: r)
    }

    /// `self - b`, or nil past the 64-bit range.
    @inlinable public func subtracting(_ b: Fixed) -> Fixed? {
        let (r, o) = raw.subtractingReportingOverflow(b.raw)
        return o ? nil : Fixed(raw: r)
    }

    /// `self × n` for an integer `n` (exact), or nil past the 64-bit range.
    @inlinable public func multiplied(by n: Int64) -> Fixed? {
        let (r, o) = raw.multipliedReportingOverflow(by: n)
        return o ? nil : Fixed(raw: r)
    }

    /// `self × b`, six decimals kept (half to even beyond), or nil where the product does not
    /// fit in 64 bits. Worked out in 128 bits, so a product whose factors' raw values overflow
    /// but whose result fits (3,000元 × 3,000元) is exact.
    public func checkedProduct(_ b: Fixed) -> Fixed? {
        let p = Int128(raw) * Int128(b.raw)
        let q = p / Int128(Fixed.scale), r = p % Int128(Fixed.scale)
        return Fixed.narrow(Rounding.halfEven.adjust(quotient: q, remainder: r, divisor: Int128(Fixed.scale)))
    }

    /// Why a quotient could not be made.
    public enum QuotientFailure: Error, Sendable { case divisionByZero, overflow }

    /// `self / divisor`, rounded to `unit` by `mode`; worked out in 128 bits.
    public func quotient(_ divisor: Fixed, to unit: RoundingUnit, mode: Rounding) -> Result<Fixed, QuotientFailure> {
        guard divisor.raw != 0 else { return .failure(.divisionByZero) }
        // self/divisor in units of `unit`: (raw * scale / unitRaw) / divisor.raw
        let numerator = Int128(raw) * Int128(Fixed.scale / unit.inverseScale)
        let d = Int128(divisor.raw)
        let units = mode.adjust(quotient: numerator / d, remainder: numerator % d, divisor: d)
        guard let f = Fixed.narrow(units * Int128(Fixed.scale / unit.stepsPerUnit)) else { return .failure(.overflow) }
        return .success(f)
    }

    /// `quotient(_:to:mode:)`, nil for a zero divisor or an overflow.
    public func divided(by divisor: Fixed, to unit: RoundingUnit, mode: Rounding) -> Fixed? {
        try? quotient(divisor, to: unit, mode: mode).get()
    }

    /// `divided(by:to:mode:)` (the batch kernels' name).
    public func checkedQuotient(_ divisor: Fixed, to unit: RoundingUnit, mode: Rounding) -> Fixed? {
        divided(by: divisor, to: unit, mode: mode)
    }

    /// Rounded to a multiple of `unit`, or nil past the 64-bit range (only within a step of it).
    public func checkedRounded(to unit: RoundingUnit, mode: Rounding) -> Fixed? {
        let step = Int128(Fixed.scale / unit.stepsPerUnit)
        let v = Int128(raw)
        return Fixed.narrow(mode.adjust(quotient: v / step, remainder: v % step, divisor: step) * step)
    }

    static func narrow(_ v: Int128) -> Fixed? { Int64(exactly: v).map { Fixed(raw: $0) } }

    /// Rounded to a multiple of `unit`; within a step of the 64-bit range, the multiple toward
    /// zero (a value no reader or checked operation makes: see `largestWhole`).
    public func rounded(to unit: RoundingUnit, mode: Rounding) -> Fixed {
        checkedRounded(to: unit, mode: mode) ?? checkedRounded(to: unit, mode: .down)!
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
        // Whole yuan when the value rounded to fen is whole; `append` rounds to those places itself.
        let fen = Rounding.halfUp.adjust(quotient: raw / 10_000, remainder: raw % 10_000, divisor: 10_000)
        append(places: fen % 100 == 0 ? 0 : 2, grouped: true, to: &out)
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
    func adjust<N: SignedInteger & FixedWidthInteger>(quotient q: N, remainder r: N, divisor d: N) -> N {
        guard r != 0 else { return q }
        let negative = (r < 0) != (d < 0)
        let away: N = negative ? -1 : 1
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
