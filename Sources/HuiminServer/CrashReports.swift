#if canImport(Glibc)
import Glibc
#endif

/// What a crash of the server may print: the Swift runtime's backtracer on Linux prints, by
/// default, every register with the memory it points to — which may hold a resident's name or ID
/// number from the request being handled. The runtime reads `SWIFT_BACKTRACE` once, as the process
/// starts, so the server sets it and runs itself again before doing anything else (`huimin serve`
/// sets it before starting the server, so there the re-run does not happen). A value the operator
/// set is respected.
enum CrashReports {
    /// Frames of the crashed thread, paths sanitised; no registers, no images, never interactive
    /// (a crash must not wait at a terminal), to stderr, where the log is.
    static let setting = "enable=yes,interactive=no,threads=crashed,registers=none,images=none,sanitize=yes,output-to=stderr"

    /// Runs this binary again with `setting` when SWIFT_BACKTRACE is not set; returns when it is
    /// (or when running again fails, with the runtime's defaults).
    static func ensureSafeBacktraces() {
        guard getenv("SWIFT_BACKTRACE") == nil else { return }
        setenv("SWIFT_BACKTRACE", setting, 1)
        var cArgs = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &cArgs)
        // Still here: exec failed. Carry on; a crash report would carry registers.
        for a in cArgs { free(a) }
    }
}
