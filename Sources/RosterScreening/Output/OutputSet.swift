#if canImport(Glibc)
import Glibc
#endif

/// The files of one run — rejects, results and summary — written and committed as one set, so
/// that no file of an older run, and no half file, is ever read as part of a newer run's.
///
/// - Each is written to its own temporary beside it (`OutputFile`), and stale temporaries of
///   dead runs there are removed when it is opened (`StaleTemporaries`).
/// - The first bytes written to any of them start the removal of all the files they replace: a
///   run that fails after that leaves none of the three (rather than an older run's rejects or
///   summary beside nothing); a run that fails before writing anything leaves the old files; a
///   file the job reads (the roster given as its own output) is only replaced by the rename.
/// - `commit`, only when every one is whole: each is written out and `fsync`ed and closed, the
///   folders are `fsync`ed (the old files' removal is durable), then the temporaries are
///   renamed in the fixed order of `members` — rejects, results, summary last — and the folders
///   `fsync`ed again.
///
/// POSIX renames one file at a time, so a set cannot appear at once; the fixed order makes what
/// a kill between two renames leaves recognisable: always the first members of the order, all
/// from the same run. So a summary (when the run writes one) marks a whole set; without one,
/// the results mark it — results are never there without their rejects. A kill between the
/// renames leaves the rejects alone, or rejects and results without the summary. Renames in
/// one folder reach an ext4 or XFS journal in the order made; after a power cut at that moment
/// the same holds there, and the folder's `fsync` makes a finished set survive one.
public final class OutputSet {
    public let results: OutputFile
    public let rejects: OutputFile
    public let summary: OutputFile?

    /// In the order of the renames: what a kill between two renames leaves is always a prefix.
    var members: [OutputFile] { [rejects, results] + (summary.map { [$0] } ?? []) }

    public struct SamePathError: Error { public let message: String }

    /// Two members under one name would write one temporary twice over: refused.
    public init(results: OutputFile, rejects: OutputFile, summary: OutputFile?) throws {
        self.results = results
        self.rejects = rejects
        self.summary = summary
        let paths = members.compactMap { $0.temporary == nil ? nil : $0.path }
        if let twice = paths.first(where: { p in paths.filter { Durable.sameFile($0, p) }.count > 1 }) {
            discard()
            throw SamePathError(message: "two outputs are the same file: \(twice) (--out, --rejects and --summary must differ)")
        }
        for m in members { m.set = self }
    }

    /// The first bytes of a member are written: every member's old file goes.
    func underWay() {
        for m in members { m.removeReplaced() }
    }

    /// Makes the set whole, durable and visible, as the type's documentation describes; false
    /// (and no temporary left) when any step fails.
    public func commit() -> Bool {
        underWay()
        guard members.allSatisfy({ $0.seal() }) else { return abandon() }
        let folders = Set(members.compactMap { m in m.temporary == nil ? nil : m.path.map { StaleTemporaries.split($0).folder } })
        guard folders.allSatisfy(Durable.sync(folder:)) else { return abandon() }
        for m in members {
            guard m.install() else { return abandon() }
        }
        return folders.allSatisfy(Durable.sync(folder:))
    }

    /// Removes every temporary; an output already renamed into place stays.
    public func discard() {
        for m in members { m.discard() }
    }

    private func abandon() -> Bool {
        discard()
        return false
    }
}

/// `fsync` of a folder, so that the names made or removed in it survive a power cut.
enum Durable {
    static func sync(folder: String) -> Bool {
        let fd = open(folder, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // Some file systems cannot sync a folder (EINVAL); the names are then as durable as they get.
        return fsync(fd) == 0 || errno == EINVAL
    }

    static func syncFolder(of path: String) -> Bool { sync(folder: StaleTemporaries.split(path).folder) }

    /// Whether two paths name one entry of one folder (`o.csv` and `./o.csv`), whose
    /// temporaries would then be one file.
    static func sameFile(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let (fa, na) = StaleTemporaries.split(a), (fb, nb) = StaleTemporaries.split(b)
        guard na == nb, let ra = realpath(fa, nil), let rb = realpath(fb, nil) else { return false }
        defer {
            free(ra)
            free(rb)
        }
        return strcmp(ra, rb) == 0
    }
}
