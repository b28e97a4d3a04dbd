#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The real huimin-server against hostile clients and hostile rule files: slow bodies, too many
/// uploads at once, rules the compiler cannot survive, personal data in paths and bodies, and
/// every reproducer that once stopped the server. After each, the server still answers /healthz.
@Suite("huimin-server under hostile input (the real binary)", .serialized)
struct ServerHostileTests {
    typealias Reply = ServerTests.HTTPReply
    static let h001 = ServerTests.h001
    static let repro = Repo.fixtures + "/repro"

    @Test("a body trickled a byte at a time is cut off at --body-timeout with 408, and the server goes on")
    func bodyDeadline() throws {
        let server = try HostileServer(["--body-timeout", "2"])
        for (target, type) in [("/v1/check", "application/json"), ("/v1/screen?on=2023-12-01", "text/csv")] {
            let started = Date()
            let c = try RawConnection(port: server.port)
            try c.send("POST \(target) HTTP/1.1\r\nHost: x\r\nContent-Type: \(type)\r\nContent-Length: 4000\r\n\r\n")
            let reply = c.trickle(byte: 0x20, every: 0.4, upTo: 12)
            let elapsed = Date().timeIntervalSince(started)
            #expect(reply.status == 408, "\(target): \(reply.text.prefix(200))")
            #expect(reply.errorCode == "request.timeout")
            #expect(reply.text.contains("秒内传完"))
            #expect(elapsed < 8, "\(target): the answer came after \(elapsed) s")
            #expect(try server.request("GET", "/healthz").status == 200)
        }
        // A body that arrives in time is not touched by the deadline.
        #expect(try server.request("POST", "/v1/check?on=2023-12-01", type: "application/json", body: Self.h001).status == 200)
    }

    @Test("uploads held at once are capped by --max-upload-total-mib: 503 with Retry-After, and room again once one ends")
    func uploadBudget() throws {
        let server = try HostileServer(["--max-upload-total-mib", "1", "--body-timeout", "20"])
        let size = 700 << 10
        // One upload announced and begun, then held: its 700 KiB are counted.
        let holder = try RawConnection(port: server.port)
        try holder.send("POST /v1/screen HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: \(size)\r\n\r\nhousehold_id")
        // Its head must be read before the next one's, or the next one is the holder.
        usleep(1_000_000)
        let csv = [UInt8](repeating: 0x41, count: size)
        // On a busy machine, even a second may not be enough: ask again for a while.
        var refused = try server.request("POST", "/v1/screen", type: "text/csv", body: csv)
        for _ in 0..<20 where refused.status != 503 {
            usleep(200_000)
            refused = try server.request("POST", "/v1/screen", type: "text/csv", body: csv)
        }
        #expect(refused.status == 503)
        #expect(refused.errorCode == "server.busy")
        #expect(refused.headers["retry-after"] == "5")
        #expect(refused.text.contains("上限"))
        // Without a length announced, the bytes are counted as they come.
        let chunk = [UInt8](repeating: 0x41, count: 0x10000)
        var chunked: [UInt8] = []
        for _ in 0..<8 { chunked += Array("10000\r\n".utf8) + chunk + Array("\r\n".utf8) }
        chunked += Array("0\r\n\r\n".utf8)
        let refusedChunked = try Reply.send(port: server.port, method: "POST", target: "/v1/screen", type: "text/csv", body: chunked, headers: ["Transfer-Encoding: chunked"])
        #expect(refusedChunked.status == 503)
        // The held upload goes away; its share is given back.
        holder.close()
        let sample = try Array(Data(contentsOf: URL(fileURLWithPath: Repo.root + "/examples/rosters/wuhan-sample.csv")))
        var after = try server.request("POST", "/v1/screen?on=2023-12-01", type: "text/csv", body: sample)
        for _ in 0..<20 where after.status == 503 {
            usleep(200_000)
            after = try server.request("POST", "/v1/screen?on=2023-12-01", type: "text/csv", body: sample)
        }
        #expect(after.status == 200)
        #expect(try server.request("GET", "/healthz").status == 200)
    }

