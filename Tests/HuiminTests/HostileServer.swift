#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// huimin-server started for one hostile test: on a free port, its own copy of the rules, an
/// address-space limit (4 GiB) so that a regression that allocates without bound fails the test
/// instead of the machine, and its stderr (the log) collected.
final class HostileServer {
    let process = Process()
    let rules: URL
    let port: Int
    private let errors = Pipe()
    private let log = ServerTests.Locked(Data())

    init(_ arguments: [String] = [], environment: [String: String] = [:]) throws {
        let binary = try #require(ServerTests.binary, "build the server first: swift build")
        rules = FileManager.default.temporaryDirectory.appendingPathComponent("huimin-hostile-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Repo.rules), to: rules)
        let argv = [binary, "--port", "0", "--rules", rules.path, "--watch-interval", "0.2"] + arguments
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v 4194304; exec \"$@\"", "sh"] + argv
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        port = try ServerTests.launch(process, errors: errors, log: log, attempts: 500)
    }

    var logText: String { String(decoding: log.value, as: UTF8.self) }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: rules)
    }

    func request(_ method: String, _ target: String, type: String? = nil, body: [UInt8] = [], headers: [String] = []) throws -> ServerTests.HTTPReply {
        try ServerTests.HTTPReply.send(port: port, method: method, target: target, type: type, body: body, headers: headers)
    }

    func health() throws -> [String: Any] {
        try #require(try request("GET", "/healthz").json["rules"] as? [String: Any])
    }

    /// The last reload's report once one newer than `after` is there (a check child that crashes
    /// takes seconds: its crash report is written first).
    func waitForReload(after: Int = 0) throws -> [String: Any] {
        var last: [String: Any] = [:]
        for _ in 0..<600 {
            last = try health()["last_reload"] as? [String: Any] ?? [:]
            if let at = last["at"] as? Int, at >= after, last["loaded"] != nil, after == 0 || last["loaded"] as? Bool == true { return last }
            usleep(50_000)
        }
        return last
    }
}

/// A client connection driven by hand: to send a request's head and trickle its body.
final class RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(connected == 0, "cannot connect to 127.0.0.1:\(port)")
    }

    deinit { close() }

    private var closed = false
    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        try #require(n == bytes.count)
    }

    /// Sends `byte` every `interval` seconds until the server answers (or closes), or `limit`
    /// seconds pass; the answer, or status 0 when none came.
    func trickle(byte: UInt8, every interval: Double, upTo limit: Double) -> ServerTests.HTTPReply {
        let started = Date()
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var sending = true
        while Date().timeIntervalSince(started) < limit {
            if sending {
                var b = byte
                sending = Glibc.send(fd, &b, 1, Int32(MSG_NOSIGNAL)) == 1
            }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, Int32(interval * 1000)) > 0 {
                let n = Glibc.recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                reply += buffer[0..<n]
            }
        }
        return Self.parse(reply)
    }

    static func parse(_ reply: [UInt8]) -> ServerTests.HTTPReply {
        guard let split = reply.indices.first(where: { reply[$0...].starts(with: [13, 10, 13, 10]) }) else {
            return ServerTests.HTTPReply(status: 0, headers: [:], body: reply)
        }
        let lines = String(decoding: reply[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        let status = lines[0].split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return ServerTests.HTTPReply(status: status, headers: fields, body: Array(reply[(split + 4)...]))
    }
}
