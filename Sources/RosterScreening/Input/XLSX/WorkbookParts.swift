/// The parts of a workbook that say how to read its sheet: the content types, the workbook's
/// list of sheets and its relationships, the shared strings and the cell styles. Each is parsed
/// as it is inflated and must be well-formed XML; a part that must be there and is not, or that
/// does not parse, is an error naming it.
///
/// Bounds: at most `maxSharedStrings` (16,777,216) shared strings of at most 32,767 characters
/// each, and `maxCellFormats` (65,536) cell formats, Excel's own limit being 64,000.
struct WorkbookParts {
    static let maxSharedStrings = 1 << 24
    static let maxCellFormats = 65_536

    var zip: ZipEntryReader

    /// A workbook part that cannot be used, in words for the person who exported it.
    struct PartError: Error {
        let message: String
    }

    /// Parses the part `path`, whose root element is `root`; false when there is no such part.
    mutating func parse(_ path: String, root: String, what: String, _ body: (XMLStream.Event) throws -> Void) throws -> Bool {
        var xml = XMLStream(root: root)
        do {
            guard try zip.read(path, { try xml.feed($0, body) }) else { return false }
            try xml.finish(body)
        } catch let e as XMLStream.Malformed {
            throw PartError(message: "\(what)不是有效的XML（\(path)解压后第\(e.offset + 1)字节：\(e.reason)）")
        }
        return true
    }

    /// Parses a part that every workbook has.
    mutating func require(_ path: String, root: String, what: String, _ body: (XMLStream.Event) throws -> Void) throws {
        guard try parse(path, root: root, what: what, body) else { throw PartError(message: "工作簿缺少\(what)（\(path)）") }
    }

    /// `[Content_Types].xml`, which every Office file has: only checked to be there and whole.
    mutating func checkContentTypes() throws {
        try require("[Content_Types].xml", root: "Types", what: "内容类型表") { _ in }
    }

    /// The sheets as the workbook lists them: name and relationship id.
    mutating func sheets() throws -> [(name: String, id: String)] {
        var sheets: [(name: String, id: String)] = []
        try require("xl/workbook.xml", root: "workbook", what: "工作簿目录") { event in
            guard case .open("sheet", let a) = event else { return }
            sheets.append((a["name"] ?? "", a["r:id"] ?? a.first { $0.key.hasSuffix(":id") }?.value ?? ""))
        }
        guard !sheets.isEmpty else { throw PartError(message: "工作簿里没有工作表") }
        return sheets
    }

    /// The workbook's relationships: id → (type, part path).
    mutating func relationships() throws -> [String: (type: String, path: String)] {
        var found: [String: (type: String, path: String)] = [:]
        try require("xl/_rels/workbook.xml.rels", root: "Relationships", what: "工作簿关系表") { event in
            guard case .open("Relationship", let a) = event, let id = a["Id"], let target = a["Target"] else { return }
            found[id] = (a["Type"] ?? "", Self.partPath(target))
        }
        return found
    }

    /// A relationship's target as a part path: absolute (`/xl/…`) or relative to `xl/`.
    static func partPath(_ target: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : ["xl"]
        for p in target.split(separator: "/") {
            if p == ".." { if !parts.isEmpty { parts.removeLast() } } else if p != "." { parts.append(p) }
        }
        return parts.joined(separator: "/")
    }

    /// The shared strings, in order; none when the workbook has no such part.
    mutating func sharedStrings(_ path: String) throws -> [String] {
        var strings: [String] = []
        var inText = false, phonetic = 0
        _ = try parse(path, root: "sst", what: "共享字符串表") { event in
            switch event {
            case .open("si", _):
                guard strings.count < Self.maxSharedStrings else { throw PartError(message: "共享字符串超过\(Self.maxSharedStrings)条") }
                strings.append("")
            case .open("rPh", _): phonetic += 1
            case .close("rPh"): phonetic -= 1
            case .open("t", _): inText = phonetic == 0 && !strings.isEmpty
            case .close("t"): inText = false
            case .text(let t) where inText:
                strings[strings.count - 1] += t
                guard strings[strings.count - 1].utf8.count <= 4 * SheetRows.maxCellCharacters else {
                    throw PartError(message: "共享字符串第\(strings.count)条超过Excel的\(SheetRows.maxCellCharacters)个字符")
                }
            default: break
            }
        }
        return strings
    }

    /// Indexes of cell styles whose number format is a date; none when there is no style part.
    mutating func dateStyles(_ path: String) throws -> Set<Int> {
        var custom: [Int: String] = [:]
        var inCellXfs = false, index = 0
        var dates = Set<Int>()
        _ = try parse(path, root: "styleSheet", what: "样式表") { event in
            switch event {
            case .open("numFmt", let f):
                if let id = f["numFmtId"].flatMap({ Int($0) }), custom.count < Self.maxCellFormats { custom[id] = f["formatCode"] ?? "" }
            case .open("cellXfs", _): inCellXfs = true
            case .close("cellXfs"): inCellXfs = false
            case .open("xf", let a) where inCellXfs:
                guard index < Self.maxCellFormats else { throw PartError(message: "样式表的单元格格式超过\(Self.maxCellFormats)个") }
                if Self.isDate(Int(a["numFmtId"] ?? "0") ?? 0, custom) { dates.insert(index) }
                index += 1
            default: break
            }
        }
        return dates
    }

    /// Excel's built-in date formats, and custom ones that spell a year, a day or 年.
    static func isDate(_ id: Int, _ custom: [Int: String]) -> Bool {
        (14...22).contains(id) || (27...36).contains(id) || (50...58).contains(id)
            || custom[id].map { code in code.lowercased().contains("y") || code.contains("d") || code.contains("年") } == true
    }
}