    /// Rule files the compiler once could not survive (a trap or a stack overflow), each put in
    /// place of (or beside) a good file.
    static let badRules: [(fixture: String, into: String)] = [
        ("rules-long-and-chain/policies/zz.yaml", "policies/zz.yaml"),
        ("rules-money-literal/policies/zz.yaml", "policies/zz.yaml"),
        ("rules-region-13-digits/regions/420100.yaml", "regions/420100.yaml"),
    ]

    @Test("a reload that fails in any way (errors, a trap, a stack overflow) leaves the old rules serving", arguments: badRules)
    func failedReload(fixture: String, into: String) throws {
        let server = try HostileServer(["--watch-interval", "0"])
        let hash0 = try #require(try server.health()["hash"] as? String)
        let target = server.rules.appendingPathComponent(into)
        let original = try? Data(contentsOf: target)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(atPath: Self.repro + "/" + fixture, toPath: target.path)
        kill(server.process.processIdentifier, SIGHUP)
        let last = try server.waitForReload()
        #expect(last["loaded"] as? Bool == false, "\(fixture)")
        #expect((last["message"] as? String)?.hasPrefix("规则重新加载失败") == true, "\(last)")
        #expect(try server.health()["hash"] as? String == hash0)
        let check = try server.request("POST", "/v1/check?on=2023-12-01&policy=dibao&explain=none", type: "application/json", body: Self.h001)
        #expect(check.status == 200)
        #expect((check.json["decisions"] as? [[String: Any]])?.first?["amount"] as? String == "1320.00")
        // A crash report of the check child, if there was one, holds no registers or memory.
        #expect(!server.logText.contains("Registers:"))
        #expect(!server.logText.contains("Images ("))

        // Put right, and loaded again on SIGHUP.
        try FileManager.default.removeItem(at: target)
        if let original { try original.write(to: target) }
        kill(server.process.processIdentifier, SIGHUP)
        let again = try server.waitForReload(after: last["at"] as? Int ?? 0)
        #expect(again["loaded"] as? Bool == true)
    }

