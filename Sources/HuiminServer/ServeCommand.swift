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
            when their files change; new rules are compiled first in a child process (--check-rules), and a \
            rule set with errors, or one the child does not survive, is not loaded: the old one keeps \
            serving. SIGTERM or Ctrl-C stops taking connections and finishes the requests in flight. \
            Logs name the route (/v1/policies/{id}), status and time of each request, never the path's \
            values, the query or what was sent. Uploads are held in $TMPDIR/huimin-server-UID (mode 0700) \
            as files without a name. A body must arrive whole within --body-timeout seconds of the \
            request's head (408), and all bodies being received together may hold at most \
            --max-upload-total-mib (503 with Retry-After beyond it).
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

    @Option(name: .long, help: "Seconds from a request's head to the last byte of its body (408 past it).")
    var bodyTimeout = 30

    @Option(name: .long, help: "MiB all request bodies being received at once may hold together (503 past it).")
    var maxUploadTotalMib = 64

    @Option(name: .long, help: ArgumentHelp("Only compile the rules in DIR, on a large stack, and exit 0 (no errors) or 1; the server runs this in a child before each reload.", valueName: "DIR"))
    var checkRules: String?

    @Flag(name: .long, help: .hidden)
    var quiet = false

    @Option(name: .long, help: "Seconds between looks at the rule files for changes (0: only on SIGHUP).")
    var watchInterval = 2.0

    @Option(name: .long, help: "Workers per roster screening (default: every core).")
    var jobs: Int?

    @Option(name: .long, help: "Log level: info (a line per request), notice, warning or error.")
    var logLevel = "info"

    func validate() throws {
        guard bodyTimeout > 0 else { throw ValidationError("--body-timeout must be at least 1 second") }
        guard maxUploadTotalMib > 0 else { throw ValidationError("--max-upload-total-mib must be at least 1") }
    }

    func run() async throws {
        // Before anything else: a crash report must not carry registers or memory.
        CrashReports.ensureSafeBacktraces()
        if let checkRules { throw ExitCode(RuleCheckChild.check(directory: checkRules, quiet: quiet)) }
        // For the test of the crash report only: stop as a trap does, before serving anything.
        if getenv("HUIMIN_SERVER_TEST_TRAP") != nil { fatalError("a trap asked for by HUIMIN_SERVER_TEST_TRAP") }
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
            store = try RuleStore(directory: directory, isolation: { RuleCheckChild.run(directory: $0) })
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
            responder: HuiminResponder(
                service: service,
                intake: RequestBodyIntake(budget: UploadBudget(limit: maxUploadTotalMib << 20), timeout: bodyTimeout),
                logger: logger, signals: signals),
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
            case SIGHUP: watcher.reloadSoon(because: "SIGHUP")
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
