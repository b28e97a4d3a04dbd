import Foundation
import Testing

/// Hostile workbooks through the real `huimin screen`: each ends in a located error in Chinese
/// (exit 1, no output under the final names, no partial file left) or a correct decision — never
/// a trap, a huge allocation, or a roster read as empty or as whole when it is not.
@Suite("hostile .xlsx rosters through the binary", .serialized)
struct XLSXHostileTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let file: String
        let status: Int32
        /// A fragment of stderr (an error) or of the rejects file (a decision).
        let message: String
        var testDescription: String { "\(file) → \(status) \(message)" }
    }

    static let repro = Repo.fixtures + "/repro/"
    static let hostile = Repo.fixtures + "/xlsx-hostile/"

    static let cases: [Case] = [
        // The reproducers of issue 20: each crashed the binary or misread the workbook.
        Case(file: repro + "roster-xlsx-shared-string-minus-1.xlsx", status: 1, message: "工作表“花名册”第90行C列：共享字符串编号不是非负整数"),
        Case(file: repro + "roster-xlsx-shared-string-999-read-as-empty.xlsx", status: 1, message: "工作表“花名册”第3行C列：共享字符串编号999不存在"),
        Case(file: repro + "roster-xlsx-column-14-letters.xlsx", status: 1, message: "第90行：单元格引用的列有14个字母"),
        Case(file: repro + "roster-xlsx-column-AAAAAAA.xlsx", status: 1, message: "第90行：单元格引用的列有7个字母"),
        Case(file: repro + "roster-xlsx-date-serial-1e20.xlsx", status: 0, message: "3,H1,出生日期,"),
        Case(file: repro + "roster-xlsx-date-serial-nan.xlsx", status: 0, message: "3,H1,出生日期,"),
        Case(file: repro + "roster-xlsx-zip-bomb-1GiB-sheet.xlsx", status: 1, message: "工作簿解压后过大：“xl/worksheets/sheet1.xml”由1043738字节解压为1025 MiB，压缩比超过100:1"),
        Case(file: repro + "roster-xlsx-money-13-digits.xlsx", status: 0, message: "2,H1,家庭金融资产合计,"),
        // The archive: bombs, a CRC that does not match, an entry longer than the file.
        Case(file: hostile + "bomb-64MiB.xlsx", status: 1, message: "工作簿解压后过大"),
        Case(file: hostile + "bomb-lying-size.xlsx", status: 1, message: "解压后比目录记载的大"),
        Case(file: hostile + "crc-mismatch.xlsx", status: 1, message: "“xl/worksheets/sheet1.xml”的校验和不符"),
        Case(file: hostile + "entry-past-file.xlsx", status: 1, message: "文件不完整（“xl/worksheets/sheet1.xml”被截断）"),
        // The parts: missing or not XML.
        Case(file: hostile + "sheet-random-bytes.xlsx", status: 1, message: "工作表“花名册”不是有效的XML"),
        Case(file: hostile + "sheet-random-text.xlsx", status: 1, message: "工作表“花名册”不是有效的XML"),
        Case(file: hostile + "sheet-cut-mid-tag.xlsx", status: 1, message: "工作表“花名册”不是有效的XML"),
        Case(file: hostile + "sheet-wrong-root.xlsx", status: 1, message: "根元素不是<worksheet>"),
        Case(file: hostile + "sheet-unpaired-tag.xlsx", status: 1, message: "结束标签</c>与<row>不配对"),
        Case(file: hostile + "entity-unknown.xlsx", status: 1, message: "无法识别的“&”"),
        Case(file: hostile + "sheet-missing.xlsx", status: 1, message: "工作簿中没有工作表“花名册”的数据"),
        Case(file: hostile + "no-content-types.xlsx", status: 1, message: "工作簿缺少内容类型表"),
        Case(file: hostile + "content-types-garbled.xlsx", status: 1, message: "内容类型表不是有效的XML"),
        Case(file: hostile + "no-workbook.xlsx", status: 1, message: "工作簿缺少工作簿目录"),
        Case(file: hostile + "workbook-garbled.xlsx", status: 1, message: "工作簿目录不是有效的XML"),
        Case(file: hostile + "no-workbook-rels.xlsx", status: 1, message: "工作簿缺少工作簿关系表"),
        Case(file: hostile + "shared-strings-garbled.xlsx", status: 1, message: "共享字符串表不是有效的XML"),
        // Rows and cells outside Excel's bounds or order.
        Case(file: hostile + "row-decreasing.xlsx", status: 1, message: "第1行：行号不是递增的"),
        Case(file: hostile + "row-past-excel.xlsx", status: 1, message: "行号不在Excel的1至1048576行之内"),
        Case(file: hostile + "cell-in-other-row.xlsx", status: 1, message: "第3行C列：单元格引用的行号与所在的第3行不符"),
        Case(file: hostile + "cell-past-XFD.xlsx", status: 1, message: "超过Excel的最后一列XFD"),
        Case(file: hostile + "cell-too-long.xlsx", status: 1, message: "第3行B列：单元格的文字超过Excel的32767个字符"),
        // Good workbooks: no rows at all; a row without its trailing empty cells; shared strings.
        Case(file: hostile + "sheet-no-rows.xlsx", status: 0, message: ""),
        Case(file: hostile + "row-short.xlsx", status: 0, message: ""),
        Case(file: hostile + "shared-strings.xlsx", status: 0, message: ""),
    ]

    /// Cell values of the workbooks, none of which an error may quote.
    static let values = ["户主", "配偶", "420102", "有具备履行能力的义务人", "xxxxxxxx", "9300000000000"]

    struct Outcome {
        let run: CLITests.Run
        let rejects: String
        let results: String
        let left: [String]
    }

    /// Screens `file` into a fresh folder and says what the run left there.
    static func screen(_ file: String) throws -> Outcome {
        try Repo.withTemporaryDirectory("huimin-xlsx-hostile") { dir in
            let out = dir.appendingPathComponent("out.csv").path
            let run = try CLITests.run(["screen", file, "--on", "2023-12-01", "--out", out])
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            let rejects = (try? String(contentsOfFile: dir.appendingPathComponent("out.rejects.csv").path, encoding: .utf8)) ?? ""
            return Outcome(run: run, rejects: rejects, results: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "", left: left)
        }
    }

    @Test("each hostile workbook ends in a located error or a correct decision", arguments: cases)
    func hostile(_ c: Case) throws {
        let o = try Self.screen(c.file)
        #expect(o.run.status == c.status, "\(o.run.stderr.suffix(600))")
        #expect(!o.left.contains { $0.contains(".partial") }, "left behind: \(o.left)")
        if c.status == 0 {
            #expect(o.left == ["out.csv", "out.rejects.csv"])
            #expect(c.message.isEmpty || o.rejects.contains(c.message), "\(o.rejects)")
            #expect(!o.rejects.contains("列，表头有"), "a row read short: \(o.rejects)")
        } else {
            #expect(o.left == [], "a failed run leaves no outputs: \(o.left)")
            #expect(o.run.stderr.contains("error: \(c.file): "), "the file is named")
            #expect(o.run.stderr.contains(c.message), "\(o.run.stderr.suffix(600))")
            for v in Self.values { #expect(!o.run.stderr.contains(v), "a cell's value is quoted: \(v)") }
        }
    }

    @Test("good workbooks decide as the inline-string workbook does")
    func decisions() throws {
        let plain = try Self.screen(Repo.fixtures + "/rosters/openpyxl.xlsx")
        #expect(plain.results.contains("H1,H1,dibao,eligible,1380.00"))
        #expect(try Self.screen(Self.hostile + "shared-strings.xlsx").results == plain.results)
        // Row 3 without its last cell (正在享受的政策): the same decisions, that cell unknown.
        let short = try Self.screen(Self.hostile + "row-short.xlsx")
        #expect(short.results.contains("H1,H1,dibao,eligible,1380.00") && short.rejects.split(separator: "\n").count == 1)
        #expect(try Self.screen(Self.hostile + "sheet-no-rows.xlsx").run.stderr.contains("共0行"))
    }

    @Test("a workbook cut anywhere is refused, never screened as whole")
    func truncated() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Repo.fixtures + "/rosters/openpyxl.xlsx"))
        try Repo.withTemporaryDirectory("huimin-xlsx-cut") { dir in
            let cuts = [1, 2, 21, 22, 23, 100, 1000, whole.count / 2] + stride(from: 0, to: whole.count - 1, by: 997).map { whole.count - 1 - $0 }
            for cut in Set(cuts).sorted() where cut < whole.count {
                let path = dir.appendingPathComponent("cut-\(cut).xlsx").path
                try whole.prefix(whole.count - cut).write(to: URL(fileURLWithPath: path))
                let o = try Self.screen(path)
                #expect(o.run.status == 1, "cut \(cut) bytes short: \(o.run.stderr.suffix(300))")
                #expect(o.run.stderr.contains("文件不完整"), "cut \(cut): \(o.run.stderr.suffix(300))")
                #expect(o.left == [])
            }
        }
    }

    @Test("the 1 GiB bomb is refused in little memory")
    func bombMemory() throws {
        let time = "/usr/bin/time"
        guard FileManager.default.isExecutableFile(atPath: time), let binary = CLITests.binary else { return }
        try Repo.withTemporaryDirectory("huimin-xlsx-bomb") { dir in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: time)
            process.arguments = ["-f", "maxrss=%M", binary, "screen", Self.repro + "roster-xlsx-zip-bomb-1GiB-sheet.xlsx", "--on", "2023-12-01", "--out", dir.appendingPathComponent("o.csv").path]
            process.currentDirectoryURL = URL(fileURLWithPath: Repo.root)
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let kb = text.split(separator: "maxrss=").last.flatMap { Int($0.prefix { $0.isNumber }) } ?? .max
            #expect(kb < 100_000, "peak RSS \(kb) KB")
        }
    }
}
