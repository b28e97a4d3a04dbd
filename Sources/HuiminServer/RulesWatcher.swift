import Foundation
import HuiminService
import Logging
import ServiceLifecycle

/// Reloads the rules when their files change (and, called by the signal thread, on SIGHUP).
/// A reload runs a child process and then the compiler, for up to seconds: it runs on a thread
/// of its own, never on the server's event loops or the signal thread (a SIGTERM meanwhile is
/// still taken at once). The store runs one reload at a time.
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
                if store.filesChanged() {
                    await withCheckedContinuation { done in
                        Thread.detachNewThread {
                            reload(because: "the rule files changed")
                            done.resume()
                        }
                    }
                }
            }
        }
    }

    /// Reloads on a new thread and returns at once (for the signal thread).
    func reloadSoon(because reason: String) {
        Thread.detachNewThread { reload(because: reason) }
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