    @Test("the log names the route, never an ID number in the path, the query, or a name in the body")
    func privateLog() throws {
        let server = try HostileServer()
        let secrets = ["110101199003071233", "测试甲乙", "13800138000"]
        _ = try server.request("GET", "/v1/policies/110101199003071233?region=420102&phone=13800138000")
        _ = try server.request("GET", "/v1/policies/dibao?region=110101199003071233&on=2023-12-01")
        _ = try server.request("GET", "/assets/110101199003071233.js")
        _ = try server.request("GET", "/110101199003071233")
        _ = try server.request("PUT", "/v1/policies/110101199003071233")
        let named = #"{"id": "H1", "region": "420102", "members": [{"id": "P1", "name": "测试甲乙", "relation": "测试甲乙", "phone": "13800138000"}]}"#
        let refused = try server.request("POST", "/v1/check?on=2023-12-01", type: "application/json", body: Array(named.utf8))
        #expect(refused.status == 422)
        usleep(100_000)
        let log = server.logText
        #expect(log.contains("GET /v1/policies/{id} 404"))
        #expect(log.contains("POST /v1/check 422"))
        for secret in secrets { #expect(!log.contains(secret), "the log holds \(secret)") }
        #expect(!log.contains("region="))
    }

    @Test("errors do not echo a value that could be personal: not in 404s, 405s or 400s")
    func privateErrors() throws {
        let server = try HostileServer()
        for target in ["/v1/policies/110101199003071233?region=420102", "/v1/policies/dibao?region=110101199003071233",
                       "/v1/policies/dibao?region=420102&on=110101199003071233", "/110101199003071233", "/v1/check?policy=110101199003071233"] {
            let r = try server.request(target.hasPrefix("/v1/check") ? "POST" : "GET", target, type: "application/json", body: Self.h001)
            #expect(r.status >= 400 && r.status < 500, "\(target)")
            #expect(!r.text.contains("110101199003071233"), "\(target): \(r.text)")
        }
        // A roster without a header: its first row's cells are not quoted back.
        let headless = "H1,H1P1,测试甲乙,110101199003071233,户主\n"
        let r = try server.request("POST", "/v1/screen?on=2023-12-01", type: "text/csv", body: Array(headless.utf8))
        #expect(r.status == 422)
        #expect(r.errorCode == "roster.unreadable")
        for secret in ["测试甲乙", "110101199003071233"] { #expect(!r.text.contains(secret), "\(r.text)") }
    }

    @Test("a 422 for a household does not quote a name put in the wrong field (needs the decoder's privacy fix)")
    func private422() throws {
        let server = try HostileServer()
        let named = #"{"id": "H1", "region": "420102", "members": [{"id": "P1", "relation": "测试甲乙", "sex": "110101199003071233"}]}"#
        let r = try server.request("POST", "/v1/check?on=2023-12-01", type: "application/json", body: Array(named.utf8))
        #expect(r.status == 422)
        for secret in ["测试甲乙", "110101199003071233"] { #expect(!r.text.contains(secret), "\(r.text)") }
    }

    @Test("uploads live in a private folder of the server's own; a killed server's leftovers are removed at start-up")
    func privateUploads() throws {
        try Repo.withTemporaryDirectory("huimin-spool") { tmp in
            let base = tmp.appendingPathComponent("huimin-server-\(getuid())")
            // A folder of a process that no longer runs, with a result file in it.
            let dead = Process()
            dead.executableURL = URL(fileURLWithPath: "/bin/true")
            try dead.run()
            dead.waitUntilExit()
            try FileManager.default.createDirectory(at: base.appendingPathComponent("\(dead.processIdentifier)-abcdef"), withIntermediateDirectories: true)
            try Data("H1,测试甲乙\n".utf8).write(to: base.appendingPathComponent("\(dead.processIdentifier)-abcdef/results.csv"))
            let server = try HostileServer(environment: ["TMPDIR": tmp.path])
            #expect(try FileManager.default.contentsOfDirectory(atPath: base.path).isEmpty, "a dead server's folder is left")
            let mode = try FileManager.default.attributesOfItem(atPath: base.path)[.posixPermissions] as? Int
            #expect(mode == 0o700)

            // A screening that ends leaves nothing behind.
            let sample = try Array(Data(contentsOf: URL(fileURLWithPath: Repo.root + "/examples/rosters/wuhan-sample.csv")))
            #expect(try server.request("POST", "/v1/screen?on=2023-12-01", type: "text/csv", body: sample).status == 200)
            #expect(try FileManager.default.contentsOfDirectory(atPath: base.path).isEmpty, "a screening's folder is left")

            // A roster being screened has no name on disk; killed mid-screen, nothing of it stays readable.
            let roster = try CLITests.run(["gen-roster", "--persons", "20000", "--on", "2023-12-01"])
            let csv = Array(roster.stdout.utf8)
            let port = server.port
            Thread.detachNewThread { _ = try? Reply.send(port: port, method: "POST", target: "/v1/screen?on=2023-12-01", type: "text/csv", body: csv) }
            var sawFolder = false
            for _ in 0..<100 where !sawFolder {
                usleep(20_000)
                for folder in (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? [] {
                    sawFolder = true
                    for name in (try? FileManager.default.contentsOfDirectory(atPath: base.path + "/" + folder)) ?? [] where name.hasPrefix("roster") {
                        let link = try? FileManager.default.destinationOfSymbolicLink(atPath: base.path + "/" + folder + "/" + name)
                        #expect(link?.hasPrefix("/proc/self/fd/") == true, "the roster is a file with a name: \(name)")
                    }
                }
            }
            #expect(sawFolder)
            kill(server.process.processIdentifier, SIGKILL)
            server.process.waitUntilExit()
            let firstRow = String(roster.stdout.split(separator: "\n")[1].split(separator: ",")[2])
            for path in FileManager.default.subpaths(atPath: base.path) ?? [] {
                guard let bytes = FileManager.default.contents(atPath: base.path + "/" + path) else { continue }
                #expect(!String(decoding: bytes, as: UTF8.self).contains(firstRow), "\(path) holds the roster")
            }
            _ = try HostileServer(environment: ["TMPDIR": tmp.path])
            #expect(try FileManager.default.contentsOfDirectory(atPath: base.path).isEmpty, "the killed server's folder is left")
        }
    }

    @Test("a crash report carries no registers or memory: huimin-server direct and through huimin serve")
    func crashReport() throws {
        let server = try #require(ServerTests.binary)
        let cli = try #require(CLITests.binary)
        for argv in [[server, "--port", "0"], [cli, "serve", "--port", "0"]] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: argv[0])
            p.arguments = Array(argv.dropFirst()) + ["--rules", Repo.rules]
            var env = ProcessInfo.processInfo.environment
            env["SWIFT_BACKTRACE"] = nil
            env["HUIMIN_SERVER_TEST_TRAP"] = "1"
            p.environment = env
            let errors = Pipe()
            p.standardError = errors
            p.standardOutput = errors
            try p.run()
            // A server that does not trap would serve for ever: give it 30 seconds.
            for _ in 0..<300 where p.isRunning { usleep(100_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationReason == .uncaughtSignal, "\(argv[1])")
            #expect(text.contains("Program crashed"), "\(argv[1]): no crash report: \(text.prefix(300))")
            #expect(!text.contains("Registers:"), "\(argv[1])")
            #expect(!text.contains("Images ("), "\(argv[1])")
            #expect(text.components(separatedBy: "\nThread ").count == 2, "\(argv[1]): the frames of every thread, not the crashed one's")
        }
    }

    // MARK: Every reproducer that stopped the server, through the server

    @Test("a date part of 20 digits in `on` is a 400, and the server goes on")
    func hugeDateParameter() throws {
        let server = try HostileServer()
        let r = try server.request("GET", "/v1/policies/dibao?region=420102&on=2023-1-99999999999999999999")
        #expect(r.status == 400)
        #expect(r.errorCode == "request.bad-parameter")
        #expect(try server.request("GET", "/healthz").status == 200)
    }

    /// Households and rosters that once stopped the server: (fixture, route, media type).
    static let hostileBodies: [(String, String, String)] = [
        ("household-deposits-13-digits.yaml", "/v1/check?on=2023-12-01", "application/yaml"),
        ("household-date-20-digit-day.json", "/v1/check?on=2023-12-01", "application/json"),
        ("roster-deposits-13-digits.csv", "/v1/screen?on=2023-12-01", "text/csv"),
        ("roster-xlsx-shared-string-minus-1.xlsx", "/v1/screen?on=2023-12-01", RosterUploadType.xlsx),
        ("roster-xlsx-zip-bomb-1GiB-sheet.xlsx", "/v1/screen?on=2023-12-01", RosterUploadType.xlsx),
    ]

    @Test("a reproducer that stopped the server ends in an answer (a decision or a located error), and /healthz after", arguments: hostileBodies)
    func hostileBody(fixture: String, target: String, type: String) throws {
        let server = try HostileServer()
        let body = try Array(Data(contentsOf: URL(fileURLWithPath: Self.repro + "/" + fixture)))
        let r = try? server.request("POST", target, type: type, body: body)
        #expect(r != nil, "\(fixture): no answer (the server died)")
        if let r {
            #expect([200, 422].contains(r.status), "\(fixture): \(r.status) \(r.text.prefix(300))")
            for secret in ["测试甲乙", "110101199003071233"] { #expect(!r.text.contains(secret) || r.status == 200, "\(fixture) quotes \(secret)") }
        }
        #expect((try? server.request("GET", "/healthz").status) == 200, "\(fixture): the server does not answer after it")
    }
}

enum RosterUploadType {
    static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}
