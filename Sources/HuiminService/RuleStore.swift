#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RuleCompiler
import SourceDiagnostics
import Synchronization

/// The rule set being served, swapped whole when the files change. A request takes the snapshot
/// current when it starts and keeps it to the end, so a reload never disturbs one in flight. A
/// reload that fails in any way leaves the old rules serving: rules with errors are never swapped
/// in, and the compiler never runs in this process on files it has not first survived in a child
/// process (`isolatedCheck`), so a trap or a stack overflow in it ends the child, not the server.
public final class RuleStore: Sendable {
    /// One loaded rule set and what the service derives from it once.
    public final class Snapshot: Sendable {
        public let rules: RuleSet
        public let fingerprint: Fingerprint
        /// Seconds since 1970 when it was loaded.
        public let loadedAt: Int
        let derived: DerivedDocuments

        init(rules: RuleSet, fingerprint: Fingerprint, loadedAt: Int) {
            self.rules = rules
            self.fingerprint = fingerprint
            self.loadedAt = loadedAt
            derived = DerivedDocuments(rules: rules)
        }
    }

    /// The outcome of the last attempt to reload.
    public struct ReloadReport: Sendable {
        public let at: Int
        public let loaded: Bool
        public let hash: String?
        public let errors: Int
        /// For the log: the diagnostics, or what happened to the check.
        public let message: String
        /// One line in Chinese for `/healthz` (`规则重新加载失败：…`), never a resident's data.
        public let summary: String
    }

    /// What became of the rules compiled in a child process before this one loads them.
    public enum IsolatedCheck: Sendable, Equatable {
        /// The child loaded them without errors.
        case passed
        /// The child loaded them and found errors (it exited 1): safe to load here for the diagnostics.
        case hasErrors
        /// The child died by this signal (a trap is SIGILL or SIGTRAP, a stack overflow SIGSEGV).
        case crashed(signal: Int32)
        /// The child could not be run, ran too long, or exited otherwise: the reason.
        case failed(String)
    }

    /// Compiles the rules of a directory in a child process and says how it ended.
    public typealias Isolation = @Sendable (_ directory: String) -> IsolatedCheck

    public let directory: String
    let isolation: Isolation?
    private let state: Mutex<(snapshot: Snapshot, lastReload: ReloadReport?)>
    /// Held through a reload: SIGHUP and the watcher may ask at once, and one child is enough.
    private let reloading = Mutex(())

    /// Loads the rules (after `isolation`, when given, has survived them); the diagnostics when
    /// they have errors, or one saying how the check ended.
    public init(directory: String, isolation: Isolation? = nil) throws(RuleLoadFailure) {
        self.directory = directory
        self.isolation = isolation
        let fingerprint = Fingerprint(directory: directory)
        if let isolation, case let outcome = isolation(directory), outcome != .passed, outcome != .hasErrors {
            throw RuleLoadFailure(diagnostics: [Diagnostic("rules.check-crashed", Self.describe(outcome), at: nil, path: directory)])
        }
        let outcome = LargeStack.run { RuleLoader.load(directory: directory, lint: false) }
        guard let rules = outcome.rules, !outcome.hasErrors else { throw RuleLoadFailure(diagnostics: outcome.diagnostics) }
        state = Mutex((Snapshot(rules: rules, fingerprint: fingerprint, loadedAt: Int(time(nil))), nil))
    }

    public var current: Snapshot { state.withLock { $0.snapshot } }
    public var lastReload: ReloadReport? { state.withLock { $0.lastReload } }

    /// True when the files differ from those of the snapshot being served (or of the last failed attempt).
    public func filesChanged() -> Bool {
        let now = Fingerprint(directory: directory)
        return now != current.fingerprint && now.value != lastAttempt.withLock { $0 }
    }

    /// The fingerprint of the last failed attempt, so a broken file is reported once, not every poll.
    private let lastAttempt = Mutex<UInt64?>(nil)

    /// Loads the files again; swaps them in only when they load without errors.
    @discardableResult
    public func reload() -> ReloadReport {
        reloading.withLock { _ in
            let report = attempt()
            state.withLock { $0.lastReload = report }
            return report
        }
    }

