import Foundation
import Testing

/// `kill -9` at random moments of a screen, through the real binary: whatever the moment, the
/// folder holds no file of an older run beside a newer run's, and the next run leaves no
/// temporary of a dead run behind.
@Suite("huimin screen killed at random moments", .serialized)
struct KillTests {
    /// 100,000 persons, not the 1,000,000 of the issue: the tests run the debug binary, which
    /// screens about 20,000 persons a second on a shared 2-core machine (1M took 115 s a run),
    /// and this test makes seven runs. The files' lifecycle does not depend on the roster's
    /// size: at 100k the results pass 4 MB (`DirectOutput.from`, past the page cache), the
    /// removal of the old files runs on its thread, and a run lasts seconds, so the kills land
    /// while reading, screening, writing and committing alike.
    static let persons = 100_000
    static let kills = 5
    /// Each run screens one of these policy sets, and alternates `--bom`: the results of two
    /// runs differ in their rows per household and their first bytes, so files of two runs
    /// found together do not pass for one set.
    static let policySets = [["dibao"], ["dibao", "gaoling"], ["tekun"]]

    /// The outputs of one run, by name; `names` in the order the set is committed.
    static let names = (rejects: "o.rejects.csv", results: "o.csv", summary: "s.json")

    @Test("kill -9 at five seeded moments, then a normal run: one consistent set, no temporaries")
    func killedRuns() throws {
        try Repo.withTemporaryDirectory("huimin-kill") { dir in
            let roster = try Self.roster(in: dir)
            var random = SplitMix(seed: 20_261_202)
            // A normal run first: an older set to be replaced, and how long a run takes here.
            let started = Date()
            #expect(try Self.start(roster, dir, run: 0).finish() == 0)
            let duration = Date().timeIntervalSince(started)
            try Self.expectConsistent(dir, after: "the first run")
            var killed = 0, leftTemporaries = 0
            for k in 1...Self.kills {
                let run = try Self.start(roster, dir, run: k)
                // Most moments inside the run; a few near or past its end, where it commits.
                let moment = duration * (0.05 + 1.0 * random.unit())
                usleep(useconds_t(moment * 1_000_000))
                if kill(run.process.processIdentifier, SIGKILL) == 0 { killed += 1 }
                run.process.waitUntilExit()
                let partials = try Self.partials(dir)
                leftTemporaries += partials.count
                #expect(partials.allSatisfy { $0.hasSuffix("-\(run.process.processIdentifier)") },
                        "temporaries of an earlier dead run survived kill \(k): \(partials)")
                try Self.expectConsistent(dir, after: "kill \(k) at \(String(format: "%.2f", moment)) s")
            }
            #expect(try Self.start(roster, dir, run: Self.kills + 1).finish() == 0)
            #expect(try Self.partials(dir) == [], "the last run left temporaries")
            try Self.expectConsistent(dir, after: "the last run")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(Self.names.summary).path), "the last run left no summary")
            #expect(killed >= 3, "only \(killed) of \(Self.kills) runs were still running when killed")
            #expect(leftTemporaries > 0, "no kill left a temporary: the removal of dead runs' temporaries went untested")
        }
    }

    /// `kill -9` exactly at the first, second or third rename of the commit (strace stops the
    /// process on entering the call): the window that random moments almost never hit.
    @Test("kill -9 at each rename of the commit: the first outputs of the order, all of the killed run", arguments: 1...3)
    func killedAtRename(_ n: Int) throws {
        try Repo.withTemporaryDirectory("huimin-rename") { dir in
            let roster = Repo.root + "/examples/rosters/wuhan-sample.csv"
            // An older set (run 0: no byte-order mark, dibao), then the killed run 1 (with one).
            #expect(try Self.start(roster, dir, run: 0).finish() == 0)
            let strace = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename", "-e", "inject=rename:signal=SIGKILL:when=\(n)"]
            let killed = try Self.start(roster, dir, run: 1, through: strace)
            killed.process.waitUntilExit()
            #expect(killed.process.terminationReason == .uncaughtSignal && killed.process.terminationStatus == SIGKILL,
                    "not killed at rename \(n) (is strace installed and allowed? scripts/ensure-deps installs it)")
            let order = [Self.names.rejects, Self.names.results, Self.names.summary]
            let present = order.map { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) }
            #expect(present == order.indices.map { $0 < n - 1 }, "killed at rename \(n): \(present)")
            // What is there is the killed run's: its rejects and results start with a byte-order mark.
            for name in order.prefix(2) where FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path) {
                #expect(try Data(contentsOf: dir.appendingPathComponent(name)).starts(with: [0xEF, 0xBB, 0xBF]), "\(name) is not the killed run's")
            }
            #expect(try Self.partials(dir).count == 3 - (n - 1))
            #expect(try Self.start(roster, dir, run: 2).finish() == 0)
            #expect(try Self.partials(dir) == [])
            try Self.expectConsistent(dir, after: "the run after the kill at rename \(n)", rejected: 2)
        }
    }

    /// The generated roster, with three rows whose 家庭金融资产合计 is no amount: every run has
    /// rejects to write.
    static func roster(in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("roster.csv").path
        let gen = try CLITests.run(["gen-roster", "--persons", String(persons), "--on", "2023-12-01", "--out", path])
        #expect(gen.status == 0, "\(gen.stderr)")
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        let head = try #require(String(decoding: try handle.read(upToCount: 8192) ?? Data(), as: UTF8.self).split(separator: "\n").dropFirst().first)
        var fields = head.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var bad = ""
        for i in 1...3 {
            (fields[0], fields[1], fields[2], fields[5]) = ("HX\(i)", "PX\(i)", "户主", "不详")
            bad += fields.joined(separator: ",") + "\n"
        }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bad.utf8))
        return path
    }

    struct Run {
        let process: Process
        func finish() -> Int32 {
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// Run `run` of a series: its policy set and `--bom` by its number; `through`, a command
    /// that runs the binary (strace).
    static func start(_ roster: String, _ dir: URL, run: Int, through: [String] = []) throws -> Run {
        let binary = try #require(CLITests.binary, "build the binary first: swift build")
        let arguments = ["screen", roster, "--on", "2023-12-01", "--out", dir.appendingPathComponent(names.results).path,
                         "--summary", dir.appendingPathComponent(names.summary).path]
            + policySets[run % policySets.count].flatMap { ["--policy", $0] } + (run % 2 == 1 ? ["--bom"] : [])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: through.isEmpty ? binary : "/usr/bin/env")
        process.arguments = through.isEmpty ? arguments : through + [binary] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: Repo.root)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return Run(process: process)
    }

    static func partials(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".partial") }.sorted()
    }

    /// What a kill may leave: the first outputs in the order of the commit (rejects, results,
    /// summary), all from one run — the results' rows are the summary's decisions, the rejects'
    /// rows its rejected rows, and results and rejects agree on the byte-order mark.
    static func expectConsistent(_ dir: URL, after moment: String, rejected: Int = 3, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let order = [names.rejects, names.results, names.summary]
        let present = order.map { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) }
        let prefix = present.prefix { $0 }.count
        #expect(present.dropFirst(prefix).allSatisfy { !$0 }, "after \(moment): \(present) is not a set committed in order", sourceLocation: sourceLocation)
        guard prefix >= 2 else { return }
        let rejects = try Data(contentsOf: dir.appendingPathComponent(names.rejects))
        let results = try Data(contentsOf: dir.appendingPathComponent(names.results))
        let bom = Data([0xEF, 0xBB, 0xBF])
        #expect(rejects.starts(with: bom) == results.starts(with: bom), "after \(moment): rejects and results of two runs", sourceLocation: sourceLocation)
        guard prefix == 3 else { return }
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(names.summary))) as? [String: Any])
        let decisions = (summary["policies"] as? [[String: Any]] ?? []).reduce(0) { total, p in
            total + ["eligible", "ineligible", "undetermined"].reduce(0) { $0 + (p[$1] as? Int ?? 0) }
        }
        #expect(decisions > 0 && decisions == lines(results) - 1, "after \(moment): the summary is not the results' run", sourceLocation: sourceLocation)
        #expect(summary["rejected_rows"] as? Int == rejected && lines(rejects) - 1 == rejected, "after \(moment): the rejects are not the summary's run", sourceLocation: sourceLocation)
        #expect(summary["reconciled"] as? Bool == true, sourceLocation: sourceLocation)
    }

    /// Line feeds in a file, by `memchr` (a byte loop in a debug build takes seconds for 20 MB).
    static func lines(_ data: Data) -> Int {
        data.withUnsafeBytes { raw in
            guard var at = raw.baseAddress else { return 0 }
            let end = at + raw.count
            var count = 0
            while at < end, let lf = memchr(at, 10, end - at) {
                count += 1
                at = UnsafeRawPointer(lf) + 1
            }
            return count
        }
    }
}

/// A small seeded generator (SplitMix64): the same moments on every machine.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
