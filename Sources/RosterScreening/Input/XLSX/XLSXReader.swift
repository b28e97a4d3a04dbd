import SourceDiagnostics

/// Reads the rows of one sheet of an .xlsx workbook (the first, or one named) as records, the
/// way the CSV reader hands them out: every cell as text, missing cells as empty text.
///
/// Nothing in the workbook is trusted: the archive is checked whole (`ZipArchive`), inflated
/// within bounds and against its CRCs (`ZipEntryReader`), every part parsed as well-formed XML
/// (`XMLStream`), and every row, cell reference, index and count bounded where it is read
/// (`SheetRows`, `WorkbookParts`). The sheet is inflated and parsed a chunk at a time, its rows
/// handed on as they come, so memory does not grow with the sheet. Any of these failing is an
/// `XLSXError` in Chinese naming the sheet and the cell, never a partial or empty roster; the
/// rows handed on before it are to be thrown away by the caller (`ScreeningJob` does).
public struct XLSXReader {
    public let path: String
    public let sheet: String?
    /// The largest .xlsx file read (4 GiB: a ZIP without ZIP64 can be no larger).
    public static let maxFileBytes = 1 << 32

    public init(path: String, sheet: String? = nil) {
        self.path = path
        self.sheet = sheet
    }

    public struct XLSXError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Calls `record` for each row; dates that Excel stores as day numbers are given as YYYY-MM-DD
    /// when their cell has a date format.
    public func read(_ record: (CSVRecord) -> Void) -> Result<Void, XLSXError> {
        do {
            let bytes: [UInt8]
            switch FileBytes.read(path: path, maxBytes: Self.maxFileBytes) {
            case .success(let b): bytes = b
            case .failure(let e): throw XLSXError(description: "无法读取花名册：\(e.reason)")
            }
            var parts = WorkbookParts(zip: ZipEntryReader(try ZipArchive(bytes: bytes)))
            try parts.checkContentTypes()
            let sheets = try parts.sheets()
            let relationships = try parts.relationships()
            let chosen = try choose(sheets)
            guard let sheetPath = relationships[chosen.id]?.path else {
                throw XLSXError(description: "工作簿关系表中没有工作表“\(chosen.name)”的位置")
            }
            func part(_ type: String, _ otherwise: String) -> String {
                relationships.values.first { $0.type.hasSuffix("/" + type) }?.path ?? otherwise
            }
            let shared = try parts.sharedStrings(part("sharedStrings", "xl/sharedStrings.xml"))
            let dateStyles = try parts.dateStyles(part("styles", "xl/styles.xml"))
            try withoutActuallyEscaping(record) { record in
                try readSheet(chosen.name, at: sheetPath, &parts, SheetRows(shared: shared, dateStyles: dateStyles, record: record))
            }
            return .success(())
        } catch let e as XLSXError {
            return .failure(e)
        } catch let e as WorkbookParts.PartError {
            return .failure(XLSXError(description: e.message))
        } catch {
            return .failure(XLSXError(description: "\(error)"))
        }
    }

    /// The sheet named by `sheet`, or the first.
    func choose(_ sheets: [(name: String, id: String)]) throws -> (name: String, id: String) {
        guard let sheet else { return sheets[0] }
        guard let found = sheets.first(where: { $0.name == sheet }) else {
            let names = sheets.prefix(20).map(\.name).joined(separator: ", ") + (sheets.count > 20 ? " …" : "")
            throw XLSXError(description: "没有名为“\(sheet)”的工作表；工作簿中的工作表有：\(names)")
        }
        return found
    }

    /// Streams the sheet's rows to `rows`; a bad cell or XML that does not parse ends the read.
    func readSheet(_ name: String, at sheetPath: String, _ parts: inout WorkbookParts, _ rows: SheetRows) throws {
        var rows = rows
        do {
            let found = try parts.parse(sheetPath, root: "worksheet", what: "工作表“\(name)”") { try rows.take($0) }
            guard found else { throw XLSXError(description: "工作簿中没有工作表“\(name)”的数据（\(sheetPath)）") }
        } catch let e as SheetRows.CellError {
            throw XLSXError(description: "工作表“\(name)”\(e.location)：\(e.reason)")
        }
    }
}
