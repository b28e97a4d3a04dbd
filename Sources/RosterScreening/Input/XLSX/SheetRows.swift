/// Turns a sheet's XML events into records, row by row as they are parsed: each cell's text put
/// at its column, rows padded with empty cells to the header's width (Excel leaves empty cells
/// out), rows numbered as Excel numbers them so that rejects name the spreadsheet's row.
///
/// Everything the sheet claims is bounded where it is read (a `CellError` names the cell):
/// rows 1…1,048,576 and ascending; cells within a row left to right, at columns A…XFD and in
/// their row; a shared-string index that is in the table; a cell's text at most Excel's 32,767
/// characters, a row's text at most 1 MiB. No field is made for a column the file merely names:
/// a row holds the header's columns, and more only up to a cell that has text.
struct SheetRows {
    static let maxCellCharacters = 32_767
    static let maxRowBytes = 1 << 20

    /// A cell (or a row, when `column` is nil) the reader refuses, and why.
    struct CellError: Error {
        let row: Int
        let column: Int?
        let reason: String

        var location: String { "第\(row)行" + (column.map { CellReference.letters($0) + "列" } ?? "") }
    }

    let shared: [String]
    let dateStyles: Set<Int>
    let record: (CSVRecord) -> Void

    private var inSheetData = false, inRow = false, inCell = false
    private var row = 0, lastColumn = -1
    private var fields: [String] = []
    /// The header's width, once the first row with text has been handed on.
    private var width: Int?
    private var rowBytes = 0
    private var column = 0, type = "", style = -1
    private var value = ""
    /// Whether text now goes to the cell's value: inside `<v>`, or `<t>` outside phonetic runs.
    private var inValue = false, phonetic = 0

    init(shared: [String], dateStyles: Set<Int>, record: @escaping (CSVRecord) -> Void) {
        self.shared = shared
        self.dateStyles = dateStyles
        self.record = record
    }

    mutating func take(_ event: XMLStream.Event) throws {
        switch event {
        case .open("sheetData", _): inSheetData = true
        case .close("sheetData"): inSheetData = false
        case .open("row", let a) where inSheetData: try openRow(a)
        case .close("row") where inRow: closeRow()
        case .open("c", let a) where inRow: try openCell(a)
        case .close("c") where inCell: try closeCell()
        case .open("rPh", _) where inCell: phonetic += 1
        case .close("rPh") where inCell: phonetic -= 1
        case .open("v", _) where inCell, .open("t", _) where inCell && phonetic == 0: inValue = true
        case .close("v"), .close("t"): inValue = false
        case .text(let t) where inValue:
            value += t
            guard value.utf8.count <= Self.maxCellCharacters || value.utf8.count <= 4 * Self.maxCellCharacters && value.count <= Self.maxCellCharacters else {
                throw CellError(row: row, column: column, reason: "单元格的文字超过Excel的\(Self.maxCellCharacters)个字符")
            }
        default: break
        }
    }

    private mutating func openRow(_ a: [String: String]) throws {
        let number: Int
        if let r = a["r"] {
            guard let n = CellReference.row(r) else { throw CellError(row: row + 1, column: nil, reason: "行号不在Excel的1至\(CellReference.maxRow)行之内") }
            number = n
        } else {
            number = row + 1
        }
        guard number > row else { throw CellError(row: number, column: nil, reason: "行号不是递增的（在第\(row)行之后）") }
        guard number <= CellReference.maxRow else { throw CellError(row: row, column: nil, reason: "超过Excel的\(CellReference.maxRow)行") }
        row = number
        inRow = true
        lastColumn = -1
        rowBytes = 0
        fields.removeAll(keepingCapacity: true)
    }

    private mutating func closeRow() {
        inRow = false
        // Only a cell with text makes fields, so a row ends at its last text: none is a blank row.
        guard !fields.isEmpty else { return }
        if let width {
            while fields.count < width { fields.append("") }
        } else {
            width = fields.count
        }
        record(CSVRecord(fields: fields, line: row))
    }

    private mutating func openCell(_ a: [String: String]) throws {
        if let r = a["r"] {
            let reference: CellReference
            do { reference = try CellReference(r) } catch { throw CellError(row: row, column: nil, reason: error.description) }
            guard reference.row == row else { throw CellError(row: row, column: reference.column, reason: "单元格引用的行号与所在的第\(row)行不符") }
            column = reference.column
        } else {
            column = lastColumn + 1
            guard column < CellReference.maxColumn else { throw CellError(row: row, column: nil, reason: "超过Excel的最后一列XFD") }
        }
        guard column > lastColumn else { throw CellError(row: row, column: column, reason: "单元格重复或不是从左到右排列") }
        lastColumn = column
        type = a["t"] ?? ""
        style = a["s"].flatMap { Int($0) } ?? -1
        value = ""
        inCell = true
        inValue = false
        phonetic = 0
    }

    private mutating func closeCell() throws {
        inCell = false
        let text = try cellText()
        guard !text.isEmpty else { return }
        rowBytes += text.utf8.count
        guard rowBytes <= Self.maxRowBytes else { throw CellError(row: row, column: nil, reason: "一行的文字超过\(Self.maxRowBytes >> 20) MiB") }
        // Empty cells before this one: the column is bounded (≤ XFD), and only a cell with text makes them.
        while fields.count < column { fields.append("") }
        fields.append(text)
    }

    /// The cell's value as text: a shared string looked up, a boolean in words, a date cell as a date.
    private func cellText() throws -> String {
        switch type {
        case "s":
            guard !value.isEmpty else { return "" }
            guard value.utf8.count <= 10, value.utf8.allSatisfy({ (48...57).contains($0) }), let i = Int(value) else {
                throw CellError(row: row, column: column, reason: "共享字符串编号不是非负整数")
            }
            guard i < shared.count else { throw CellError(row: row, column: column, reason: "共享字符串编号\(i)不存在（共享字符串表共\(shared.count)条）") }
            return shared[i]
        case "b":
            switch value {
            case "1", "true": return "是"
            case "0", "false": return "否"
            default: return value
            }
        case "inlineStr", "str", "e", "d": return value
        default:
            // A serial outside Excel's dates is handed on as it is: it is then no date, and rejected.
            if dateStyles.contains(style), let serial = Double(value), let date = ExcelSerial.date(serial) { return date }
            return value.hasSuffix(".0") ? String(value.dropLast(2)) : value
        }
    }
}
