import PolicyExpr
import RuleCompiler

/// One value for each household or each person of a batch: a 64-bit lane and whether it is known.
///
/// Every value the rule language computes, except text, fits a lane: a bool is 0 or 1, an int is
/// itself, money and decimals are `Fixed.raw`, a date is its serial day, a choice its ordinal,
/// a list of choices its bits. A member set is a person's membership: 1 surely in, 2 perhaps
/// (its filter was unknown), 0 out.
public struct Lanes: Sendable {
    public var v: [Int64]
    public var k: [Bool]

    public init(count: Int, value: Int64 = 0, known: Bool = false) {
        v = Array(repeating: value, count: count)
        k = Array(repeating: known, count: count)
    }

    init(v: [Int64], k: [Bool]) {
        self.v = v
        self.k = k
    }

    @inlinable public var count: Int { v.count }

    /// Each lane where `a` and `b` are both known: `test` of their values, as a bool lane.
    @inline(__always)
    mutating func set(_ a: Lanes, _ b: Lanes, _ test: (Int64, Int64) -> Bool) {
        let n = count
        a.v.withUnsafeBufferPointer { av in
            a.k.withUnsafeBufferPointer { ak in
                b.v.withUnsafeBufferPointer { bv in
                    b.k.withUnsafeBufferPointer { bk in
                        v.withUnsafeMutableBufferPointer { ov in
                            k.withUnsafeMutableBufferPointer { ok in
                                for i in 0..<n where ak[i] && bk[i] {
                                    ov[i] = test(av[i], bv[i]) ? 1 : 0
                                    ok[i] = true
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Each lane where `a` is known: `test` of its value, as a bool lane.
    @inline(__always)
    mutating func set(_ a: Lanes, _ test: (Int64) -> Bool) {
        let n = count
        a.v.withUnsafeBufferPointer { av in
            a.k.withUnsafeBufferPointer { ak in
                v.withUnsafeMutableBufferPointer { ov in
                    k.withUnsafeMutableBufferPointer { ok in
                        for i in 0..<n where ak[i] {
                            ov[i] = test(av[i]) ? 1 : 0
                            ok[i] = true
                        }
                    }
                }
            }
        }
    }

    /// The lane as the row evaluator's value.
    public static func value(_ lane: Int64, _ kind: LaneKind) -> Value {
        switch kind {
        case .bool: .bool(lane != 0)
        case .int: .int(lane)
        case .fixed: .fixed(Fixed(raw: lane))
        case .date: .date(Day(serial: Int32(truncatingIfNeeded: lane)))
        case .enumeration: .enumeration(Int(lane))
        case .enumSet: .enumSet(UInt64(bitPattern: lane))
        case .members: .unknown([])
        }
    }

    /// A value as a lane of `kind`; nil when it is unknown or not of that kind.
    public static func lane(_ value: Value, _ kind: LaneKind) -> Int64? {
        switch (value, kind) {
        case (.bool(let b), .bool): b ? 1 : 0
        case (.int(let i), .int): i
        case (.int(let i), .fixed): Fixed.checked(i)?.raw
        case (.fixed(let f), .fixed): f.raw
        case (.date(let d), .date): Int64(d.serial)
        case (.enumeration(let o), .enumeration): Int64(o)
        case (.enumSet(let bits), .enumSet): Int64(bitPattern: bits)
        default: nil
        }
    }
}

/// What a lane holds.
public enum LaneKind: Sendable, Equatable {
    case bool, int, fixed, date, enumeration, enumSet, members

    /// The lane kind of a field's values; nil for text, codes and by-kind money, which no lane holds.
    public init?(_ kind: FieldKind) {
        switch kind {
        case .bool: self = .bool
        case .int: self = .int
        case .decimal, .money: self = .fixed
        case .date: self = .date
        case .enumeration: self = .enumeration
        case .enumList: self = .enumSet
        case .text, .region, .idNumber, .moneyByKind: return nil
        }
    }

    /// The lane kind of a value of a static type; nil for text.
    public init?(_ type: ExprType) {
        switch type {
        case .bool: self = .bool
        case .int: self = .int
        case .decimal, .money: self = .fixed
        case .date: self = .date
        case .enumeration: self = .enumeration
        case .enumSet: self = .enumSet
        case .members: self = .members
        case .text: return nil
        }
    }
}
