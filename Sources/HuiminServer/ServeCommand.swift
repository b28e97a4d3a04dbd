// huimin-server: the worker's page and the HTTP API on Hummingbird. `huimin serve` runs it.
// It only carries bytes to HuiminService and back; routes, answers and errors live there.
import ArgumentParser
import Dispatch
import HTTPTypes
import Hummingbird
import HuiminService
import RuleCompiler
import Logging
import NIOCore
import Foundation
import Synchronization
import ServiceLifecycle
import SourceDiagnostics

#if canImport(Glibc)
import Glibc
#endif

@main
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "huimin serve",
        abstract: "Serve the worker's page and the HTTP API (POST /v1/check, POST /v1/screen, GET /v1/policies…).",
        discussion: """
            Binds 127.0.0.1 unless told otherwise. Rules are compiled once, and loaded again on SIGHUP or \
            when their files change; a rule set with errors is not loaded and the old one keeps serving. \
            SIGTERM or Ctrl-C stops taking connections and finishes the requests in flight. Logs name \
            the route, status and time of each request, never what was sent.
            """)

    @Option(name: .long, help: "The address to bind; 127.0.0.1 is this machine only.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The port (0: any free port, printed at start).")
    var port = 8080

    @Option(name: .long, help: "The rules directory (default: $HUIMIN_RULES, else ./rules).")
    var rules: String?

    @Option(name: .long, help: "Largest household body for /v1/check, in KiB.")
    var maxBodyKib = 1024

    @Option(name: .long, help: "Largest roster upload for /v1/screen, in MiB.")
    var maxUploadMib = 16

    @Option(name: .long, help: "Seconds an idle connection is kept open.")
    var idleTimeout = 30

    @Option(name: .long, help: "Seconds between looks at the rule files for changes (0: only on SIGHUP).")
    var watchInterval = 2.0

    @Option(name: .long, help: "Workers per roster screening (default: every core).")
    var jobs: Int?

    @Option(name: .long, help: "Log level: info (a line per request), notice, warning or error.")
    var logLevel = "info"

    func run() async throws {
        // Signals first, before the server's threads exist: a process-wide handler, so whichever
        // thread the kernel picks, a signal is never taken with its default action (death).
        let signals = SignalPipe.install([SIGHUP, SIGTERM, SIGINT])
        // An answer is tens of kilobytes; glibc would map and unmap each such buffer, and every
        // unmap in a threaded process stops the other cores. Keep them on the heap instead.
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 32 << 20)
        _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, 64 << 20)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return handler
        }
        let logger = Logger(label: "huimin")
        let directory = RuleLoader.directory(named: rules)
        let store: RuleStore
        do {
            store = try RuleStore(directory: directory)
        } catch {
            let errors = error.diagnostics.filter { $0.severity == .error }
            Output.stderr(DiagnosticRenderer.text(errors) + "\nthe rules in \(directory) have errors; run `huimin lint \(directory)`\n")
            throw ExitCode(1)
        }
        let service: API
        do {
            service = try API(
                store: store,
                limits: .init(checkBody: maxBodyKib << 10, upload: maxUploadMib << 20, screeningJobs: jobs))
        } catch {
            Output.stderr("error: \(error.description)\n")
            throw ExitCode(1)
        }
        let snapshot = store.current
        let watcher = RulesWatcher(store: store, interval: watchInterval, logger: logger)
        let app = Application(
            responder: HuiminResponder(service: service, logger: logger, signals: signals),
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(idleTimeout)))),
            configuration: .init(address: .hostname(host, port: port), serverName: "huimin"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                Output.stderr("huimin serve: http://\(host):\(bound)/ (rules \(snapshot.rules.hash), \(snapshot.rules.policies.count) policies, from \(directory))\n")
            },
            logger: logger
        )
        let group = ServiceGroup(services: [app, watcher], logger: logger)
        signals.listen { signal in
            switch signal {
            case SIGHUP: watcher.reload(because: "SIGHUP")
            default:
                // The first SIGTERM or Ctrl-C stops taking connections and lets requests in flight
                // finish; a second one does not wait.
                if signals.stopping.exchange(true, ordering: .relaxed) { Glibc.exit(1) }
                logger.notice("stopping: finishing the requests in flight")
                Task { await group.triggerGracefulShutdown() }
            }
        }
        try await group.run()
    }
}

