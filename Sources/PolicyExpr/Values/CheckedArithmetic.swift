/// The arithmetic of the rule language on raw values, defined once for both evaluators.
///
/// An `int` is its own value; a `money` or `decimal` is `Fixed.raw` (millionths). Every
/// operation reports an overflow as nil, never wraps and never traps: the row evaluator makes
/// the value unknown (`UnknownCause.overflow`, so the decision is 待核实 and says why), and the
/// batch kernels hand the household to the row evaluator, which decides it that way.
public enum CheckedArithmetic {
    /// `a op b` for two integers.
    @inlinable public static func ints(_ op: ArithmeticOp, _ a: Int64, _ b: Int64) -> Int64? {
        let (r, o): (Int64, Bool)
        switch op {
        case .add: (r, o) = a.addingReportingOverflow(b)
        case .subtract: (r, o) = a.subtractingReportingOverflow(b)
        case .multiply: (r, o) = a.multipliedReportingOverflow(by: b)
        }
        return o ? nil : r
    }

    /// `a op b` where at least one operand is a fixed value: `aIsInt` and `bIsInt` say which
    /// operands are integers (scaled first, exactly). A product with an integer is exact; of two
    /// fixed values it keeps six decimals (`Fixed.checkedProduct`).
    @inlinable public static func fixed(_ op: ArithmeticOp, _ a: Int64, int aIsInt: Bool, _ b: Int64, int bIsInt: Bool) -> Int64? {
        switch op {
        case .add, .subtract:
            guard let fa = aIsInt ? Fixed.checked(a) : Fixed(raw: a), let fb = bIsInt ? Fixed.checked(b) : Fixed(raw: b) else { return nil }
            return (op == .add ? fa.adding(fb) : fa.subtracting(fb))?.raw
        case .multiply:
            if bIsInt { return Fixed(raw: a).multiplied(by: b)?.raw }
            if aIsInt { return Fixed(raw: b).multiplied(by: a)?.raw }
            return Fixed(raw: a).checkedProduct(Fixed(raw: b))?.raw
        }
    }

    /// `-a`, or nil for the one value whose negation does not fit.
    @inlinable public static func negated(_ a: Int64) -> Int64? {
        a == .min ? nil : -a
    }

    /// The serial day `n` units after `day`, or nil outside the years `Day` holds (1–9999).
    public static func date(_ day: Day, adding n: Int64, _ unit: DateUnit) -> Day? {
        switch unit {
        case .days: day.adding(checkedDays: n)
        case .months: day.adding(checkedMonths: n)
        case .years: n.multipliedReportingOverflow(by: 12).overflow ? nil : day.adding(checkedMonths: n * 12)
        }
    }
}
