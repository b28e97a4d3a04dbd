#if canImport(Glibc)
import Glibc
#endif

import SourceDiagnostics

/// An output: a temporary file beside the target (`NAME.partial-PID`, locked while it is
/// written), made durable and renamed into place by `commit`; a path that is not a regular file
/// (`/dev/null`, a pipe) written as it is; or a standard stream when no path is given. The
/// outputs of one run are committed together by `OutputSet`.
public final class OutputFile {
    public struct OpenError: Error { public let message: String }
    public let path: String?
    let temporary: String?
    let fd: Int32
    /// Whether `fd` was opened here (and `commit` closes it), and whether it is closed.
    let opened: Bool
    private var closed = false
    /// The set this output is committed with: the first bytes written to any of its members
    /// start the removal of every member's old file.
    weak var set: OutputSet?
    /// Bytes given to the temporary file so far, and how many of them the disk has been asked
    /// to write out.
    private var written = 0
    private var started = 0
    /// Past `DirectOutput.from` bytes, a temporary file is written past the page cache, in
    /// aligned blocks staged here; nil before, or where the file system does not allow it.
    private var direct: DirectOutput?
    private var directRefused = false

    /// From how many bytes a temporary file is written past the page cache.
    let directFrom: Int
    /// The file this output replaces (`removeReplaced`): not yet looked at, being removed by a
    /// thread, or none to remove.
    private enum Replaced { case notYet, removing(pthread_t), none }
    private var replaced = Replaced.notYet
    /// A file being read (the roster): when this output would replace it, it is replaced only
    /// by the rename at the end, so a run that fails never takes its input away.
    private let reading: String?

    /// `reading`: a file the job reads, which this output must not remove before it is whole.
    public init(path: String?, otherwise stream: Int32, directFrom: Int = DirectOutput.from, reading: String? = nil) throws {
        self.path = path
        self.directFrom = directFrom
        self.reading = reading
        var info = stat()
        if let path, stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            // A device or a pipe: renaming a file over it would replace it.
            let fd = open(path, O_WRONLY)
            guard fd >= 0 else { throw OpenError(message: "cannot write \(path): \(String(cString: strerror(errno)))") }
            self.fd = fd
            temporary = nil
            opened = true
        } else if let path {
            opened = true
            let temp = path + ".partial-\(getpid())"
            StaleTemporaries.remove(beside: path)
            InterruptCleanup.register(temp)  // before the file exists, so no interrupt can leave it behind
            let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            // Held until the process ends: while it is, no other run takes the file for a dead run's.
            if fd >= 0 { _ = flock(fd, LOCK_EX | LOCK_NB) }
            guard fd >= 0 else {
                InterruptCleanup.unregister(temp)
                throw OpenError(message: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            self.fd = fd
            temporary = temp
        } else {
            fd = stream
            temporary = nil
            opened = false
        }
    }

    /// Appends and empties `buffer`.
    public func write(_ buffer: inout [UInt8]) -> Bool {
        defer { buffer.removeAll(keepingCapacity: true) }
        return write(contentsOf: buffer)
    }

    /// Writes bytes as they are, with no copy into a buffer first.
    public func write(contentsOf bytes: [UInt8]) -> Bool {
        if case .notYet = replaced {
            if let set { set.underWay() } else { removeReplaced() }
        }
        return bytes.withUnsafeBytes { all in
            var rest = all
            if temporary != nil, direct == nil, !directRefused, written + rest.count >= directFrom {
                // Up to a block boundary as usual, then past the page cache.
                let head = min(rest.count, (DirectOutput.block - written % DirectOutput.block) % DirectOutput.block)
                guard Output.write(fd, UnsafeRawBufferPointer(rebasing: rest[..<head])) else { return false }
                written += head
                rest = UnsafeRawBufferPointer(rebasing: rest[head...])
                if written % DirectOutput.block == 0 {
                    direct = DirectOutput(fd)
                    directRefused = direct == nil
                }
            }
            written += rest.count
            if let direct { return direct.put(rest) }
            guard Output.write(fd, rest) else { return false }
            startWriteOut()
            return true
        }
    }

    /// From how many bytes not yet started the disk is asked to write a temporary file out.
    static let writeOutStep = 1 << 20

    /// Asks the disk to start writing out what the temporary file has been given, a megabyte at
    /// a time, without waiting (`sync_file_range`, SYNC_FILE_RANGE_WRITE). The disk then works
    /// while the roster is screened, not all at the end: when the new file is renamed over an
    /// old one, ext4 first writes out all the new file's data (so that a crash cannot leave an
    /// empty file under the old name). For a 43 MB output through the cache that wait was 28 ms
    /// with one core idle; with the data already on its way, 10 ms. (Past `DirectOutput.from`
    /// an output does not go through the cache at all.)
    private func startWriteOut() {
        #if os(Linux)
        guard temporary != nil, written - started >= Self.writeOutStep else { return }
        _ = linuxSyncFileRange(fd, off_t(started), off_t(written - started), 2)  // SYNC_FILE_RANGE_WRITE
        started = written
        #endif
    }

    /// Removes the regular file that this output will replace, on a thread of its own, once
    /// the output is under way (its first bytes written: the roster's header was read, the
    /// first households screened). Freeing a big file's blocks takes time: on a disk mounted
    /// with `discard` (as virtual machines' often are), 9 ms for the spec's 43 MB for 1M
    /// persons, with both cores idle, when the rename at the end did it. A run that fails
    /// after this point leaves no file under the name, rather than an older run's output that
    /// could be taken for this one's; no run ever leaves a half file under it. Called again, it
    /// does nothing.
    func removeReplaced() {
        guard case .notYet = replaced else { return }
        replaced = .none
        var info = stat()
        guard temporary != nil, let path, lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return }
        var input = stat()
        if let reading, stat(reading, &input) == 0, input.st_dev == info.st_dev, input.st_ino == info.st_ino { return }
        guard let name = strdup(path) else { return }
        var thread = pthread_t()
        guard pthread_create(&thread, nil, { name in
            unlink(name!.assumingMemoryBound(to: CChar.self))
            free(name)
            return nil
        }, name) == 0 else {
            // No thread: removed here, so that no old file outlives the start of the set's writing.
            unlink(name)
            free(name)
            return
        }
        replaced = .removing(thread)
    }

