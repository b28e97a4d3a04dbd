#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The real huimin-server over loopback: started on a free port with its own copy of the rules,
/// spoken to over a plain socket, reloaded, fed bad requests, and stopped with SIGTERM.
@Suite("huimin serve over loopback (the real binary)", .serialized)
struct ServerTests {
    /// Runs a server process with its stderr collected into `log`, and waits (20 ms a look, at
    /// most `attempts` looks) for its first line naming the port; the port, or a failure with the log.
    static func launch(_ process: Process, errors: Pipe, log: Locked<Data>, attempts: Int) throws -> Int {
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            log.update { $0.append(data) }
        }
        try process.run()
        var found: Int?
        var text = ""
        for _ in 0..<attempts where found == nil {
            usleep(20_000)
            text = String(decoding: log.value, as: UTF8.self)
            if let range = text.range(of: #"huimin serve: http://127\.0\.0\.1:(\d+)/"#, options: .regularExpression) {
                found = Int(text[range].split(separator: ":").last!.dropLast())
            }
        }
        return try #require(found, "the server did not start: \(text)")
    }

    /// A running server and the folder of rules it serves.
    final class Server {
        let process = Process()
        let rules: URL
        let port: Int
        private let errors = Pipe()
        private let log = Locked(Data())

        init(extraArguments: [String] = []) throws {
            let binary = try #require(ServerTests.binary, "build the server first: swift build")
            rules = FileManager.default.temporaryDirectory.appendingPathComponent("huimin-serve-\(UUID().uuidString)")
            try FileManager.default.copyItem(at: URL(fileURLWithPath: Repo.rules), to: rules)
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--port", "0", "--rules", rules.path, "--watch-interval", "0.2", "--max-body-kib", "64"] + extraArguments
            port = try ServerTests.launch(process, errors: errors, log: log, attempts: 300)
        }

        var logText: String { String(decoding: log.value, as: UTF8.self) }

        func stop() -> Int32 {
            if process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(at: rules)
            return process.terminationStatus
        }

        deinit { _ = stop() }

        func request(_ method: String, _ target: String, type: String? = nil, body: [UInt8] = [], headers: [String] = []) throws -> HTTPReply {
            try HTTPReply.send(port: port, method: method, target: target, type: type, body: body, headers: headers)
        }

        /// Waits until the served rules' hash is not `hash` (or the time runs out).
        func waitForHash(other hash: String) throws -> String {
            for _ in 0..<100 {
                let now = try health()["hash"] as? String ?? hash
                if now != hash { return now }
                usleep(50_000)
            }
            return hash
        }

        func health() throws -> [String: Any] {
            try #require(try request("GET", "/healthz").json["rules"] as? [String: Any])
        }
    }

    struct HTTPReply {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }

        /// One request on its own connection, HTTP/1.1, read to the end.
        static func send(port: Int, method: String, target: String, type: String?, body: [UInt8], headers: [String] = []) throws -> HTTPReply {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(fd >= 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            try #require(connected == 0, "cannot connect to 127.0.0.1:\(port)")
            var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            if let type { head += "Content-Type: \(type)\r\n" }
            let chunked = headers.contains { $0.lowercased().hasPrefix("transfer-encoding") }
            if !chunked, !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
            for h in headers { head += h + "\r\n" }
            let bytes = Array((head + "\r\n").utf8) + body
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }  // the server may answer (413) and close before taking it all
                sent += n
            }
            var reply: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = Glibc.recv(fd, &buffer, buffer.count, 0)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                reply += buffer[0..<n]
            }
            guard let split = reply.indices.first(where: { reply[$0...].starts(with: [13, 10, 13, 10]) }) else {
                throw HTTPError(description: "no HTTP answer: \(String(decoding: reply, as: UTF8.self))")
            }
            let lines = String(decoding: reply[..<split], as: UTF8.self).components(separatedBy: "\r\n")
            let status = Int(lines[0].split(separator: " ")[1]) ?? 0
            var fields: [String: String] = [:]
            for line in lines.dropFirst() {
                if let colon = line.firstIndex(of: ":") {
                    fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            var payload = Array(reply[(split + 4)...])
            if fields["transfer-encoding"] == "chunked" { payload = dechunk(payload) }
            return HTTPReply(status: status, headers: fields, body: payload)
        }

        static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = [], i = 0
            while i < bytes.count {
                guard let end = bytes[i...].indices.first(where: { bytes[$0...].starts(with: [13, 10]) }),
                    let size = Int(String(decoding: bytes[i..<end], as: UTF8.self), radix: 16), size > 0
                else { break }
                out += bytes[(end + 2)..<min(end + 2 + size, bytes.count)]
                i = end + 2 + size + 2
            }
            return out
        }
    }

    struct HTTPError: Error, CustomStringConvertible { let description: String }

    static let binary: String? = CLITests.binary.map { ($0 as NSString).deletingLastPathComponent + "/huimin-server" }
        .flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }

    static let h001 = try! Array(Data(contentsOf: URL(fileURLWithPath: Repo.root + "/examples/households/h001.json")))

    @Test("check, bad requests of every kind, and the server still answers after each")
    func endToEnd() throws {
        let server = try Server()
        let ok = try server.request("POST", "/v1/check?on=2023-12-01", type: "application/json", body: Self.h001)
        #expect(ok.status == 200)
        #expect(ok.headers["content-type"] == "application/json; charset=utf-8")
        let dibao = (ok.json["decisions"] as? [[String: Any]])?.first { $0["policy"] as? String == "dibao" }
        #expect(dibao?["amount"] as? String == "1320.00")

        let bad: [(String, String, String?, [UInt8], Int, String)] = [
            ("POST", "/v1/check", "application/json", Array(#"{"id": "H1", "members": [{"#.utf8), 400, "request.malformed-json"),
            ("POST", "/v1/check", "application/json", Array(#"{"id": "H1", "region": "420102", "colour": "red", "members": [{"id": "P1", "relation": "head"}]}"#.utf8), 422, "record.invalid"),
            ("POST", "/v1/check", "application/json", [UInt8](repeating: 0x20, count: 200 << 10), 413, "request.too-large"),
            ("POST", "/v1/check", "application/json", [0xFF, 0xFE, 0x00, 0x7B], 400, "request.malformed-json"),
            ("PUT", "/v1/check", "application/json", Array("{}".utf8), 405, "route.method-not-allowed"),
            ("GET", "/v1/policies/nope?region=420102", nil, [], 404, "policy.not-found"),
            ("GET", "/%ff%fe", nil, [], 404, "route.not-found"),
        ]
        for (method, target, type, body, status, code) in bad {
            let r = try server.request(method, target, type: type, body: body)
            #expect(r.status == status, "\(method) \(target)")
            #expect(r.errorCode == code, "\(method) \(target): \(r.text.prefix(200))")
            #expect(try server.request("GET", "/healthz").status == 200, "still up after \(method) \(target)")
        }
        // An oversize body sent in chunks, with no length announced, is cut off at the limit too.
        let chunked = Array("10000\r\n".utf8) + [UInt8](repeating: 0x20, count: 0x10000) + Array("\r\n10000\r\n".utf8) + [UInt8](repeating: 0x20, count: 0x10000) + Array("\r\n0\r\n\r\n".utf8)
        let big = try HTTPReply.send(port: server.port, method: "POST", target: "/v1/check", type: "application/json", body: chunked, headers: ["Transfer-Encoding: chunked"])
        #expect(big.status == 413)
        #expect(try server.request("GET", "/healthz").status == 200)
    }

    @Test("the page and the OpenAPI document come from huimin itself, with a content security policy")
    func page() throws {
        let server = try Server()
        let page = try server.request("GET", "/")
        #expect(page.status == 200)
        #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
        #expect(page.headers["x-content-type-options"] == "nosniff")
        #expect(try server.request("GET", "/assets/app.js").status == 200)
        #expect(try server.request("GET", "/openapi.yaml").text.contains("/v1/check:"))
    }

    @Test("rules reload on SIGHUP and when a file changes; rules with errors are not loaded and the old ones keep serving")
    func reload() throws {
        let server = try Server()
        let dibao = server.rules.appendingPathComponent("regions/420100.yaml")
        let original = try String(contentsOf: dibao, encoding: .utf8)
        let hash0 = try #require(try server.health()["hash"] as? String)
        func amount() throws -> String? {
            let r = try server.request("POST", "/v1/check?on=2023-12-01&policy=dibao&explain=none", type: "application/json", body: Self.h001)
            return (r.json["decisions"] as? [[String: Any]])?.first?["amount"] as? String
        }
        #expect(try amount() == "1320.00")

        // A file saved with a new standard: picked up by the watcher.
        let raised = original.replacingOccurrences(of: "urban: 940", with: "urban: 1000")
        try #require(raised != original, "the fixture's 940 standard moved; update this test")
        try raised.write(to: dibao, atomically: true, encoding: .utf8)
        let hash1 = try server.waitForHash(other: hash0)
        #expect(hash1 != hash0)
        #expect(try amount() == "1500.00")

        // A broken file: not loaded, the last good rules go on answering, and the health says so.
        try (raised + "\n  broken: [unclosed\n").write(to: dibao, atomically: true, encoding: .utf8)
        var last: [String: Any] = [:]
        for _ in 0..<100 {
            last = try server.health()["last_reload"] as? [String: Any] ?? [:]
            if last["loaded"] as? Bool == false { break }
            usleep(50_000)
        }
        #expect(last["loaded"] as? Bool == false)
        #expect((last["errors"] as? Int ?? 0) > 0)
        #expect(try server.health()["hash"] as? String == hash1)
        #expect(try amount() == "1500.00")

        // Fixed by hand and reloaded on SIGHUP.
        try original.write(to: dibao, atomically: true, encoding: .utf8)
        kill(server.process.processIdentifier, SIGHUP)
        #expect(try server.waitForHash(other: hash1) == hash0)
        #expect(try amount() == "1320.00")
        #expect(server.logText.contains("the new rules were not loaded"))
    }

    @Test("logs name the route, status and time, never what was sent; SIGTERM stops it cleanly")
    func logsAndShutdown() throws {
        let server = try Server()
        _ = try server.request("POST", "/v1/check?on=2023-12-01&reveal=true", type: "application/json", body: Self.h001)
        _ = try server.request("POST", "/v1/check", type: "application/json", body: Array(#"{"id": "H1", "region": "420102", "members": [{"id": "P1", "name": "王小二", "relation": "hed"}]}"#.utf8))
        let csv = try Array(Data(contentsOf: URL(fileURLWithPath: Repo.root + "/examples/rosters/wuhan-sample.csv")))
        let screened = try server.request("POST", "/v1/screen?on=2023-12-01", type: "text/csv", body: csv)
        #expect(screened.status == 200)
        #expect((screened.json["summary"] as? [String: Any])?["reconciled"] as? Bool == true)
        usleep(100_000)
        let log = server.logText
        #expect(log.contains("POST /v1/check 200"))
        #expect(log.contains("POST /v1/check 422"))
        #expect(log.contains("POST /v1/screen 200"))
        for secret in ["张建国", "王小二", "420102198003150032", "李秀英"] {
            #expect(!log.contains(secret), "the log holds \(secret)")
        }
        #expect(server.stop() == 0)
    }

    @Test("SIGTERM while a roster is being screened: the answer still arrives whole, then the server exits 0")
    func gracefulShutdown() throws {
        let server = try Server()
        let roster = try CLITests.run(["gen-roster", "--persons", "20000", "--on", "2023-12-01"])
        try #require(roster.status == 0)
        let csv = Array(roster.stdout.utf8)
        let reply = Locked<HTTPReply?>(nil)
        let done = DispatchSemaphore(value: 0)
        let port = server.port
        Thread.detachNewThread {
            let answer = try? HTTPReply.send(port: port, method: "POST", target: "/v1/screen?on=2023-12-01&format=csv", type: "text/csv", body: csv)
            reply.update { $0 = answer }
            done.signal()
        }
        // Give the upload time to arrive; screening 20,000 persons in a debug build takes longer.
        usleep(400_000)
        kill(server.process.processIdentifier, SIGTERM)
        done.wait()
        let r = try #require(reply.value, "no answer")
        #expect(r.status == 200)
        #expect(r.headers["x-huimin-rows"] == "20000")
        // Whole: the same rows `huimin screen` writes for the same roster.
        let rosterFile = server.rules.appendingPathComponent("roster.csv").path
        try roster.stdout.write(toFile: rosterFile, atomically: true, encoding: .utf8)
        let cli = try CLITests.run(["screen", rosterFile, "--on", "2023-12-01"])
        #expect(r.text.split(separator: "\n").count == cli.stdout.split(separator: "\n").count)
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(server.logText.contains("stopping: finishing the requests in flight"))
    }

    /// A value shared with a reading thread.
    final class Locked<Value>: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Value
        init(_ value: Value) { stored = value }
        func update(_ change: (inout Value) -> Void) { lock.lock(); change(&stored); lock.unlock() }
        var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    }
}
