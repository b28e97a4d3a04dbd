#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to standard output and standard error, without Foundation.
public enum Output {
    public static func stdout(_ s: String) { write(1, s) }
    public static func stderr(_ s: String) { write(2, s) }

    /// Writes all of `s` to a file descriptor; false if the write failed (a closed pipe, a full disk).
    @discardableResult
    public static func write(_ fd: Int32, _ s: String) -> Bool {
        var s = s
        return s.withUTF8 { write(fd, UnsafeRawBufferPointer($0)) }
    }

    /// Writes all of `bytes` to a file descriptor, however many calls it takes; false if one fails.
    public static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}