    /// Waits until the replaced file is removed, if that was started.
    private func replacedRemoved() {
        if case .removing(let thread) = replaced { pthread_join(thread, nil) }
        replaced = .none
    }

    /// Makes this output whole, durable and visible under its name, alone (`OutputSet.commit`
    /// does the same for a run's outputs together). On failure no file is left under the name
    /// or as a temporary.
    public func commit() -> Bool {
        removeReplaced()
        guard seal() else {
            discard()
            return false
        }
        guard install() else {
            discard()
            return false
        }
        return path.map { Durable.syncFolder(of: $0) } ?? true
    }

    /// The first step of a commit: waits until the old file is removed, writes out every byte,
    /// makes them durable (`fsync`) and closes the file. True for an output with no temporary
    /// once it is closed.
    func seal() -> Bool {
        guard temporary != nil else {
            guard opened, !closed else { return true }
            closed = true
            return close(fd) == 0
        }
        replacedRemoved()
        if let direct {
            guard direct.finish(length: written) else { return false }
            self.direct = nil
        }
        guard fsync(fd) == 0 else { return false }
        closed = true
        return close(fd) == 0
    }

    /// The second step: the sealed temporary renamed to the output's name.
    func install() -> Bool {
        guard let path, let temporary else { return true }
        guard rename(temporary, path) == 0 else { return false }
        InterruptCleanup.unregister(temporary)
        return true
    }

    /// Closes and removes the temporary, if it is still there; an output already renamed into
    /// place stays.
    public func discard() {
        direct = nil
        if opened, !closed {
            closed = true
            close(fd)
        }
        guard let temporary else { return }
        unlink(temporary)
        InterruptCleanup.unregister(temporary)
        replacedRemoved()
    }
}

#if os(Linux)
/// `sync_file_range` of <fcntl.h> (a GNU extension the Glibc module does not export).
@_silgen_name("sync_file_range")
private func linuxSyncFileRange(_ fd: Int32, _ offset: off_t, _ count: off_t, _ flags: UInt32) -> Int32
#endif
