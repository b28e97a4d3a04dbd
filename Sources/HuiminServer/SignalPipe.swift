#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Signals handled by writing their number to a pipe (all a handler may safely do), and read
/// from the pipe on a thread of their own.
final class SignalPipe: Sendable {
    nonisolated(unsafe) static var writeEnd: Int32 = -1
    let readEnd: Int32
    let stopping = Atomic<Bool>(false)

    private init(readEnd: Int32) { self.readEnd = readEnd }

    static func install(_ signals: [Int32]) -> SignalPipe {
        var ends: [Int32] = [0, 0]
        pipe(&ends)
        // Not inherited by the rule-check child.
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        writeEnd = ends[1]
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(SignalPipe.writeEnd, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        return SignalPipe(readEnd: ends[0])
    }

    func listen(_ handle: @escaping @Sendable (Int32) -> Void) {
        let fd = readEnd
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while read(fd, &byte, 1) == 1 { handle(Int32(byte)) }
        }
    }
}

/// glibc's mallopt (malloc.h is not in the Glibc module).
@_silgen_name("mallopt")
func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
