#if canImport(Glibc)
import Glibc
#endif

/// Removes half-written outputs when the run is interrupted (Ctrl-C, SIGTERM), so no partial
/// file is left behind; the final names are only ever created by a completed rename.
/// For the command line: a server handles these signals itself (it finishes what is in flight)
/// and turns this off with `disable()` before it screens anything.
///
/// The signal handler may run in the middle of `register` or `unregister`, so what it reads is a
/// fixed table of C strings, never a Swift array (whose access checks and reallocation would make
/// the handler crash — and leave the files — when the interrupt comes at that moment).
public enum InterruptCleanup {
    /// A run writes at most a few outputs at once (results, rejects, summary).
    static let capacity = 16
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        p.initialize(repeating: nil, count: capacity)
        return p
    }()
    nonisolated(unsafe) static var installed = false
    nonisolated(unsafe) static var enabled = true

    /// Leaves SIGINT, SIGTERM and SIGHUP to the program; call once, at start.
    public static func disable() { enabled = false }

    static func register(_ path: String) {
        guard enabled else { return }
        install()
        guard let free = (0..<capacity).first(where: { slots[$0] == nil }) else { return }
        slots[free] = strdup(path)
    }

    static func unregister(_ path: String) {
        guard enabled else { return }
        for i in 0..<capacity {
            guard let p = slots[i], String(cString: p) == path else { continue }
            slots[i] = nil  // out of the handler's sight before it is freed
            free(p)
        }
    }

    static func install() {
        guard !installed else { return }
        installed = true
        _ = slots  // made now: the handler must never be the first to touch a lazy global
        // A parent may have left these signals blocked; the run must still be stoppable.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { number in
                // Only async-signal-safe calls here: unlink and _exit.
                let table = InterruptCleanup.slots
                for i in 0..<InterruptCleanup.capacity {
                    if let p = table[i] { unlink(p) }
                }
                _exit(128 + number)
            }
        }
    }
}
