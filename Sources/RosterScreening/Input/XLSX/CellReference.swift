import PolicyExpr

/// A cell's place on a sheet, as `B12` names it, within Excel's own bounds: columns A…XFD
/// (at most 3 letters, 16,384 columns) and rows 1…1,048,576. A reference outside them is not
/// one Excel could have written, so the workbook is refused rather than read at a guessed place.
struct CellReference: Equatable {
    static let maxRow = 1_048_576
    static let maxColumn = 16_384
    static let maxLetters = 3

    /// 0-based column (A is 0).
    let column: Int
    /// 1-based row.
    let row: Int

    /// Why a reference cannot be read, in words that quote only letters and digits.
    enum Problem: Error {
        case notAReference
        case columnTooWide(letters: Int)
        case columnPastXFD
        case rowOutOfRange

        var description: String {
            switch self {
            case .notAReference: "单元格引用不是“列字母+行号”的形式"
            case .columnTooWide(let letters): "单元格引用的列有\(letters)个字母，Excel的列最多3个字母（XFD）"
            case .columnPastXFD: "单元格引用的列超过Excel的最后一列XFD（第\(CellReference.maxColumn)列）"
            case .rowOutOfRange: "单元格引用的行号不在Excel的1至\(CellReference.maxRow)行之内"
            }
        }
    }

    /// Reads `B12`; the letters must be capitals and the row at most 7 digits, as Excel writes them.
    init(_ text: String) throws(Problem) {
        var letters = 0, column = 0, digits = 0, row = 0
        for c in text.utf8 {
            if (65...90).contains(c), digits == 0 {
                letters += 1
                // Counting stops growing past the bound, so no letter count overflows.
                if letters <= Self.maxLetters { column = column * 26 + Int(c - 64) }
            } else if (48...57).contains(c), letters > 0 {
                digits += 1
                if digits <= 7 { row = row * 10 + Int(c - 48) }
            } else {
                throw .notAReference
            }
        }
        guard letters > 0, digits > 0 else { throw .notAReference }
        guard letters <= Self.maxLetters else { throw .columnTooWide(letters: letters) }
        guard column <= Self.maxColumn else { throw .columnPastXFD }
        guard digits <= 7, (1...Self.maxRow).contains(row) else { throw .rowOutOfRange }
        self.column = column - 1
        self.row = row
    }

    /// A row number as a `<row r="…">` gives it: 1…1,048,576, digits only.
    static func row(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 7, text.utf8.allSatisfy({ (48...57).contains($0) }), let n = Int(text), (1...maxRow).contains(n) else { return nil }
        return n
    }

    /// Column letters for a 0-based column: 0 → A, 16383 → XFD.
    static func letters(_ column: Int) -> String {
        var n = column + 1, out: [UInt8] = []
        while n > 0 {
            n -= 1
            out.insert(UInt8(65 + n % 26), at: 0)
            n /= 26
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Excel's day numbers (the 1900 system, with its phantom 1900-02-29), bounded to the dates
/// Excel shows: 1 (1900-01-01) … 2,958,465 (9999-12-31). A time of day in the fraction is dropped.
enum ExcelSerial {
    static let range = 1...2_958_465

    /// The date as YYYY-MM-DD, or nil for a serial outside Excel's dates (nan and infinities too).
    static func date(_ serial: Double) -> String? {
        guard serial.isFinite, serial >= Double(range.lowerBound), serial < Double(range.upperBound + 1) else { return nil }
        let days = Int(serial)
        // Day 60 is the nonexistent 1900-02-29; later days are one off.
        let offset = days >= 60 ? days - 25_569 : days - 25_568
        return Day(serial: Int32(offset)).description
    }
}
