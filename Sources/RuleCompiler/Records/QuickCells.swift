import PolicyExpr

/// The common cells of a roster read straight from their bytes: plain digits, amounts with up
/// to two decimals, `YYYY-MM-DD`, a yes or no spelled as `FieldValueParser` reads one, a choice
/// spelled exactly as the schema spells it, and a list of one such choice (or none).
/// Any other cell is nil here and goes through `FieldValueParser.parse`, which gives the same
/// value for every cell read here.
///
/// How each field is read is decided once, and the choices' spellings sit in one flat table,
/// so reading a cell touches no object and costs no reference counting.
public struct QuickCells: Sendable {
    @usableFromInline enum Form: UInt8, Sendable { case bool, int, money, decimal, date, enumeration, enumList, none }
    @usableFromInline struct Field: Sendable { @usableFromInline var form: Form; @usableFromInline var spellings: Table }
    /// Spellings (in `spellings`, shortest first); those of length `n` are from
    /// `lengthStarts[lengths + n]` to `lengthStarts[lengths + n + 1]`, up to `longest`.
    public struct Table: Sendable {
        @usableFromInline var all: Range<Int32>
        @usableFromInline var lengths: Int32 = 0
        @usableFromInline var longest: Int32 = -1
        init(all: Range<Int32>, lengths: Int32 = 0, longest: Int32 = -1) { (self.all, self.lengths, self.longest) = (all, lengths, longest) }
    }
    @usableFromInline struct Spelling: Sendable { @usableFromInline var start: Int32; @usableFromInline var count: Int32; @usableFromInline var ordinal: Int32 }

    @usableFromInline let fields: [Field]
    @usableFromInline let spellings: [Spelling]
    @usableFromInline let bytes: [UInt8]
    /// Each spelling of up to 8 bytes as one number (`pack`), so that a short cell is compared
    /// with it at once.
    @usableFromInline let packed: [UInt64]
    @usableFromInline let lengthStarts: [Int32]
    /// `FieldValueParser`'s ways of saying yes (1) or no (0), of saying a list has no choice,
    /// and of separating a list's choices, in `spellings`.
    @usableFromInline let booleans: Table
    @usableFromInline let noChoice: Table
    @usableFromInline let separators: Table
    /// By byte: whether a separator begins with it.
    @usableFromInline let startsSeparator: [Bool]

    public init(_ specs: [FieldSpec]) {
        var spellings: [Spelling] = [], bytes: [UInt8] = [], lengthStarts: [Int32] = []
        /// Adds spellings, shortest first, and where each length begins (a cell is compared
        /// only with spellings of its length).
        func add(_ table: [String: Int]) -> Table {
            let first = Int32(spellings.count)
            for (text, o) in table.sorted(by: { ($0.key.utf8.count, $0.key) < ($1.key.utf8.count, $1.key) }) {
                spellings.append(Spelling(start: Int32(bytes.count), count: Int32(text.utf8.count), ordinal: Int32(o)))
                bytes += text.utf8
            }
            let all = first..<Int32(spellings.count)
            let longest = all.isEmpty ? -1 : spellings[Int(all.upperBound) - 1].count
            let lengths = Int32(lengthStarts.count)
            for n in 0...(longest + 1) { lengthStarts.append(all.first { spellings[Int($0)].count >= n } ?? all.upperBound) }
            return Table(all: all, lengths: lengths, longest: longest)
        }
        booleans = add(FieldValueParser.booleans.mapValues { $0 ? 1 : 0 })
        noChoice = add(Dictionary(uniqueKeysWithValues: FieldValueParser.noChoice.map { ($0, 0) }))
        separators = add(Dictionary(uniqueKeysWithValues: FieldValueParser.listSeparators.map { (String($0), 0) }))
        let firstBytes = Set(FieldValueParser.listSeparators.compactMap { $0.utf8.first })
        startsSeparator = (0..<256).map { firstBytes.contains(UInt8($0)) }
        fields = specs.map { spec in
            switch spec.kind {
            case .bool: return Field(form: .bool, spellings: Table(all: 0..<0))
            case .int: return Field(form: .int, spellings: Table(all: 0..<0))
            case .money: return Field(form: .money, spellings: Table(all: 0..<0))
            case .decimal: return Field(form: .decimal, spellings: Table(all: 0..<0))
            case .date: return Field(form: .date, spellings: Table(all: 0..<0))
            case .enumeration(let e): return Field(form: .enumeration, spellings: add(e.spellings))
            case .enumList(let e): return Field(form: .enumList, spellings: add(e.spellings))
            case .text, .region, .idNumber, .moneyByKind: return Field(form: .none, spellings: Table(all: 0..<0))
            }
        }
        self.spellings = spellings
        self.bytes = bytes
        self.lengthStarts = lengthStarts
        packed = spellings.map { sp in
            bytes.withUnsafeBufferPointer { Self.pack(UnsafeBufferPointer(rebasing: $0[Int(sp.start)..<Int(sp.start + sp.count)])) }
        }
    }

    /// Up to 8 bytes as one number (longer: their first 8).
    @inlinable @inline(__always) static func pack(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<min(8, b.count) { v |= UInt64(b[i]) << UInt64(8 * i) }
        return v
    }

    /// An amount of money (a kind of a by-kind field) as `Fixed.raw`: digits, at most two decimals.
    @inlinable public static func money(_ cell: UnsafeBufferPointer<UInt8>) -> Int64? { number(cell, places: 2) }

