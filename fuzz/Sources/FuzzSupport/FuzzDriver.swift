#if canImport(Glibc)
import Glibc
#endif
import CFuzzDriver

/// The entry of every harness: hands the process's arguments to libFuzzer's driver.
///
/// SwiftPM links an executable's `main` as an alias of `<Module>_main`; the harnesses are built
/// with `-parse-as-library`, so each defines that symbol with `@_cdecl` and calls this.
public enum FuzzDriver {
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

    public static func run(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ callback: Callback) -> Int32 {
        var argc = argc
        var argv = argv
        return LLVMFuzzerRunDriver(&argc, &argv, callback)
    }

    /// The input as an array (libFuzzer passes a null pointer for the empty input).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }
}

/// A broken promise found by a harness: said on stderr, then the process aborts, which libFuzzer
/// records as a crash with the input that caused it.
public enum Oracle {
    public static func fail(_ what: String) -> Never {
        say("\nhuimin fuzz oracle: \(what)\n")
        abort()
    }

    /// Writes `text` to stderr as it is (no buffering: the process may abort right after).
    public static func say(_ text: String) {
        var bytes = Array(text.utf8)
        var at = 0
        while at < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + at, $0.count - at) }
            if n <= 0 { return }
            at += n
        }
    }

    /// Fails with `what` unless `condition` holds.
    public static func expect(_ condition: Bool, _ what: @autoclosure () -> String) {
        if !condition { fail(what()) }
    }
}
