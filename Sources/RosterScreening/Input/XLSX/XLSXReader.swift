import PolicyExpr
import SourceDiagnostics

/// Reads the rows of one sheet of an .xlsx workbook (the first, or one named) as records, the
/// way the CSV reader hands them out: every cell as text, missing cells as empty text.
public struct XLSXReader {
    public let path: String
    public let sheet: String?

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
            switch FileBytes.read(path: path) {
            case .success(let b): bytes = b
            case .failure(let e): throw XLSXError(description: "cannot read the roster: \(e.reason)")
            }
            let zip = try ZipArchive(bytes: bytes)
            let sheetPath = try locateSheet(zip)
            let shared = try zip.data("xl/sharedStrings.xml").map(Self.sharedStrings) ?? []
            let dateStyles = try zip.data("xl/styles.xml").map(Self.dateStyles) ?? []
            guard let xml = try zip.data(sheetPath) else { throw XLSXError(description: "the workbook has no sheet at \(sheetPath)") }
            Self.rows(xml, shared: shared, dateStyles: dateStyles, record)
            return .success(())
        } catch let e as XLSXError {
            return .failure(e)
        } catch {
            return .failure(XLSXError(description: "\(error)"))
        }
    }

    /// The sheet's part name: the first sheet of the workbook, or the one named by `sheet`.
    func locateSheet(_ zip: ZipArchive) throws -> String {
        guard let workbook = try zip.data("xl/workbook.xml") else { throw XLSXError(description: "this .xlsx file has no workbook") }
        let sheets = XMLScan.elements(workbook, named: "sheet").map { ($0["name"] ?? "", $0["r:id"] ?? $0.first { $0.key.hasSuffix(":id") }?.value ?? "") }
        guard !sheets.isEmpty else { throw XLSXError(description: "the workbook has no sheets") }
        let chosen: (String, String)
        if let sheet {
            guard let found = sheets.first(where: { $0.0 == sheet }) else {
                throw XLSXError(description: "no sheet is named “\(sheet)”; the sheets are: \(sheets.map(\.0).joined(separator: ", "))")
            }
            chosen = found
        } else {
            chosen = sheets[0]
        }
        let rels = try zip.data("xl/_rels/workbook.xml.rels").map { XMLScan.elements($0, named: "Relationship") } ?? []
        guard let target = rels.first(where: { $0["Id"] == chosen.1 })?["Target"] else { return "xl/worksheets/sheet1.xml" }
        return target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
    }

    static func sharedStrings(_ xml: [UInt8]) -> [String] {
        var strings: [String] = []
        XMLScan.walk(xml) { event in
            switch event {
            case .open("si", _): strings.append("")
            case .text(let t, let inside) where inside == "t" && !strings.isEmpty: strings[strings.count - 1] += t
            default: break
            }
        }
        return strings
    }

    /// Indexes of cell styles whose number format is a date.
    static func dateStyles(_ xml: [UInt8]) -> Set<Int> {
        var custom: [Int: String] = [:]
        for f in XMLScan.elements(xml, named: "numFmt") {
            if let id = f["numFmtId"].flatMap({ Int($0) }) { custom[id] = f["formatCode"] ?? "" }
        }
        var inCellXfs = false, index = 0
        var dates = Set<Int>()
        XMLScan.walk(xml) { event in
            switch event {
            case .open("cellXfs", _): inCellXfs = true
            case .close("cellXfs"): inCellXfs = false
            case .open("xf", let attributes) where inCellXfs:
                let id = Int(attributes["numFmtId"] ?? "0") ?? 0
                let isDate = (14...22).contains(id) || (27...36).contains(id) || (50...58).contains(id)
                    || custom[id].map { code in code.lowercased().contains("y") || code.contains("d") || code.contains("年") } == true
                if isDate { dates.insert(index) }
                index += 1
            default: break
            }
        }
        return dates
    }

    static func rows(_ xml: [UInt8], shared: [String], dateStyles: Set<Int>, _ record: (CSVRecord) -> Void) {
        var fields: [String] = []
        var rowNumber = 0
        var column = 0, type = "", style = -1
        var value = ""
        var inRow = false
        XMLScan.walk(xml) { event in
            switch event {
            case .open("row", let a):
                inRow = true
                fields = []
                rowNumber = Int(a["r"] ?? "") ?? (rowNumber + 1)
            case .close("row"):
                if inRow, fields.contains(where: { !$0.isEmpty }) { record(CSVRecord(fields: fields, line: rowNumber)) }
                inRow = false
            case .open("c", let a):
                column = a["r"].map(columnIndex) ?? fields.count
                type = a["t"] ?? ""
                style = Int(a["s"] ?? "") ?? -1
                value = ""
            case .text(let t, let inside) where inside == "v" || inside == "t":
                value += t
            case .close("c"):
                var text = value
                switch type {
                case "s": text = Int(value).flatMap { $0 < shared.count ? shared[$0] : nil } ?? ""
                case "b": text = value == "1" ? "是" : "否"
                default:
                    if dateStyles.contains(style), let serial = Double(value) { text = excelDate(serial) }
                    else if text.hasSuffix(".0") { text.removeLast(2) }
                }
                while fields.count < column { fields.append("") }
                if fields.count == column { fields.append(text) } else { fields[column] = text }
            default: break
            }
        }
    }

    /// "B12" → 1.
    static func columnIndex(_ reference: String) -> Int {
        var n = 0
        for c in reference.utf8 {
            guard c >= 65 && c <= 90 else { break }
            n = n * 26 + Int(c - 64)
        }
        return max(0, n - 1)
    }

    /// Excel's day number (1900 system, with its phantom 1900-02-29) as YYYY-MM-DD.
    static func excelDate(_ serial: Double) -> String {
        let days = Int(serial)
        // Day 60 is the nonexistent 1900-02-29; later days are one off.
        let offset = days >= 60 ? days - 25_569 : days - 25_568
        return Day(serial: Int32(offset)).description
    }
}

