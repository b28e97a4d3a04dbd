import Foundation
@testable import RosterScreening
import Testing

@Suite("A run's outputs as one set")
struct OutputSetTests {
    /// What is under the three names after a run: the new set, the old set, or nothing.
    enum Left: Sendable { case new, old, nothing }
    static let names = ["o.csv", "o.rejects.csv", "s.json"]

    /// Whether bytes are written to results before the end, and whether the set is committed.
    static let table: [(written: Bool, committed: Bool, left: Left)] = [
        (true, true, .new),
        (false, true, .new),
        // Failed once under way: none of the old run's files, which could be taken for this run's.
        (true, false, .nothing),
        // Failed before a byte was written (a header that cannot be used): the old set stays.
        (false, false, .old),
    ]

    @Test("the old rejects and summary go with the old results once the run writes; a failure leaves a whole set or none", arguments: table)
    func replace(_ written: Bool, _ committed: Bool, _ left: Left) throws {
        try Repo.withTemporaryDirectory("huimin-set") { dir in
            let paths = Self.names.map { dir.appendingPathComponent($0).path }
            for p in paths { #expect(FileManager.default.createFile(atPath: p, contents: Data("old\n".utf8))) }
            let files = try paths.map { try OutputFile(path: $0, otherwise: 1, directFrom: 1 << 20) }
            let set = try OutputSet(results: files[0], rejects: files[1], summary: files[2])
            let big = (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 % 251) }
            // Written to the results only: the old rejects and summary go too (the `.nothing` row).
            if written { #expect(files[0].write(contentsOf: big)) }
            if committed {
                if !written { #expect(files[0].write(contentsOf: big)) }
                #expect(files[1].write(contentsOf: Array("new\n".utf8)))
                #expect(files[2].write(contentsOf: Array("{}\n".utf8)))
                #expect(set.commit())
            } else {
                set.discard()
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            switch left {
            case .new:
                #expect(FileManager.default.contents(atPath: paths[0]).map(Array.init) == big)
                #expect(FileManager.default.contents(atPath: paths[2]) == Data("{}\n".utf8))
            case .old:
                for p in paths { #expect(FileManager.default.contents(atPath: p) == Data("old\n".utf8)) }
            case .nothing: break
            }
            #expect(names == (left == .nothing ? [] : Self.names.sorted()), "left behind: \(names)")
        }
    }

    @Test("two outputs under one name are refused, and leave no temporary")
    func samePath() throws {
        try Repo.withTemporaryDirectory("huimin-same") { dir in
            let a = try OutputFile(path: dir.path + "/o.csv", otherwise: 1)
            let b = try OutputFile(path: dir.path + "/./o.csv", otherwise: 2)
            #expect(throws: OutputSet.SamePathError.self) { try OutputSet(results: a, rejects: b, summary: nil) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [])
        }
    }
}

@Suite("Temporaries of dead runs")
struct StaleTemporaryTests {
    /// A process id that was a process a moment ago and is none now.
    static func deadProcessID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    @Test("opening an output removes its own dead runs' temporaries, and nothing else")
    func removed() throws {
        try Repo.withTemporaryDirectory("huimin-stale") { dir in
            let dead = try Self.deadProcessID()
            #expect(kill(dead, 0) == -1 && errno == ESRCH)
            // The name, and whether it is a dead run's temporary of `o.csv`.
            let cases: [(String, Bool)] = [
                ("o.csv.partial-\(dead)", true),
                ("o.csv.partial-1", false),  // init: alive
                ("o.csv.partial-\(getppid())", false),  // this process's parent: alive
                ("o.csv.partial-0\(dead)", false),  // not how a run names it
                ("o.csv.partial-\(dead)x", false),
                ("o.csv.partial-", false),
                ("o.csv.partial-99999999999", false),  // past pid_t
                ("x.o.csv.partial-\(dead)", false),  // another output's
                ("o.rejects.csv.partial-\(dead)", false),  // another output's, removed when that one is opened
                ("locked.csv", false),  // see below
            ]
            for (name, _) in cases { #expect(FileManager.default.createFile(atPath: dir.path + "/" + name, contents: Data("x".utf8))) }
            // A temporary with a dead number whose lock a live process holds (a run in another
            // PID namespace) stays.
            let lockedName = "o.csv.partial-\(dead == Int32.max ? dead - 1 : dead + 1)"
            let locked = open(dir.path + "/" + lockedName, O_WRONLY | O_CREAT, 0o644)
            defer { close(locked) }
            #expect(flock(locked, LOCK_EX) == 0)
            let deadToo = kill(dead + 1, 0) == -1 && errno == ESRCH
            let file = try OutputFile(path: dir.path + "/o.csv", otherwise: 1)
            file.discard()
            let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
            for (name, stale) in cases { #expect(left.contains(name) != stale, "\(name)") }
            if deadToo { #expect(left.contains(lockedName), "a locked temporary was removed") }
        }
    }

    @Test("process ids in temporaries' names", arguments: [("123", 123 as Int32?), ("1", 1), ("0", nil), ("012", nil), ("-5", nil), ("+5", nil), ("12a", nil), ("", nil), ("2147483647", 2_147_483_647), ("2147483648", nil)])
    func processID(_ text: String, _ expected: Int32?) {
        #expect(StaleTemporaries.processID(text) == expected)
    }
}