    /// Digits with at most `places` decimals, as millionths; at most 12 whole digits.
    @inlinable public static func number(_ cell: UnsafeBufferPointer<UInt8>, places: Int) -> Int64? {
        let n = cell.count
        var whole: Int64 = 0, i = 0
        // Twelve whole digits at most (`Fixed.largestWhole`), checked before each digit is taken.
        while i < n, cell[i] >= 48, cell[i] <= 57 {
            guard i < 12 else { return nil }
            whole = whole * 10 + Int64(cell[i] - 48)
            i += 1
        }
        guard i > 0 else { return nil }
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

    /// How field `f`'s cells are read, for a reader that reads a whole column at once.
    public enum Reading: Sendable {
        case int, date, number(places: Int), choice(Table), other
    }

    public func reading(_ f: Int) -> Reading {
        switch fields[f].form {
        case .int: .int
        case .date: .date
        case .money: .number(places: 2)
        case .decimal: .number(places: 6)
        case .bool: .choice(booleans)
        case .enumeration: .choice(fields[f].spellings)
        case .enumList, .none: .other
        }
    }

    /// Field `f`'s cell (already trimmed) as its raw value: a bool as 0 or 1, an int itself,
    /// money and decimals as `Fixed.raw`, a date as its serial day, a choice as its ordinal.
    @inlinable public func raw(_ cell: UnsafeBufferPointer<UInt8>, field f: Int) -> Int64? {
        guard !cell.isEmpty else { return nil }
        let field = fields[f]
        switch field.form {
        case .bool: return ordinal(cell, booleans)
        case .int: return Self.int(cell)
        case .money: return Self.number(cell, places: 2)
        case .decimal: return Self.number(cell, places: 6)
        case .date: return Self.date(cell)
        case .enumeration: return ordinal(cell, field.spellings)
        case .enumList:
            // None, or one choice: a cell with a separator goes the long way.
            if ordinal(cell, noChoice) != nil { return 0 }
            for i in 0..<cell.count where startsSeparator[Int(cell[i])] && contains(cell, separators, at: i) { return nil }
            return ordinal(cell, field.spellings).map { 1 << $0 }
        case .none:
            return nil
        }
    }

    /// Plain digits (at most 12: `Fixed.largestWhole`, as the row path's `Fixed.parseInteger`).
    @inlinable @inline(__always) public static func int(_ cell: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = cell.count
        guard n > 0, n <= 12 else { return nil }
        var v: Int64 = 0
        for i in 0..<n {
            let d = cell[i] &- 48
            guard d <= 9 else { return nil }
            v = v * 10 + Int64(d)
        }
        return v
    }

    /// `YYYY-MM-DD`, a real day, as its serial day (`Day(year:month:day)`).
    @inlinable @inline(__always) public static func date(_ cell: UnsafeBufferPointer<UInt8>) -> Int64? {
        @inline(__always) func digit(_ i: Int) -> Int? {
            let d = cell[i] &- 48
            return d <= 9 ? Int(d) : nil
        }
        guard cell.count == 10, cell[4] == 45, cell[7] == 45, let y1 = digit(0), let y2 = digit(1), let y3 = digit(2), let y4 = digit(3),
            let m1 = digit(5), let m2 = digit(6), let d1 = digit(8), let d2 = digit(9)
        else { return nil }
        return Day(year: y1 * 1000 + y2 * 100 + y3 * 10 + y4, month: m1 * 10 + m2, day: d1 * 10 + d2).map { Int64($0.serial) }
    }

    /// A choice (or yes or no) spelled as in `table`, as its ordinal.
    @inlinable @inline(__always) public func choice(_ cell: UnsafeBufferPointer<UInt8>, _ table: Table) -> Int64? {
        cell.isEmpty ? nil : ordinal(cell, table)
    }

    /// The ordinal of the spelling of `table` that is exactly `cell`.
    @inlinable @inline(__always)
    func ordinal(_ cell: UnsafeBufferPointer<UInt8>, _ table: Table) -> Int64? {
        let n = cell.count
        guard n <= table.longest else { return nil }
        let key = Self.pack(cell)
        let from = Int(lengthStarts[Int(table.lengths) + n]), to = Int(lengthStarts[Int(table.lengths) + n + 1])
        guard let s = packed.withUnsafeBufferPointer({ p in (from..<to).first { p[$0] == key } }) else { return nil }
        // Past 8 bytes, the rest compared too (then the next of the same first 8, if any).
        guard n > 8 else { return Int64(spellings[s].ordinal) }
        return bytes.withUnsafeBufferPointer { text in
            for s in s..<to where packed[s] == key {
                var i = 8, at = Int(spellings[s].start)
                while i < n, text[at + i] == cell[i] { i += 1 }
                if i >= n { return Int64(spellings[s].ordinal) }
            }
            return nil
        }
    }

    /// Whether a spelling of `table` starts at byte `i` of `cell`.
    @usableFromInline func contains(_ cell: UnsafeBufferPointer<UInt8>, _ table: Table, at i: Int) -> Bool {
        bytes.withUnsafeBufferPointer { text in
            table.all.contains { s in
                let spelling = spellings[Int(s)]
                let count = Int(spelling.count), at = Int(spelling.start)
                return i + count <= cell.count && (0..<count).allSatisfy { text[at + $0] == cell[i + $0] }
            }
        }
    }
}
