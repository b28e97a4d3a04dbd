#if canImport(Glibc)
import Glibc
#endif
import HuiminService
import RuleCompiler
import SourceDiagnostics

/// Compiles a rules directory in a child process — this same binary, `huimin-server --check-rules
/// DIR` — so that a trap or a stack overflow in the compiler ends the child, not the server. The
/// server loads rules in-process only after a child has survived them (`RuleStore.Isolation`).
enum RuleCheckChild {
    /// Longest a check may take before the child is killed and the reload refused.
    static let timeoutSeconds = 120

    /// Runs the check on `directory` and says how it ended. The child's stdout goes nowhere; its
    /// stderr is the server's (so a crash report lands in the log, with no registers or memory:
    /// the child inherits SWIFT_BACKTRACE).
    static func run(directory: String) -> RuleStore.IsolatedCheck {
        let binary = "/proc/self/exe"
        let argv = ["huimin-server", "--check-rules", directory, "--quiet"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, binary, &actions, nil, &cArgs, environ)
        guard spawned == 0 else { return .failed("无法启动检查进程（\(String(cString: strerror(spawned)))）") }
        return wait(for: pid)
    }

    /// Waits for the child, killing it past the timeout.
    static func wait(for pid: pid_t) -> RuleStore.IsolatedCheck {
        var status: Int32 = 0
        let polls = timeoutSeconds * 50
        for _ in 0..<polls {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return outcome(status) }
            if r < 0, errno != EINTR { return .failed("无法等待检查进程（\(String(cString: strerror(errno)))）") }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        return .failed("检查超过\(timeoutSeconds)秒仍未结束，已终止")
    }

    /// The wait status as an outcome (the W* macros are not imported into Swift).
    static func outcome(_ status: Int32) -> RuleStore.IsolatedCheck {
        let signal = status & 0x7F
        if signal == 0 {
            let code = (status >> 8) & 0xFF
            return code == 0 ? .passed : code == 1 ? .hasErrors : .failed("检查进程以状态\(code)退出")
        }
        return .crashed(signal: signal)
    }

    /// The child's side: loads the rules on a large stack, as the server would, and exits 0 (no
    /// errors) or 1 (errors, printed unless `quiet`).
    static func check(directory: String, quiet: Bool) -> Int32 {
        let outcome = LargeStack.run { RuleLoader.load(directory: directory, lint: false) }
        guard outcome.rules == nil || outcome.hasErrors else { return 0 }
        if !quiet {
            let errors = outcome.diagnostics.filter { $0.severity == .error }
            Output.stderr(DiagnosticRenderer.text(errors) + "\nthe rules in \(directory) have errors; run `huimin lint \(directory)`\n")
        }
        return 1
    }
}