/// Signals handled by writing their number to a pipe (all a handler may safely do), and read
/// from the pipe on a thread of their own.
final class SignalPipe: Sendable {
    nonisolated(unsafe) static var writeEnd: Int32 = -1
    let readEnd: Int32
    let stopping = Atomic<Bool>(false)

    private init(readEnd: Int32) { self.readEnd = readEnd }

    static func install(_ signals: [Int32]) -> SignalPipe {
        var ends: [Int32] = [0, 0]
        pipe(&ends)
        writeEnd = ends[1]
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(SignalPipe.writeEnd, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        return SignalPipe(readEnd: ends[0])
    }

    func listen(_ handle: @escaping @Sendable (Int32) -> Void) {
        let fd = readEnd
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while read(fd, &byte, 1) == 1 { handle(Int32(byte)) }
        }
    }
}

/// glibc's mallopt (malloc.h is not in the Glibc module).
@_silgen_name("mallopt")
func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

/// Carries a request to the service and its answer back; logs route, status and time only.
struct HuiminResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    static let chunk = 256 << 10
    let service: API
    let logger: Logger
    let signals: SignalPipe

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let path = request.uri.path
        let method = request.method.rawValue
        let answer = await answer(request, path: path, method: method)
        var fields = HTTPFields()
        fields[.contentType] = answer.contentType
        fields[.init("X-Content-Type-Options")!] = "nosniff"
        fields[.init("Referrer-Policy")!] = "no-referrer"
        if answer.contentType.hasPrefix("text/html") {
            fields[.init("Content-Security-Policy")!] =
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
        }
        for h in answer.headers { if let name = HTTPField.Name(h.name) { fields[name] = h.value } }
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000 + Double(elapsed.components.seconds) * 1000
        logger.info("\(method) \(path) \(answer.status) \(String(format3: ms))ms")
        let bytes = answer.body
        guard bytes.count > Self.chunk else {
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        // A large answer (a roster's results) is written a piece at a time, each write awaited, so
        // the request is not over — and a graceful shutdown waits — until the last byte is sent.
        return Response(
            status: .init(code: answer.status), headers: fields,
            body: .init(contentLength: bytes.count) { writer in
                var start = 0
                while start < bytes.count {
                    let end = min(start + Self.chunk, bytes.count)
                    try await writer.write(ByteBuffer(bytes: bytes[start..<end]))
                    start = end
                }
                // When stopping, the connection is closed as soon as the answer ends, and what the
                // event loop has not yet sent would be lost: hold the end until it has had time to go.
                if signals.stopping.load(ordering: .relaxed) { try? await Task.sleep(for: .seconds(1)) }
                try await writer.finish(nil)
            })
    }

    func answer(_ request: Request, path: String, method: String) async -> ServiceResponse {
        let limit = service.bodyLimit(method: method, path: path)
        var body: [UInt8] = []
        if limit > 0 {
            let tooLarge = ServiceError(413, "request.too-large", "the body is larger than this server takes (\(limit >> 10) KiB)").response
            if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit { return tooLarge }
            do {
                var buffer = try await request.body.collect(upTo: limit)
                body = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch {
                return tooLarge
            }
        }
        var query: [(name: String, value: String)] = []
        for (k, v) in request.uri.queryParameters { query.append((String(k), String(v))) }
        let serviceRequest = ServiceRequest(
            method: method, path: path, query: query, contentType: request.headers[.contentType], body: body)
        guard service.isHeavy(method: method, path: path) else { return service.respond(serviceRequest) }
        // A roster takes seconds and uses every core itself: run it off the server's threads.
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: service.respond(serviceRequest)) }
        }
    }
}

/// Reloads the rules when their files change (and, called by the signal thread, on SIGHUP).
struct RulesWatcher: Service {
    let store: RuleStore
    let interval: Double
    let logger: Logger

    func run() async throws {
        guard interval > 0 else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                if Task.isCancelled { break }
                if store.filesChanged() { reload(because: "the rule files changed") }
            }
        }
    }

    func reload(because reason: String) {
        let report = store.reload()
        if report.loaded {
            logger.notice("\(reason): \(report.message)")
        } else {
            logger.error("\(reason): the new rules were not loaded\n\(report.message)")
        }
    }
}

extension String {
    /// A number with up to three decimals, without Foundation.
    init(format3 value: Double) {
        let thousandths = Int((value * 1000).rounded())
        let frac = String(thousandths % 1000)
        self = "\(thousandths / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
    }
}

