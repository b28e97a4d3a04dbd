#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a roster being screened lives: a folder of this server's own, so that an upload of names
/// and ID numbers cannot outlive a crash of the server.
///
/// The folder is `$TMPDIR/huimin-server-UID` (mode 0700, owned by this user: made so, or refused).
/// Each screening gets a folder in it named for this process (`PID-XXXXXX`). The roster itself is
/// written to a file that is unlinked as soon as it is opened: it has no name on disk while it is
/// read (the job reads it through `/proc/self/fd`), and a crash frees it with the process. The
/// job's results and rejects do need names (they are written to a temporary and renamed); they
/// are removed as soon as they are read back, and at start-up every folder of a process that is no
/// longer running is removed with what it holds.
public struct UploadSpool: Sendable {
    public let base: String

    /// The server's folder, made private, with what earlier servers that died left in it removed.
    public init() throws(ServiceError) {
        let tmp = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        base = tmp + "/huimin-server-\(getuid())"
        if mkdir(base, 0o700) != 0, errno != EEXIST { throw Self.failure("cannot make \(base)") }
        var st = stat()
        // lstat: a symlink planted in a shared /tmp is refused, never followed.
        guard lstat(base, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == getuid() else {
            throw Self.failure("\(base) is not a folder of this user's")
        }
        if st.st_mode & 0o777 != 0o700, chmod(base, 0o700) != 0 { throw Self.failure("cannot make \(base) private") }
        removeLeftovers()
    }

    /// Removes the folders of processes that are not running. Servers of the same user running
    /// side by side share the base folder; each removes only the dead ones'.
    func removeLeftovers() {
        for name in Self.entries(of: base) {
            guard let dash = name.firstIndex(of: "-"), let pid = Int32(name[..<dash]) else { continue }
            if kill(pid, 0) != 0, errno == ESRCH { Self.removeFolder(base + "/" + name) }
        }
    }

    /// A new folder for one screening.
    public func folder() throws(ServiceError) -> Folder {
        var template = Array((base + "/\(getpid())-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Self.failure("cannot make a folder for the upload")
        }
        return Folder(path: String(cString: made))
    }

    /// One screening's folder, removed with everything in it.
    public struct Folder: Sendable {
        public let path: String

        /// Writes `bytes` to a file that is unlinked as soon as it is opened, and names it
        /// `name` in this folder by a link to `/proc/self/fd/N` (the reader takes a path and
        /// knows a workbook by its `.xlsx`). Close the descriptor when the file has been read.
        public func anonymousFile(named name: String, holding bytes: [UInt8]) throws(ServiceError) -> Int32 {
            let staging = path + "/.upload"
            let fd = open(staging, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw UploadSpool.failure("cannot store the upload for screening") }
            unlink(staging)
            var written = 0
            while written < bytes.count {
                let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    close(fd)
                    throw UploadSpool.failure("cannot store the upload for screening")
                }
                written += n
            }
            guard symlink("/proc/self/fd/\(fd)", path + "/" + name) == 0 else {
                close(fd)
                throw UploadSpool.failure("cannot store the upload for screening")
            }
            return fd
        }

        public func remove() { UploadSpool.removeFolder(path) }
    }

    static func removeFolder(_ path: String) {
        for name in entries(of: path) { unlink(path + "/" + name) }
        rmdir(path)
    }

    /// The names in a folder, without `.` and `..`.
    static func entries(of path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    static func failure(_ what: String) -> ServiceError {
        ServiceError(500, "internal", what)
    }
}
