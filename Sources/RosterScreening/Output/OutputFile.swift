#if canImport(Glibc)
import Glibc
#endif

import SourceDiagnostics

/// An output: a temporary file beside the target, renamed into place by `commit`; a path that
/// is not a regular file (`/dev/null`, a pipe) written as it is; or a standard stream when no
/// path is given.
public final class OutputFile {
    public struct OpenError: Error { public let message: String }
    public let path: String?
    let temporary: String?
    let fd: Int32
    /// Whether `fd` was opened here (and `commit` closes it).
    let opened: Bool

    public init(path: String?, otherwise stream: Int32) throws {
        self.path = path
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
            InterruptCleanup.register(temp)  // before the file exists, so no interrupt can leave it behind
            let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
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
        bytes.withUnsafeBytes { Output.write(fd, $0) }
    }

    public func commit() -> Bool {
        guard let path, let temporary else { return opened ? close(fd) == 0 : true }
        defer { InterruptCleanup.unregister(temporary) }
        guard close(fd) == 0 else { return false }
        return rename(temporary, path) == 0
    }

    public func discard() {
        guard let temporary else {
            if opened { close(fd) }
            return
        }
        close(fd)
        unlink(temporary)
        InterruptCleanup.unregister(temporary)
    }
}
