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
        return s.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }
}
