#if canImport(Glibc)
import Glibc
#endif

/// A temporary folder a harness writes its inputs and outputs into, in memory when /dev/shm is
/// there; removed when the process ends normally (a crash leaves it, under /dev/shm or $TMPDIR).
public final class ScratchFolder: Sendable {
    public let path: String

    public init(_ name: String) {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")
        var template = Array("\(base)/huimin-fuzz-\(name)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            Oracle.say("huimin fuzz: cannot make a folder under \(base)\n")
            exit(2)
        }
        path = String(cString: made)
        ScratchFolder.made.append(path)
        if ScratchFolder.made.count == 1 { atexit { ScratchFolder.made.forEach { ScratchFolder.removeTree($0) } } }
    }

    /// A folder that exists already: read, never removed.
    init(adopting path: String) { self.path = path }

    nonisolated(unsafe) static var made: [String] = []

    /// Writes `bytes` to `name` (a path inside the folder; its folders must exist).
    public func write(_ bytes: [UInt8], to name: String) {
        let fd = open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { Oracle.fail("harness: cannot write \(path)/\(name)") }
        var at = 0
        bytes.withUnsafeBytes { raw in
            while at < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + at, raw.count - at)
                guard n > 0 else { Oracle.fail("harness: short write to \(path)/\(name)") }
                at += n
            }
        }
        close(fd)
    }

    public func makeFolder(_ name: String) { mkdir(path + "/" + name, 0o755) }

    /// The bytes of `name`, or nil when it does not exist.
    public func read(_ name: String) -> [UInt8]? {
        let fd = open(path + "/" + name, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { break }
            out += chunk[0..<n]
        }
        return out
    }

    public func remove(_ name: String) { unlink(path + "/" + name) }

    /// The names in the folder (or in `sub` inside it), sorted.
    public func names(in sub: String = "") -> [String] {
        guard let dir = opendir(sub.isEmpty ? path : path + "/" + sub) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes everything in the folder but the names kept.
    public func clear(keeping kept: Set<String> = []) {
        for name in names() where !kept.contains(name) { ScratchFolder.removeTree(path + "/" + name) }
    }

    static func removeTree(_ path: String) {
        if unlink(path) == 0 { return }
        guard let dir = opendir(path) else { return }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            if name != ".", name != ".." { names.append(name) }
        }
        closedir(dir)
        for name in names { removeTree(path + "/" + name) }
        rmdir(path)
    }
}
