#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// End to end through the built binary, as a user runs it.
@Suite("huimin command line (the real binary)", .serialized)
struct CLITests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let binary: String? = {
        let candidates = [Repo.root + "/.build/debug/huimin"] +
            ((try? FileManager.default.contentsOfDirectory(atPath: Repo.root + "/.build")) ?? []).map { Repo.root + "/.build/\($0)/debug/huimin" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static func run(_ arguments: [String], cwd: String = Repo.root) throws -> Run {
        let path = try #require(binary, "build the binary first: swift build")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: cwd)
        var environment = ProcessInfo.processInfo.environment
        environment["HUIMIN_RULES"] = nil
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test("check prints the resident's text")
    func checkText() throws {
        let r = try Self.run(["check", "examples/households/h001.yaml", "--on", "2023-12-01"])
        #expect(r.status == 0)
        Repo.expectGolden(r.stdout, Repo.fixtures + "/explain/h001.txt")
    }

    @Test("check --format json prints the DESIGN §7 object")
    func checkJSON() throws {
        let r = try Self.run(["check", "examples/households/h001.yaml", "--on", "2023-12-01", "--format", "json"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["date"] as? String == "2023-12-01")
        #expect(json["household"] as? String == "H001")
        let decisions = try #require(json["decisions"] as? [[String: Any]])
        let dibao = try #require(decisions.first { $0["policy"] as? String == "dibao" })
        #expect(dibao["status"] as? String == "eligible")
        #expect(dibao["amount"] as? String == "1320.00")
        #expect((json["rules"] as? [String: Any])?["hash"] is String)
    }

    @Test("an ineligible result exits 0; --policy limits the output")
    func ineligibleExitsZero() throws {
        let r = try Self.run(["check", "examples/households/h001.yaml", "--on", "2023-12-01", "--policy", "gaoling", "--explain", "full"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("其他一项（高龄津贴）您家暂时不涉及。"))
        #expect(r.stdout.contains("✘ 高龄津贴（子女张某某）：不符合。"))
        #expect(!r.stdout.contains("最低生活保障"))
    }

    @Test("a bad household file exits 1 naming file, line, column and field, without the line itself")
    func badHousehold() throws {
        try Repo.withTemporaryDirectory("huimin-cli") { dir in
            let file = dir.appendingPathComponent("h.yaml").path
            try "id: H1\nregion: \"420102\"\nmembers:\n  - name: 王五\n    relation: head\n    id_number: \"420102198003150031\"\n".write(toFile: file, atomically: true, encoding: .utf8)
            let r = try Self.run(["check", file, "--on", "2023-12-01"])
            #expect(r.status == 1)
            #expect(r.stderr.contains("h.yaml:6:16: error[record.bad-value]: members[0].id_number"))
            #expect(!r.stderr.contains("420102198003150031"))
            #expect(!r.stderr.contains("王五"))
        }
    }

    @Test("usage mistakes exit 2")
    func usage() throws {
        #expect(try Self.run(["check"]).status == 2)
        #expect(try Self.run(["check", "examples/households/h001.yaml", "--on", "2023-02-30"]).status == 2)
        #expect(try Self.run(["check", "examples/households/h001.yaml", "--policy", "dibo"]).status == 2)
    }

    @Test("lint: clean rules exit 0; broken ones exit 1 with the golden diagnostics, also as JSON")
    func lint() throws {
        let clean = try Self.run(["lint", "rules"])
        #expect(clean.status == 0)
        #expect(clean.stdout.hasPrefix("rules: 0 errors"))
        let (root, _) = try DiagnosticGoldenTests.materialize("unknown-name-in-block")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let broken = try Self.run(["lint", "unknown-name-in-block"], cwd: root)
        #expect(broken.status == 1)
        let golden = try String(contentsOfFile: Repo.fixtures + "/lint/unknown-name-in-block/expected.txt", encoding: .utf8)
        #expect(broken.stdout.hasPrefix(golden))
        let json = try Self.run(["lint", "unknown-name-in-block", "--format", "json"], cwd: root)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let first = try #require((object["diagnostics"] as? [[String: Any]])?.first)
        #expect(first["id"] as? String == "expr.unknown-name")
        #expect((first["start"] as? [String: Any])?["line"] as? Int == 15)
        #expect((first["start"] as? [String: Any])?["column"] as? Int == 18)
    }

    @Test("test runs the bundled cases; a failed case shows expected, actual and the explanation")
    func cases() throws {
        let ok = try Self.run(["test"])
        #expect(ok.status == 0, "\(ok.stdout)")
        #expect(ok.stdout.hasSuffix(" 0 failed\n"))
        try Repo.withTemporaryDirectory("huimin-case") { dir in
            let file = dir.appendingPathComponent("wrong.yaml").path
            try """
                region: "420102"
                on: 2023-12-01
                cases:
                  - name: 故意写错的期望
                    household:
                      hukou_type: urban
                      members: [{ id: P1, relation: head, birth_date: 1944-03-05 }]
                    expect:
                      gaoling: { P1: eligible }
                """.write(toFile: file, atomically: true, encoding: .utf8)
            let failed = try Self.run(["test", file])
            #expect(failed.status == 1)
            #expect(failed.stdout.contains("gaoling[P1]: expected eligible, got ineligible"))
            #expect(failed.stdout.contains("── explanation ──"))
            #expect(failed.stdout.contains("将于2024年3月5日年满80周岁"))
            #expect(failed.stdout.hasSuffix("0 passed, 1 failed\n"))
        }
    }
}

@Suite("huimin screen through the binary", .serialized)
struct ScreenCLITests {
    @Test("an output interrupted half way leaves neither the file nor a partial one")
    func interrupted() throws {
        try Repo.withTemporaryDirectory("huimin-int") { dir in
            var roster = ScreeningTests.header
            for i in 0..<60_000 { roster += ScreeningTests.row("H\(i)", "P\(i)") }
            let path = dir.appendingPathComponent("big.csv").path
            try roster.write(toFile: path, atomically: true, encoding: .utf8)
            let out = dir.appendingPathComponent("out.csv").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(CLITests.binary))
            process.arguments = ["screen", path, "--on", "2023-12-01", "--out", out, "--jobs", "1"]
            process.currentDirectoryURL = URL(fileURLWithPath: Repo.root)
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait until the partial output exists, then interrupt.
            var partial: String?
            for _ in 0..<400 where partial == nil {
                usleep(10_000)
                partial = try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasPrefix("out.csv.partial") }
            }
            #expect(partial != nil, "the run finished before it could be interrupted")
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
            #expect(process.terminationStatus != 0)
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("out") }
            #expect(left == [], "left behind: \(left)")
        }
    }

    @Test("a roster given as its own output and cut off at the end: the run fails and the roster is still there, whole")
    func ownOutput() throws {
        try Repo.withTemporaryDirectory("huimin-own") { dir in
            var roster = ScreeningTests.header
            for i in 0..<60_000 { roster += ScreeningTests.row("H\(i)", "P\(i)") }
            // A quote that never closes, on the last row: found only at the end of the file.
            roster += "H60000,\"P60000\n"
            let path = dir.appendingPathComponent("roster.csv").path
            try roster.write(toFile: path, atomically: true, encoding: .utf8)
            let r = try CLITests.run(["screen", path, "--on", "2023-12-01", "--out", path, "--jobs", "1"])
            #expect(r.status != 0)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == roster)
        }
    }

    @Test("an output that is not a regular file (a pipe, /dev/null) is written to, not replaced")
    func pipeOutput() throws {
        try Repo.withTemporaryDirectory("huimin-fifo") { dir in
            let roster = dir.appendingPathComponent("roster.csv").path
            try (ScreeningTests.header + ScreeningTests.row("H1", "P1")).write(toFile: roster, atomically: true, encoding: .utf8)
            let fifo = dir.appendingPathComponent("out.fifo").path
            #expect(mkfifo(fifo, 0o600) == 0)
            // The reading end, opened first and without waiting, as `--out >(…)` would have it.
            let reading = open(fifo, O_RDONLY | O_NONBLOCK)
            #expect(reading >= 0)
            defer { close(reading) }
            let r = try CLITests.run(["screen", roster, "--on", "2023-12-01", "--policy", "dibao", "--out", fifo, "--rejects", dir.appendingPathComponent("rejects.csv").path])
            var bytes = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(reading, &bytes, bytes.count)
            let received = n > 0 ? String(decoding: bytes[..<n], as: UTF8.self) : ""
            #expect(r.status == 0, "\(r.stderr)")
            var info = stat()
            #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "the pipe was replaced by a file")
            #expect(received.hasPrefix("household_id,subject,policy,status,amount,unmet,missing\nH1,H1,dibao,"), "\(received)")
        }
    }

    @Test("screen writes results, rejects beside them and a JSON summary; exit 0")
    func files() throws {
        try Repo.withTemporaryDirectory("huimin-scr") { dir in
            let r = try CLITests.run(["screen", "examples/rosters/wuhan-sample.csv", "--on", "2023-12-01", "--out", dir.path + "/out.csv", "--summary", dir.path + "/summary.json", "--bom"])
            #expect(r.status == 0)
            #expect(r.stderr.contains("共7行：3户5人已判断，2行（1户）未能处理，核对无误"))
            let out = try Data(contentsOf: dir.appendingPathComponent("out.csv"))
            #expect(Array(out.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let rejects = try String(contentsOfFile: dir.path + "/out.rejects.csv", encoding: .utf8)
            #expect(rejects.contains("7,H003,出生日期"))
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("summary.json"))) as? [String: Any])
            #expect(summary["reconciled"] as? Bool == true)
            #expect(summary["rows"] as? Int == 7)
        }
    }

    /// The benchmark's rule set (bench/spec) reproduces the hand-computed fixtures of
    /// ../shared/bench (copied to Fixtures/bench), through its declared output layout.
    @Test("bench/spec: the SPEC.md output for the 27 boundary persons, exactly as computed by hand")
    func benchSpec() throws {
        try Repo.withTemporaryDirectory("huimin-spec") { dir in
            let r = try CLITests.run(["screen", Repo.fixtures + "/bench/edge_cases.csv", "--rules", "bench/spec", "--on", "2026-01-01", "--out", dir.path + "/out.csv"])
            #expect(r.status == 0, "\(r.stderr)")
            func table(_ text: String) -> [String: [String]] {
                let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
                let header = lines[0]
                let wanted = ["dibao_eligible", "dibao_amount", "gaoling_amount", "canji_shenghuo", "canji_huli"].map { header.firstIndex(of: $0)! }
                return Dictionary(uniqueKeysWithValues: lines.dropFirst().map { row in (row[0] + "/" + row[1], wanted.map { row[$0] }) })
            }
            let actual = table(try String(contentsOfFile: dir.path + "/out.csv", encoding: .utf8))
            let expected = table(try String(contentsOfFile: Repo.fixtures + "/bench/edge_cases.expected.csv", encoding: .utf8))
            #expect(expected.count == 27)
            for (key, values) in expected.sorted(by: { $0.key < $1.key }) {
                #expect(actual[key] == values, "\(key)")
            }
            #expect(actual.count == expected.count)
            // Reason codes: H0000003 has a per-capita income of exactly the standard.
            let out = try String(contentsOfFile: dir.path + "/out.csv", encoding: .utf8)
            #expect(out.contains("H0000003,P00000003,0,0,200,0,100,income\n"))
        }
    }

    @Test("screen --progress: the bar on stderr ends at the whole roster read, its rows and households")
    func progress() throws {
        try Repo.withTemporaryDirectory("huimin-progress") { dir in
            let r = try CLITests.run(["screen", "examples/rosters/wuhan-sample.csv", "--on", "2023-12-01", "--out", dir.path + "/out.csv", "--progress"])
            #expect(r.status == 0)
            // The last update: everything read, 7 rows, 4 households (3 decided, 1 rejected).
            let last = try #require(r.stderr.components(separatedBy: "\r\u{1B}[K").last { $0.contains("100%") })
            #expect(last.contains("100% 7行 4户 "), "\(last)")
            #expect(last.contains("行/秒"))
        }
    }

    @Test("screen --layout names the declared layouts when given an unknown one")
    func unknownLayout() throws {
        let r = try CLITests.run(["screen", Repo.fixtures + "/bench/edge_cases.csv", "--rules", "bench/spec", "--layout", "spek"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("no layout named `spek`; the layouts are: long, wide, spec (did you mean `spec`?)"))
    }

    @Test("gen-roster: exactly --persons rows, the same bytes for the same seed, and a roster screen reads without a reject")
    func genRoster() throws {
        try Repo.withTemporaryDirectory("huimin-gen") { dir in
            let a = dir.path + "/a.csv", b = dir.path + "/b.csv", c = dir.path + "/c.csv"
            for (path, seed) in [(a, "7"), (b, "7"), (c, "8")] {
                let r = try CLITests.run(["gen-roster", "--persons", "500", "--seed", seed, "--on", "2026-01-01", "--out", path])
                #expect(r.status == 0, "\(r.stderr)")
            }
            let first = try String(contentsOfFile: a, encoding: .utf8)
            #expect(first == (try String(contentsOfFile: b, encoding: .utf8)))
            #expect(first != (try String(contentsOfFile: c, encoding: .utf8)))
            #expect(first.split(separator: "\n").count == 501)
            #expect(first.hasPrefix("户编号,成员编号,与户主关系,户籍所在地区划代码,"))
            let r = try CLITests.run(["screen", a, "--on", "2026-01-01", "--out", dir.path + "/out.csv"])
            #expect(r.status == 0)
            #expect(r.stderr.contains("共500行："))
            #expect(r.stderr.contains("人已判断，0行（0户）未能处理，核对无误"))
        }
    }

    /// A copy of the bundled rules with 武汉 低保标准 (urban) raised from 940 to 1,000 from 2023-06-14.
    static func raisedStandard(in dir: URL) throws -> String {
        let copy = dir.appendingPathComponent("rules-new").path
        try FileManager.default.copyItem(atPath: Repo.rules, toPath: copy)
        let region = copy + "/regions/420100.yaml"
        let text = try String(contentsOfFile: region, encoding: .utf8)
        let raised = text.replacingOccurrences(of: "    - from: 2023-06-14\n      urban: 940", with: "    - from: 2023-06-14\n      urban: 1000")
        #expect(raised != text)
        try raised.write(toFile: region, atomically: true, encoding: .utf8)
        return copy
    }

    @Test("diff --base: the household whose 低保 rises, by how much and why; the cost per policy in the JSON summary")
    func diffRules() throws {
        try Repo.withTemporaryDirectory("huimin-diff") { dir in
            let new = try Self.raisedStandard(in: dir)
            let r = try CLITests.run(["diff", "examples/rosters/wuhan-sample.csv", "--base", "rules", "--rules", new, "--on", "2023-12-01",
                                      "--format", "csv", "--out", dir.path + "/diff.csv", "--summary", dir.path + "/summary.json"])
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try String(contentsOfFile: dir.path + "/diff.csv", encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(rows == [
                "household_id,subject,policy,change,base_status,new_status,base_amount,new_amount,delta,conditions,parameters",
                "H001,H001,dibao,amount_up,eligible,eligible,1320.00,1500.00,180.00,,\"dibao.standard：940元→1,000元\"",
            ])
            #expect(r.stderr.contains("最低生活保障                新增符合 0  不再符合 0  金额增加 1  金额减少 0  月支出 1,320元→1,500元（+180元）"))
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("summary.json"))) as? [String: Any])
            let dibao = try #require((summary["policies"] as? [[String: Any]])?.first { $0["policy"] as? String == "dibao" })
            #expect(dibao["monthly_change"] as? String == "180.00")
            #expect(dibao["amount_up"] as? Int == 1)
            #expect(summary["reconciled"] as? Bool == true)
        }
    }

    @Test("diff --vs-date: what changes on the day 武汉's 2023 standards take effect, text")
    func diffDates() throws {
        let r = try CLITests.run(["diff", "examples/rosters/wuhan-sample.csv", "--on", "2023-06-13", "--vs-date", "2023-06-14"])
        #expect(r.status == 0)
        #expect(r.stdout.split(separator: "\n").map(String.init) == [
            "H001  最低生活保障  金额增加  符合→符合  1,230元→1,320元（+90元）  因为 dibao.standard：910元→940元",
            "H004 P7  特困人员救助供养  金额增加  符合→符合  1,820元→1,880元（+60元）  因为 dibao.standard：910元→940元；tekun.standard：1,820元→1,880元",
        ])
        let bare = try CLITests.run(["diff", "examples/rosters/wuhan-sample.csv"])
        #expect(bare.status == 2)
        #expect(bare.stderr.contains("say what to compare"))
    }

    @Test("lint --cases warns about every policy no case checks (golden)")
    func lintPoliciesWithoutCases() throws {
        let r = try CLITests.run(["lint", "rules", "--cases", "cases/tekun.yaml", "--cases", "cases/wuhan-gaoling.yaml"])
        #expect(r.status == 0)
        Repo.expectGolden(r.stdout, Repo.fixtures + "/lint-cases/expected.txt")
        let all = try CLITests.run(["lint", "rules", "--cases", "cases"])
        #expect(all.stdout == "rules: 0 errors, 0 warnings (8 policies, 27 regions)\n")
    }
}