/// A tiny scanner for the XML parts of a spreadsheet: elements, attributes and text, with
/// entities decoded. Spreadsheets use no DTDs or namespaces that matter here.
enum XMLScan {
    enum Event {
        case open(String, [String: String])
        case close(String)
        case text(String, inside: String)
    }

    static func walk(_ xml: [UInt8], _ body: (Event) -> Void) {
        var i = 0
        var stack: [String] = []
        let n = xml.count
        while i < n {
            if xml[i] == 60 {  // <
                if i + 1 < n, xml[i + 1] == 63 || xml[i + 1] == 33 {  // <? or <!
                    while i < n, xml[i] != 62 { i += 1 }
                    i += 1
                    continue
                }
                var j = i + 1
                let closing = j < n && xml[j] == 47
                if closing { j += 1 }
                let nameStart = j
                while j < n, xml[j] != 32, xml[j] != 62, xml[j] != 47, xml[j] != 10, xml[j] != 13, xml[j] != 9 { j += 1 }
                let fullName = String(decoding: xml[nameStart..<j], as: UTF8.self)
                let name = fullName.split(separator: ":").last.map(String.init) ?? fullName
                var attributes: [String: String] = [:]
                var selfClosing = false
                while j < n, xml[j] != 62 {
                    if xml[j] == 47 { selfClosing = true; j += 1; continue }
                    if xml[j] == 32 || xml[j] == 10 || xml[j] == 13 || xml[j] == 9 { j += 1; continue }
                    let keyStart = j
                    while j < n, xml[j] != 61, xml[j] != 62, xml[j] != 32 { j += 1 }
                    let key = String(decoding: xml[keyStart..<j], as: UTF8.self)
                    guard j < n, xml[j] == 61 else { continue }
                    j += 1
                    guard j < n else { break }
                    let quote = xml[j]
                    j += 1
                    let valueStart = j
                    while j < n, xml[j] != quote { j += 1 }
                    attributes[key] = decodeEntities(xml[valueStart..<min(j, n)])
                    j += 1
                }
                if closing {
                    body(.close(name))
                    if !stack.isEmpty { stack.removeLast() }
                } else {
                    body(.open(name, attributes))
                    if selfClosing { body(.close(name)) } else { stack.append(name) }
                }
                i = j + 1
            } else {
                let start = i
                while i < n, xml[i] != 60 { i += 1 }
                if let inside = stack.last { body(.text(decodeEntities(xml[start..<i]), inside: inside)) }
            }
        }
    }

    static func elements(_ xml: [UInt8], named name: String) -> [[String: String]] {
        var found: [[String: String]] = []
        walk(xml) { if case .open(let n, let a) = $0, n == name { found.append(a) } }
        return found
    }

    static func decodeEntities(_ bytes: ArraySlice<UInt8>) -> String {
        let s = String(decoding: bytes, as: UTF8.self)
        guard s.contains("&") else { return s }
        var out = "", i = s.startIndex
        while i < s.endIndex {
            if s[i] == "&", let semi = s[i...].firstIndex(of: ";") {
                let entity = s[s.index(after: i)..<semi]
                switch entity {
                case "amp": out += "&"
                case "lt": out += "<"
                case "gt": out += ">"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    if entity.hasPrefix("#x"), let v = UInt32(entity.dropFirst(2), radix: 16), let u = Unicode.Scalar(v) { out.unicodeScalars.append(u) }
                    else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let u = Unicode.Scalar(v) { out.unicodeScalars.append(u) }
                    else { out += "&" + entity + ";" }
                }
                i = s.index(after: semi)
            } else {
                out.append(s[i])
                i = s.index(after: i)
            }
        }
        return out
    }
}
