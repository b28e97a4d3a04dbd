#if canImport(Glibc)
import Glibc
#endif

/// An output: a temporary file beside the target, renamed into place by `commit`; or a
/// standard stream when no path is given.
public final class OutputFile {
    public struct OpenError: Error { public let message: String }
    public let path: String?
    let temporary: String?
    let fd: Int32

    public init(path: String?, otherwise stream: Int32) throws {
        self.path = path
        if let path {
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
        }
    }

    /// Appends and empties `buffer`.
    public func write(_ buffer: inout [UInt8]) -> Bool {
        defer { buffer.removeAll(keepingCapacity: true) }
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    public func commit() -> Bool {
        guard let path, let temporary else { return true }
        defer { InterruptCleanup.unregister(temporary) }
        guard close(fd) == 0 else { return false }
        return rename(temporary, path) == 0
    }

    public func discard() {
        guard let temporary else { return }
        close(fd)
        unlink(temporary)
        InterruptCleanup.unregister(temporary)
    }
}
