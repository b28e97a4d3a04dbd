import ArgumentParser
import SourceDiagnostics

#if canImport(Glibc)
import Glibc
#endif

/// `huimin serve` runs `huimin-server`, built beside this binary, with the same arguments. The
/// server is its own executable so that the command line and the tests build without Hummingbird.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the worker's page and the HTTP API (runs huimin-server; see `huimin serve --help`).",
        discussion: "Options: --host (default 127.0.0.1), --port (default 8080), --rules, --max-body-kib, --max-upload-mib, --max-upload-total-mib, --body-timeout, --idle-timeout, --watch-interval, --jobs, --log-level; huimin-server --help says more.")

    @Argument(parsing: .captureForPassthrough, help: "Passed to huimin-server.")
    var arguments: [String] = []

    func run() throws {
        let server = Self.siblingPath("huimin-server")
        guard access(server, X_OK) == 0 else {
            Output.stderr("error: huimin serve needs huimin-server beside huimin (\(server)); build it with `swift build --product huimin-server`\n")
            throw ExitCode(1)
        }
        // The runtime reads SWIFT_BACKTRACE only as a process starts: set it here, so a crash
        // report of the server carries no registers or memory (huimin-server's CrashReports).
        setenv("SWIFT_BACKTRACE", Self.crashReportSetting, 0)
        let argv = [server] + arguments
        var cArgs = argv.map { strdup($0) } + [nil]
        execv(server, &cArgs)
        Output.stderr("error: cannot start \(server): \(String(cString: strerror(errno)))\n")
        throw ExitCode(1)
    }

    /// The crashed thread's frames only: no registers, memory or images; never interactive.
    static let crashReportSetting = "enable=yes,interactive=no,threads=crashed,registers=none,images=none,sanitize=yes,output-to=stderr"

    /// A file in the folder this executable runs from.
    static func siblingPath(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return name }
        let me = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = me.lastIndex(of: "/") else { return name }
        return String(me[..<slash]) + "/" + name
    }
}
