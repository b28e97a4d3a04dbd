#if canImport(Glibc)
import Glibc
#endif

import Dispatch
import SourceDiagnostics

/// A big output written past the page cache (`O_DIRECT`): the bytes are staged into aligned
/// blocks and handed to the disk from there, not copied into the page cache first. A screening
/// with every text writes 1.9 GB for 1M persons; on a virtual machine the page-cache copy alone
/// can cost more CPU than all the workers' texts. The spec's 43 MB for 1M persons: 7 ms less a
/// run, and the next run, replacing the file, has no cached pages of it to free. Two stages
/// take turns: while one is written by a thread of its own (so the disk's time overlaps the
/// screening, and no pool of threads that may all be busy or waiting has to run it), the other
/// fills. The file offset is block-aligned when it starts.
public final class DirectOutput {
    /// From how many bytes of output, and in what blocks and staging size.
    public static let from = 4 << 20
    static let block = 4096, size = 1 << 20
    private let writer: Writer
    /// The stage filling, and how much of it is.
    private var current = 0
    private var staged = 0
    private var thread = pthread_t()

    /// Nil where the system or the file system does not write past the page cache, and on a
    /// file system that is not a local disk's (a network share is better served by its cache).
    init?(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        guard let direct = Self.oDirect, Self.onLocalDisk(fd), flags >= 0, fcntl(fd, F_SETFL, flags | direct) == 0 else { return nil }
        writer = Writer(fd: fd)
        let started = pthread_create(&thread, nil, { arg in
            Unmanaged<Writer>.fromOpaque(arg!).takeRetainedValue().run()
            return nil
        }, Unmanaged.passRetained(writer).toOpaque())
        guard started == 0 else {
            Unmanaged.passUnretained(writer).release()
            _ = fcntl(fd, F_SETFL, flags)
            return nil
        }
    }

    /// Whether the file is on ext4, XFS, Btrfs or tmpfs (by `fstatfs`'s `f_type`, the first
    /// field of `struct statfs` on Linux, which the Glibc module does not export).
    static func onLocalDisk(_ fd: Int32) -> Bool {
        #if os(Linux)
        let info = UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 16)
        defer { info.deallocate() }
        guard linuxFstatfs(fd, info) == 0 else { return false }
        return [0xEF53, 0x5846_5342, 0x9123_683E, 0x0102_1994].contains(info.load(as: Int.self))
        #else
        return false
        #endif
    }

    /// `O_DIRECT` of <fcntl.h>, which the Glibc module does not export: its value is the
    /// architecture's.
    static var oDirect: Int32? {
        #if os(Linux) && (arch(x86_64) || arch(i386))
        return 0o40000
        #elseif os(Linux) && arch(arm64)
        return 0o200000
        #else
        return nil
        #endif
    }

    deinit {
        // The thread ends after any write under way; then the stages are freed with the writer.
        writer.idle.wait()
        writer.count = -1
        writer.ready.signal()
        pthread_join(thread, nil)
        // A semaphore is not to be freed below the value it was made with (libdispatch traps).
        writer.idle.signal()
    }

    func put(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var rest = bytes
        while !rest.isEmpty {
            let n = min(rest.count, Self.size - staged)
            UnsafeMutableRawBufferPointer(rebasing: writer.stages[current][staged..<(staged + n)]).copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[..<n]))
            staged += n
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            if staged == Self.size {
                guard hand(Self.size) else { return false }
            }
        }
        return true
    }

    /// Hands the first `count` bytes of the current stage (a whole number of blocks) to the
    /// writing thread once its last write is done, and fills the other; false when a write failed.
    private func hand(_ count: Int) -> Bool {
        writer.idle.wait()
        guard !writer.failed else {
            writer.idle.signal()
            return false
        }
        (writer.index, writer.count) = (current, count)
        writer.ready.signal()
        current = 1 - current
        staged = 0
        return true
    }

    /// Writes what is staged, the last block padded, waits for every write, then cuts the file
    /// to `length`.
    func finish(length: Int) -> Bool {
        if staged > 0 {
            let padded = (staged + Self.block - 1) / Self.block * Self.block
            UnsafeMutableRawBufferPointer(rebasing: writer.stages[current][staged..<padded]).initializeMemory(as: UInt8.self, repeating: 0)
            guard hand(padded) else { return false }
        }
        writer.idle.wait()
        defer { writer.idle.signal() }
        return !writer.failed && ftruncate(writer.fd, off_t(length)) == 0
    }

    /// The writing thread's side: a stage to write is `index` and `count` (-1 to end), handed
    /// over by `ready`; `idle` is signalled when it is written. Each field is touched by one
    /// side at a time, in turn, as the semaphores order them.
    final class Writer: @unchecked Sendable {
        let fd: Int32
        let stages: [UnsafeMutableRawBufferPointer] = (0..<2).map { _ in .allocate(byteCount: DirectOutput.size, alignment: DirectOutput.block) }
        let ready = DispatchSemaphore(value: 0)
        let idle = DispatchSemaphore(value: 1)
        var index = 0
        var count = 0
        var failed = false

        init(fd: Int32) { self.fd = fd }

        deinit { for s in stages { s.deallocate() } }

        func run() {
            while true {
                ready.wait()
                guard count >= 0 else { return }
                if !Output.write(fd, UnsafeRawBufferPointer(rebasing: stages[index][..<count])) { failed = true }
                idle.signal()
            }
        }
    }
}

#if os(Linux)
/// `fstatfs` of <sys/vfs.h>, whose `struct statfs` the Glibc module does not export.
@_silgen_name("fstatfs")
private func linuxFstatfs(_ fd: Int32, _ info: UnsafeMutableRawPointer) -> Int32
#endif
