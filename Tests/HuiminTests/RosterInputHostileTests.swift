import Foundation
import PolicyExpr
@testable import RosterScreening
import SourceDiagnostics
import Testing
@testable import YAMLSource

/// Hostile roster input (issue 20, items 3 and 9): a file cut off after its last line break,
/// text in another encoding, ids that differ only in bytes that are not UTF-8, lone CR line
/// breaks. Through the real binary, each roster screened by the batch path and by
/// `--row-by-row`, which must write the same bytes.
@Suite("hostile roster input (the real binary)", .serialized)
struct RosterInputHostileTests {
    /// The binary under test: `HUIMIN_TEST_BINARY` (an older build, to see a test fail), or the build's.
    static var binary: String? { ProcessInfo.processInfo.environment["HUIMIN_TEST_BINARY"] ?? CLITests.binary }
    static let repro = Repo.fixtures + "/repro/"

    /// What one `huimin screen` run left: its status, stderr, and the output and rejects files.
    struct Screened: Equatable {
        var status: Int32
        var stderr: String
        var output: [UInt8]?
        var rejects: [UInt8]?

        var rejectRows: [[String]] {
            String(decoding: rejects ?? [], as: UTF8.self).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false).map(String.init) }
        }
        var outputText: String { String(decoding: output ?? [], as: UTF8.self) }
    }

    static func screen(_ roster: String, _ extra: [String], rowByRow: Bool) throws -> Screened {
        let path = try #require(binary, "build the binary first: swift build")
        return try Repo.withTemporaryDirectory("huimin-hostile") { dir in
            let out = dir.appendingPathComponent("out.csv").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["screen", roster, "--on", "2023-12-01", "--rules", Repo.rules, "--out", out] + extra + (rowByRow ? ["--row-by-row"] : [])
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let e = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let read = { (p: String) in FileManager.default.contents(atPath: p).map { Array($0) } }
            return Screened(status: process.terminationStatus, stderr: String(decoding: e, as: UTF8.self),
                            output: read(out), rejects: read(dir.appendingPathComponent("out.rejects.csv").path))
        }
    }

    /// Screens `roster` both ways; they must leave the same bytes. Returns the batch path's run.
    static func screenBothWays(_ roster: String, _ extra: [String] = [], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Screened {
        let batch = try screen(roster, extra, rowByRow: false)
        let rows = try screen(roster, extra, rowByRow: true)
        #expect(batch.status == rows.status, "exit status", sourceLocation: sourceLocation)
        #expect(batch.output == rows.output, "results differ between the batch path and --row-by-row", sourceLocation: sourceLocation)
        #expect(batch.rejects == rows.rejects, "rejects differ between the batch path and --row-by-row", sourceLocation: sourceLocation)
        #expect(batch.stderr == rows.stderr, sourceLocation: sourceLocation)
        return batch
    }

    /// A roster to screen, with what must come of it.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// A fixture in Fixtures/repro, or bytes written to a file named `file`.
        var file: String
        var bytes: [UInt8]? = nil
        var extra: [String] = []
        var status: Int32 = 0
        /// (row, words in its reason): rejects that must be there; `rejectCount` counts them all.
        var rejects: [(row: Int, words: String)] = []
        var rejectCount: Int? = nil
        /// Text the results must hold, and must not.
        var present: [String] = []
        var absent: [String] = []
        /// Words stderr must hold.
        var stderr: [String] = []
        var testDescription: String { name }
    }

    static let header = "household_id,person_id,relation,birth_date,region,hukou_type,deposits,houses,vehicles,vehicle_disability_aid,in_prison,missing_declared,lives_together,able_to_work,student,disability_grade,obligor_status,receiving,income_wage"
    static func row(_ h: String, _ p: String, _ relation: String = "head", wage: String = "1500") -> String {
        "\(h),\(p),\(relation),1980-03-07,420102,urban,0,1,0,false,false,false,true,true,none,0,capable,,\(wage)"
    }

    /// A UTF-8 roster of `households` households, then `tail` (text not UTF-8 may go there).
    static func bigRoster(households: Int, tail: [UInt8]) -> [UInt8] {
        var text = header + "\n"
        for h in 0..<households { text += row("H\(100000 + h)", "P\(h)", wage: "1500") + ",张三\n" }
        return Array(text.replacingOccurrences(of: "income_wage\n", with: "income_wage,name\n").utf8) + tail
    }

    static let cutOff = "文件最后一行没有换行符，可能不完整"

    static let cases: [Case] = [
        Case(name: "the repro: a roster two bytes short refuses its last household, not 15元 of wage",
             file: "roster-truncated-mid-number.csv", rejects: [(3, cutOff)], rejectCount: 1,
             present: ["H1,H1,dibao,ineligible"], absent: ["H2,", "925.00"], stderr: ["核对无误"]),
        Case(name: "--file-complete reads the last row as it is", file: "roster-truncated-mid-number.csv",
             extra: ["--file-complete"], rejectCount: 0, present: ["H2,H2,dibao,eligible,925.00"]),
        Case(name: "every row of a last household of two is refused", file: "two.csv",
             bytes: Array((header + "\n" + row("H1", "P1") + "\n" + row("H2", "P2") + "\n" + row("H2", "P3", "spouse", wage: "15")).utf8),
             rejects: [(3, "同户第4行是文件最后一行"), (4, cutOff)], rejectCount: 2, present: ["H1,H1,dibao"], absent: ["H2,"]),
        Case(name: "a last row in quotes with no line break is refused too (the row parser's path)", file: "quoted.csv",
             bytes: Array((header + "\n" + row("H1", "P1") + "\n" + row("\"H2\"", "P2", wage: "15")).utf8),
             rejects: [(3, cutOff)], rejectCount: 1, absent: ["H2,"]),
        Case(name: "Excel's CRLF at the end is a whole file", file: "excel.csv",
             bytes: Array((header + "\r\n" + row("H1", "P1") + "\r\n" + row("H2", "P2") + "\r\n").utf8),
             rejectCount: 0, present: ["H2,H2,dibao"]),
        Case(name: "a lone CR at the end is a line break", file: "cr.csv",
             bytes: Array((header + "\r" + row("H1", "P1") + "\r" + row("H2", "P2") + "\r").utf8),
             rejectCount: 0, present: ["H2,H2,dibao"]),
        Case(name: "the repro: a GB18030 row in a small UTF-8 file is refused with its row number", file: "roster-gb18030-row-in-utf8.csv",
             extra: ["--file-complete"], rejects: [(4, "第4行不是UTF-8编码（可能混入了GB18030/GBK文字）")], rejectCount: 1,
             present: ["H1,H1,dibao", "H3,H3,dibao"], absent: ["H2,"]),
        Case(name: "a GB18030 row past 64 KB and past the first 1 MiB read is refused, not read as U+FFFD", file: "big.csv",
             bytes: bigRoster(households: 16_000, tail: Array("H2,P2,head,1980-03-07,420102,urban,0,1,0,false,false,false,true,true,none,0,capable,,1500,".utf8) + [0xD5, 0xC5, 0xC8, 0xFD, 0x0A]),
             rejects: [(16_002, "第16002行不是UTF-8编码")], rejectCount: 1, absent: ["H2,"]),
        Case(name: "ids that differ only in bytes that are not UTF-8: the same households both ways", file: "roster-ids-differ-in-invalid-utf8.csv",
             status: 0, rejects: [(2, "不是UTF-8编码"), (3, "户编号为空"), (4, "同一户的行不相邻")], rejectCount: 3),
        Case(name: "the fuzzer's roster: a header that is not UTF-8 stops the run, the same both ways", file: "roster-batch-vs-row-rejects-differ.csv",
             status: 1, stderr: ["the header (line 1) is not UTF-8"]),
        Case(name: "a JSONL roster's last line with no line break is refused", file: "r.jsonl",
             bytes: Array(#"{"id": "H1", "region": "420102", "hukou_type": "urban", "members": [{"id": "P1", "relation": "head"}]}"#.utf8),
             rejects: [(1, cutOff)], rejectCount: 1),
        Case(name: "a JSONL line that is not UTF-8 is refused with its line", file: "bad.jsonl",
             bytes: Array(#"{"id": "H1", "region": "420102", "members": [{"id": "P1", "name": ""#.utf8) + [0xD5, 0xC5] + Array("\"}]}\n".utf8),
             rejects: [(1, "第1行不是UTF-8编码")], rejectCount: 1),
    ]

    @Test("hostile rosters: located rejects, the same bytes from the batch path and --row-by-row", arguments: cases)
    func hostile(_ c: Case) throws {
        try Repo.withTemporaryDirectory("huimin-hostile-roster") { dir in
            var roster = Self.repro + c.file
            if let bytes = c.bytes {
                roster = dir.appendingPathComponent(c.file).path
                try Data(bytes).write(to: URL(fileURLWithPath: roster))
            }
            let r = try Self.screenBothWays(roster, c.extra)
            #expect(r.status == c.status, "\(r.stderr)")
            for words in c.stderr { #expect(r.stderr.contains(words), "stderr: \(r.stderr)") }
            guard c.status == 0 else {
                #expect(r.output == nil, "a failed run leaves no results")
                return
            }
            let rejects = r.rejectRows
            for (row, words) in c.rejects {
                #expect(rejects.contains { $0.first == String(row) && $0.last!.contains(words) }, "row \(row): \(words) in \(rejects)")
            }
            if let n = c.rejectCount { #expect(rejects.count == n, "\(rejects)") }
            for text in c.present { #expect(r.outputText.contains(text), "\(text)") }
            for text in c.absent { #expect(!r.outputText.contains(text), "\(text)") }
            #expect(!r.outputText.contains("\u{FFFD}") && !r.stderr.contains("\u{FFFD}"))
        }
    }

    @Test("the repro: an error in a YAML household with lone CR line breaks is located at its line")
    func loneCR() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.binary))
        process.arguments = ["check", Self.repro + "household-cr-only-line-ends.yaml", "--on", "2023-12-01", "--rules", Repo.rules]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(stderr.contains("household-cr-only-line-ends.yaml:24:15: error[record.bad-value]"), "\(stderr)")
    }
}

/// The same rules without the binary: chunk edges inside characters, the encoding decided after
/// ASCII, lines and columns with every kind of line break, and the two JSON readers' spans.
@Suite("hostile roster input (in process)")
struct RosterInputChunkTests {
    static let header = RosterInputHostileTests.header + ",name\n"
    static func row(_ h: String, _ p: String, name: String) -> String { RosterInputHostileTests.row(h, p) + ",\(name)\n" }

    /// Screens `bytes` reading `chunk` bytes at a time, by the batch path or row by row.
    static func screen(_ bytes: [UInt8], chunk: Int, batch: Bool) throws -> (encoding: String?, output: String, rejects: String) {
        try Repo.withTemporaryDirectory("huimin-hostile-chunks") { dir in
            let roster = dir.appendingPathComponent("roster.csv").path
            try Data(bytes).write(to: URL(fileURLWithPath: roster))
            var job = ScreeningJob(roster: roster)
            job.output = dir.appendingPathComponent("out.csv").path
            job.chunkSize = chunk
            job.batchEvaluation = batch
            let summary = try? job.run(rules: Repo.bundledRules, date: Day(parsing: "2023-12-01")!).get()
            let read = { (p: String) in (try? String(contentsOfFile: dir.appendingPathComponent(p).path, encoding: .utf8)) ?? "" }
            return (summary?.encoding, read("out.csv"), read("out.rejects.csv"))
        }
    }

    /// (name, the roster, its encoding, rows refused)
    static let table: [(String, [UInt8], String, [Int])] = {
        let names = ["张三", "李秀英", "𠀀𠀁", "é", "欧阳娜娜"]
        var text = header
        for i in 0..<60 { text += row("H\(1000 + i)", "P\(i)", name: names[i % names.count]) }
        let utf8 = Array(text.utf8)
        let gb = ScreeningTests.iconv(text, to: "GB18030")!
        let asciiThenGB = ScreeningTests.iconv(header + (0..<200).map { row("H\(1000 + $0)", "P\($0)", name: "Zhang") }.joined() + row("H9999", "P9999", name: "张三"), to: "GB18030")!
        var mixed = utf8
        mixed += Array("H9999,P9,head,1980-03-07,420102,urban,0,1,0,false,false,false,true,true,none,0,capable,,1500,".utf8) + [0xD5, 0xC5, 0x0A]
        mixed += Array(row("H9998", "P8", name: "王五").utf8)
        return [
            ("UTF-8 Chinese cut across chunks is read whole", utf8, "utf8", []),
            ("a whole GB18030 file is still GB18030", gb, "gb18030", []),
            ("a GB18030 file whose first chunks are ASCII is decided where its Chinese starts", asciiThenGB, "gb18030", []),
            ("a GB18030 row in a UTF-8 file is refused, the rows after it read", mixed, "utf8", [62]),
        ]
    }()

    @Test("chunk edges and the encoding: the same output for every chunk size and both paths", arguments: table.indices)
    func chunks(_ i: Int) throws {
        let (_, bytes, encoding, refused) = Self.table[i]
        let reference = try Self.screen(bytes, chunk: 1 << 20, batch: false)
        #expect(reference.encoding == encoding)
        #expect(!reference.output.contains("\u{FFFD}"))
        let rows = reference.rejects.split(separator: "\n").dropFirst().compactMap { Int($0.prefix { $0 != "," }) }
        #expect(rows == refused, "\(reference.rejects)")
        for chunk in [3, 5, 7, 64, 4096] {
            for batch in [true, false] {
                let r = try Self.screen(bytes, chunk: chunk, batch: batch)
                #expect(r.encoding == encoding && r.output == reference.output && r.rejects == reference.rejects, "chunk \(chunk), batch \(batch)")
            }
        }
    }

    @Test("UTF-8 is validated as Swift decodes it", arguments: [
        ([0x41, 0xE4, 0xB8, 0xAD], true), ([0xC0, 0x80], false), ([0xE0, 0x80, 0x80], false), ([0xED, 0xA0, 0x80], false),
        ([0xF4, 0x90, 0x80, 0x80], false), ([0xF0, 0x90, 0x80, 0x80], true), ([0xE4, 0xB8], false), ([0xFF], false),
        (Array("0123456789abcdef中".utf8), true), (Array("0123456789abcdef".utf8) + [0x80], false),
    ] as [([UInt8], Bool)])
    func validation(_ bytes: [UInt8], _ valid: Bool) {
        #expect(UTF8Validation.isValid(bytes) == valid)
        #expect(UTF8Validation.isValid(bytes) == (String(validating: bytes, as: UTF8.self) != nil))
    }

    @Test("lines and columns with LF, CR LF, lone CR, NEL, LS and PS, as libyaml counts them", arguments: [
        ("a\nb", 2), ("a\r\nb", 2), ("a\rb", 2), ("a\r\rb", 3), ("a\u{85}b", 2), ("a\u{2028}b", 2), ("a\u{2029}b", 2), ("a\r\n\nb", 3),
    ])
    func lines(_ text: String, _ line: Int) {
        let file = SourceFile(path: "x", text: text)
        let at = text.utf8.count - 1
        let location = file.location(of: at)
        #expect(location.line == line && location.column == 1)
        #expect(file.lineText(line) == "b")
        #expect(file.lineText(1) == "a")
        #expect(file.offset(line: line, characterColumn: 0) == at)
    }

    /// The tree with each node's span, as `JSONReaderTests` dumps it.
    func dump(_ node: YAMLNode?) -> String {
        guard let node else { return "nil" }
        let at = "@\(node.span.start)-\(node.span.end)"
        switch node.content {
        case .scalar(let s, let style): return "\(s.debugDescription) \(style)\(at)"
        case .sequence(let items): return "[" + items.map(dump).joined(separator: ", ") + "]\(at)"
        case .mapping(let pairs): return "{" + pairs.map { dump($0.key) + ": " + dump($0.value) }.joined(separator: ", ") + "}\(at)"
        }
    }

    /// The fuzzer's body (its first byte chose the harness), and others with lone CRs.
    static let bodies: [[UInt8]] = [
        Array(FileManager.default.contents(atPath: RosterInputHostileTests.repro + "fuzz-api-json-reader-vs-libyaml-cr.bin")!.dropFirst()),
        Array("{\r\r\r}".utf8), Array("{\r\"a\":\r1,\r\"b\": [\r\"x\"\r]}\r".utf8), Array("[\r\n1,\r2\n,\r\r3]".utf8),
        Array("{\"名\": \"张三\",\r\"a\": {\r}}".utf8),
        Array("{\"a\": \"p\u{2028}q\", \"c\": \"t\u{2029}u\",\r\"d\": 1}".utf8),
    ]

    @Test("the direct JSON reader and libyaml give the same spans for bodies with lone CRs", arguments: bodies.indices)
    func jsonSpans(_ i: Int) throws {
        let file = SourceFile(path: "body.json", bytes: Self.bodies[i])
        let direct = try #require(JSONReader(file: file, limits: .init()).read())
        let (viaYAML, problems) = YAMLParser(file: file).parse(readingJSONDirectly: false)
        #expect(problems.isEmpty)
        #expect(dump(direct) == dump(viaYAML))
    }

    @Test("a string with a raw NEL is left to libyaml, which folds it (the readers would differ)")
    func nel() {
        let file = SourceFile(path: "body.json", text: "{\"a\": \"r\u{85}s\"}")
        #expect(JSONReader(file: file, limits: .init()).read() == nil)
        #expect(dump(YAMLParser(file: file).parse().root) == dump(YAMLParser(file: file).parse(readingJSONDirectly: false).root))
    }
}
