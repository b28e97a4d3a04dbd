#if canImport(Glibc)
import Glibc
#endif

/// Removes half-written outputs when the run is interrupted (Ctrl-C, SIGTERM), so no partial
/// file is left behind; the final names are only ever created by a completed rename.
/// For the command line: a server handles these signals itself (it finishes what is in flight)
/// and turns this off with `disable()` before it screens anything.
public enum InterruptCleanup {
    /// Paths as C strings, kept alive for the signal handler; at most a few outputs per run.
    nonisolated(unsafe) static var paths: [UnsafeMutablePointer<CChar>] = []
    nonisolated(unsafe) static var installed = false
    nonisolated(unsafe) static var enabled = true

    /// Leaves SIGINT, SIGTERM and SIGHUP to the program; call once, at start.
    public static func disable() { enabled = false }

    static func register(_ path: String) {
        guard enabled else { return }
        paths.append(strdup(path))
        guard !installed else { return }
        installed = true
        // A parent may have left these signals blocked; the run must still be stoppable.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { number in
                // Only async-signal-safe calls here: unlink and _exit.
                for p in InterruptCleanup.paths { unlink(p) }
                _exit(128 + number)
            }
        }
    }

    static func unregister(_ path: String) {
        guard enabled else { return }
        paths.removeAll { p in
            if String(cString: p) == path {
                free(p)
                return true
            }
            return false
        }
    }
}
