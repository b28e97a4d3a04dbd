#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RuleCompiler
import SourceDiagnostics
import Synchronization

/// The rule set being served, swapped whole when the files change. A request takes the snapshot
/// current when it starts and keeps it to the end, so a reload never disturbs one in flight; a
/// rule set with errors is never swapped in, and the old one goes on serving.
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
        public let message: String
    }

    public let directory: String
    private let state: Mutex<(snapshot: Snapshot, lastReload: ReloadReport?)>

    /// Loads the rules; the diagnostics when they have errors.
    public init(directory: String) throws(RuleLoadFailure) {
        self.directory = directory
        let fingerprint = Fingerprint(directory: directory)
        let outcome = RuleLoader.load(directory: directory, lint: false)
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
        let fingerprint = Fingerprint(directory: directory)
        let outcome = RuleLoader.load(directory: directory, lint: false)
        let now = Int(time(nil))
        let report: ReloadReport
        if let rules = outcome.rules, !outcome.hasErrors {
            let old = current.rules.hash
            state.withLock { $0.snapshot = Snapshot(rules: rules, fingerprint: fingerprint, loadedAt: now) }
            lastAttempt.withLock { $0 = nil }
            report = ReloadReport(
                at: now, loaded: true, hash: rules.hash, errors: 0,
                message: old == rules.hash ? "rules reloaded, unchanged (\(rules.hash))" : "rules reloaded: \(old) → \(rules.hash), \(rules.policies.count) policies")
        } else {
            lastAttempt.withLock { $0 = fingerprint.value }
            let errors = outcome.diagnostics.filter { $0.severity == .error }
            report = ReloadReport(
                at: now, loaded: false, hash: nil, errors: errors.count,
                message: DiagnosticRenderer.text(errors)
                    + "\nthe rules in \(directory) have errors (\(DiagnosticRenderer.summaryLine(outcome.diagnostics))); still serving \(current.rules.hash)")
        }
        state.withLock { $0.lastReload = report }
        return report
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