    private func attempt() -> ReloadReport {
        let fingerprint = Fingerprint(directory: directory)
        let now = Int(time(nil))
        let serving = current.rules.hash
        if let isolation {
            let checked = isolation(directory)
            if checked != .passed, checked != .hasErrors {
                lastAttempt.withLock { $0 = fingerprint.value }
                let why = Self.describe(checked)
                return ReloadReport(
                    at: now, loaded: false, hash: nil, errors: 1,
                    message: "\(why); still serving \(serving)", summary: "规则重新加载失败：\(why)；仍在使用原来的规则 \(serving)")
            }
            // Saved again while the child read them: what it passed is not what would load here.
            // Not recorded as a failed attempt, so the watcher tries the newer files at once.
            guard Fingerprint(directory: directory) == fingerprint else {
                return ReloadReport(
                    at: now, loaded: false, hash: nil, errors: 0, message: "the rule files changed during the check; trying again",
                    summary: "规则文件在检查期间又有改动，没有加载（监视文件时会自动再试，否则请再发一次 SIGHUP）；仍在使用原来的规则 \(serving)")
            }
        }
        let outcome = LargeStack.run { RuleLoader.load(directory: directory, lint: false) }
        if let rules = outcome.rules, !outcome.hasErrors {
            state.withLock { $0.snapshot = Snapshot(rules: rules, fingerprint: fingerprint, loadedAt: now) }
            lastAttempt.withLock { $0 = nil }
            return ReloadReport(
                at: now, loaded: true, hash: rules.hash, errors: 0,
                message: serving == rules.hash ? "rules reloaded, unchanged (\(rules.hash))" : "rules reloaded: \(serving) → \(rules.hash), \(rules.policies.count) policies",
                summary: "规则已重新加载：\(rules.hash)")
        }
        lastAttempt.withLock { $0 = fingerprint.value }
        let errors = outcome.diagnostics.filter { $0.severity == .error }
        return ReloadReport(
            at: now, loaded: false, hash: nil, errors: errors.count,
            message: DiagnosticRenderer.text(errors)
                + "\nthe rules in \(directory) have errors (\(DiagnosticRenderer.summaryLine(outcome.diagnostics))); still serving \(serving)",
            summary: "规则重新加载失败：新规则有\(errors.count)处错误（运行 huimin lint 查看）；仍在使用原来的规则 \(serving)")
    }

    /// How a check that did not finish ended, in Chinese.
    static func describe(_ check: IsolatedCheck) -> String {
        switch check {
        case .passed: "检查通过"
        case .hasErrors: "新规则有错误"
        case .crashed(let signal): "检查新规则的子进程异常终止（信号\(signal)\(signalName(signal).map { "，\($0)" } ?? "")），规则编译器遇到了无法处理的规则"
        case .failed(let reason): "无法完成新规则的检查：\(reason)"
        }
    }

    static func signalName(_ signal: Int32) -> String? {
        switch signal {
        case SIGILL: "SIGILL"
        case SIGTRAP: "SIGTRAP"
        case SIGSEGV: "SIGSEGV"
        case SIGBUS: "SIGBUS"
        case SIGABRT: "SIGABRT"
        case SIGKILL: "SIGKILL"
        case SIGFPE: "SIGFPE"
        default: nil
        }
    }
}

/// Rule files that do not load: their diagnostics (about the rules, never about residents).
public struct RuleLoadFailure: Error, Sendable {
    public let diagnostics: [Diagnostic]
}

/// The names, sizes and modification times of every file under a directory, hashed: cheap enough
/// to poll every second, and different whenever a rule file is saved, added or removed.
public struct Fingerprint: Sendable, Equatable {
    public let value: UInt64

    public init(directory: String) {
        var hash = FNV1a()
        Fingerprint.walk(directory, depth: 0, into: &hash)
        value = hash.value
    }

    static func walk(_ path: String, depth: Int, into hash: inout FNV1a) {
        guard depth < 8, let dir = opendir(path) else { return }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        for name in names.sorted() {
            let full = path + "/" + name
            var st = stat()
            guard stat(full, &st) == 0 else { continue }
            hash.add(Array(full.utf8))
            if (st.st_mode & S_IFMT) == S_IFDIR {
                walk(full, depth: depth + 1, into: &hash)
            } else {
                hash.add(Array(String(st.st_size).utf8))
                hash.add(Array((String(st.st_mtim.tv_sec) + "." + String(st.st_mtim.tv_nsec)).utf8))
            }
        }
    }
}
