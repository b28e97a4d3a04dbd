#if canImport(Glibc)
import Glibc
#endif

/// The temporaries that runs killed before their end left beside an output (`NAME.partial-PID`),
/// removed when a new run writes that output. A `kill -9`, an out-of-memory kill or a power cut
/// gives no process the chance to remove its own; 24 kills of a 1M screen had left 4.4 GB.
///
/// A temporary is removed only when all of these hold, so a live run's is never touched:
/// - its name is exactly the output's name, `.partial-`, and a process id of 1 to 10 digits
///   (another run's name for another output, or a user's file that only starts the same, is
///   left alone);
/// - that process does not exist (`kill(pid, 0)` fails with `ESRCH`);
/// - no process holds the lock that every run holds on its temporaries while it writes them
///   (`flock`, released by the kernel when a process dies however it dies): a run in another
///   PID namespace (a container sharing the folder) may have a number that is free here.
///
/// A dead run's number now used by a live process keeps its file until a run after that
/// process has ended. The scan reads the output's folder once and looks only at names that
/// begin with the output's own name.
enum StaleTemporaries {
    /// What follows an output's name in its temporary's, before the process id.
    static let marker = ".partial-"

    /// Removes the stale temporaries of `path`; returns how many were removed.
    @discardableResult
    static func remove(beside path: String) -> Int {
        let (folder, name) = split(path)
        guard let dir = opendir(folder) else { return 0 }
        defer { closedir(dir) }
        let prefix = name + marker
        var stale: [String] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard entryName.hasPrefix(prefix), let pid = processID(String(entryName.dropFirst(prefix.count))) else { continue }
            if isDead(pid) { stale.append(entryName) }
        }
        return stale.count { removeIfUnlocked(folder + "/" + $0) }
    }

    /// The process id a temporary's name ends with: 1 to 10 ASCII digits, no sign, no leading
    /// zero, within `pid_t`; nil for anything else.
    static func processID(_ text: String) -> pid_t? {
        let digits = Array(text.utf8)
        guard (1...10).contains(digits.count), digits.allSatisfy({ (48...57).contains($0) }), digits[0] != 48,
              let value = Int32(text), value > 0 else { return nil }
        return value
    }

    /// Whether no process has this id (ours never is dead).
    static func isDead(_ pid: pid_t) -> Bool {
        guard pid != getpid() else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }

    /// Removes a regular file that no process holds the lock of.
    private static func removeIfUnlocked(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        return unlink(path) == 0
    }

    /// The folder (`.` for a bare name) and the name of a path.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}
