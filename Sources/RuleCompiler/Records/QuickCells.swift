import PolicyExpr

/// The common cells of a roster read straight from their bytes: `1`/`0`, plain digits, amounts
/// with up to two decimals, `YYYY-MM-DD`, 是/否, a choice spelled exactly as the schema spells
/// it, and a list of one such choice (or 无).
/// Any other cell is nil here and goes through `FieldValueParser.parse`, which gives the same
/// value for every cell read here.
///
/// How each field is read is decided once, and the choices' spellings sit in one flat table,
/// so reading a cell touches no object and costs no reference counting.
public struct QuickCells: Sendable {
    enum Form: UInt8 { case bool, int, money, decimal, date, enumeration, enumList, none }
    struct Field { var form: Form; var spellings: Range<Int32> }
    struct Spelling { var start: Int32; var count: Int32; var ordinal: Int32 }

    private let fields: [Field]
    private let spellings: [Spelling]
    private let bytes: [UInt8]

    public init(_ specs: [FieldSpec]) {
        var spellings: [Spelling] = [], bytes: [UInt8] = []
        fields = specs.map { spec in
            let form: Form
            switch spec.kind {
            case .bool: form = .bool
            case .int: form = .int
            case .money: form = .money
            case .decimal: form = .decimal
            case .date: form = .date
            case .enumeration(let e), .enumList(let e):
                let first = Int32(spellings.count)
                // Shortest first: a cell is compared only with spellings of its length.
                for (text, o) in e.spellings.sorted(by: { ($0.key.utf8.count, $0.key) < ($1.key.utf8.count, $1.key) }) {
                    spellings.append(Spelling(start: Int32(bytes.count), count: Int32(text.utf8.count), ordinal: Int32(o)))
                    bytes += text.utf8
                }
                if case .enumList = spec.kind { return Field(form: .enumList, spellings: first..<Int32(spellings.count)) }
                return Field(form: .enumeration, spellings: first..<Int32(spellings.count))
            case .text, .region, .idNumber, .moneyByKind: form = .none
            }
            return Field(form: form, spellings: 0..<0)
        }
        self.spellings = spellings
        self.bytes = bytes
    }

    /// An amount of money (a kind of a by-kind field) as `Fixed.raw`: digits, at most two decimals.
    public static func money(_ cell: UnsafeBufferPointer<UInt8>) -> Int64? { number(cell, places: 2) }

    /// Digits with at most `places` decimals, as millionths; at most 12 whole digits.
    static func number(_ cell: UnsafeBufferPointer<UInt8>, places: Int) -> Int64? {
        let n = cell.count
        var whole: Int64 = 0, i = 0
        while i < n, cell[i] >= 48, cell[i] <= 57 { whole = whole * 10 + Int64(cell[i] - 48); i += 1 }
        guard i > 0, i <= 12 else { return nil }
        var raw = whole * Fixed.scale
        guard i < n else { return raw }
        guard cell[i] == UInt8(ascii: "."), n - i - 1 >= 1, n - i - 1 <= places else { return nil }
        var unit = Fixed.scale
        for j in (i + 1)..<n {
            guard cell[j] >= 48, cell[j] <= 57 else { return nil }
            unit /= 10
            raw += Int64(cell[j] - 48) * unit
        }
        return raw
    }

    /// Field `f`'s cell (already trimmed) as its raw value: a bool as 0 or 1, an int itself,
    /// money and decimals as `Fixed.raw`, a date as its serial day, a choice as its ordinal.
    public func raw(_ cell: UnsafeBufferPointer<UInt8>, field f: Int) -> Int64? {
        let n = cell.count
        guard n > 0 else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int64? {
            let b = cell[i]
            return b >= 48 && b <= 57 ? Int64(b - 48) : nil
        }
        let field = fields[f]
        switch field.form {
        case .bool:
            if n == 3 {
                // 是 and 否, the common spellings beyond 1 and 0.
                if cell[0] == 0xE6, cell[1] == 0x98, cell[2] == 0xAF { return 1 }
                if cell[0] == 0xE5, cell[1] == 0x90, cell[2] == 0xA6 { return 0 }
                return nil
            }
            guard n == 1 else { return nil }
            return cell[0] == UInt8(ascii: "1") ? 1 : cell[0] == UInt8(ascii: "0") ? 0 : nil
        case .int:
            guard n <= 18 else { return nil }
            var v: Int64 = 0
            for i in 0..<n {
                guard let d = digit(i) else { return nil }
                v = v * 10 + d
            }
            return v
        case .money: return Self.number(cell, places: 2)
        case .decimal: return Self.number(cell, places: 6)
        case .date:
            guard n == 10, cell[4] == 45, cell[7] == 45, let y1 = digit(0), let y2 = digit(1), let y3 = digit(2), let y4 = digit(3),
                let m1 = digit(5), let m2 = digit(6), let d1 = digit(8), let d2 = digit(9),
                let day = Day(year: Int(y1 * 1000 + y2 * 100 + y3 * 10 + y4), month: Int(m1 * 10 + m2), day: Int(d1 * 10 + d2))
            else { return nil }
            return Int64(day.serial)
        case .enumeration:
            return ordinal(cell, field)
        case .enumList:
            // 无 (or `-`) for none, or one choice: a cell with a separator goes the long way.
            if n == 3, cell[0] == 0xE6, cell[1] == 0x97, cell[2] == 0xA0 { return 0 }
            if n == 1, cell[0] == UInt8(ascii: "-") { return 0 }
            for i in 0..<n {
                let b = cell[i]
                if b == UInt8(ascii: ";") || b == UInt8(ascii: ",") || b == UInt8(ascii: "|") || b == 0xEF { return nil }
                if b == 0xE3, i + 2 < n, cell[i + 1] == 0x80, cell[i + 2] == 0x81 { return nil }  // 、
            }
            return ordinal(cell, field).map { 1 << $0 }
        case .none:
            return nil
        }
    }

    /// The ordinal of the choice spelled exactly as `cell`.
    private func ordinal(_ cell: UnsafeBufferPointer<UInt8>, _ field: Field) -> Int64? {
        let n = cell.count
        return bytes.withUnsafeBufferPointer { table in
            for s in field.spellings {
                let spelling = spellings[Int(s)]
                if spelling.count < n { continue }
                if spelling.count > n { return nil }
                var i = 0, at = Int(spelling.start)
                while i < n, table[at + i] == cell[i] { i += 1 }
                if i == n { return Int64(spelling.ordinal) }
            }
            return nil
        }
    }
}
