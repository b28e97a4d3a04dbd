#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One file of source text, with the byte offsets of its lines computed once.
///
/// Spans store byte offsets; lines and columns are computed here, only when a
/// diagnostic is rendered.
public final class SourceFile: Sendable {
    public let path: String
    public let bytes: [UInt8]
    private let lineStarts: [Int]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        var starts = [0]
        var i = 0
        while i < bytes.count {
            let length = Self.lineBreak(in: bytes, at: i)
            if length > 0 {
                i += length
                starts.append(i)
            } else {
                i += 1
            }
        }
        self.lineStarts = starts
    }

    /// The length of the line break at `i` (0 when there is none): LF, CR LF, a lone CR, and
    /// NEL, LS and PS, which libyaml also counts as line breaks. Its marks give a line and a
    /// column, so lines are cut here exactly where libyaml cuts them; a file with lone CRs (old
    /// Mac line ends) is then located at its real line, not at line 1 and a column past the end.
    @inline(__always) static func lineBreak(in bytes: [UInt8], at i: Int) -> Int {
        switch bytes[i] {
        case 0x0A: return 1
        case 0x0D: return i + 1 < bytes.count && bytes[i + 1] == 0x0A ? 2 : 1
        case 0xC2: return i + 1 < bytes.count && bytes[i + 1] == 0x85 ? 2 : 0
        case 0xE2: return i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9) ? 3 : 0
        default: return 0
        }
    }

    public convenience init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Reads a file; `nil` with a reason when it cannot be read.
    public static func load(path: String, maxBytes: Int = 16 << 20) -> Result<SourceFile, FileError> {
        switch FileBytes.read(path: path, maxBytes: maxBytes) {
        case .success(let bytes): return .success(SourceFile(path: path, bytes: bytes))
        case .failure(let error): return .failure(error)
        }
    }

    /// 1-based line and column (in Unicode characters) of a byte offset.
    public func location(of offset: Int) -> SourceLocation {
        let clamped = max(0, min(offset, bytes.count))
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= clamped { lo = mid } else { hi = mid - 1 }
        }
        let lineStart = lineStarts[lo]
        let column = scalarCount(from: lineStart, to: clamped) + 1
        return SourceLocation(line: lo + 1, column: column, offset: clamped)
    }

    /// Byte offset of a 1-based line and a 0-based column counted in characters.
    public func offset(line: Int, characterColumn: Int) -> Int {
        guard line >= 1, line <= lineStarts.count else { return bytes.count }
        return offset(advancing: characterColumn, from: lineStarts[line - 1])
    }

    /// The byte offset `characters` characters after `offset`, stopping at the end of its line
    /// (at any line break `lineBreak` knows).
    /// A reader that moves forward on a line starts from where it was, so a long line (a JSON body
    /// on one line) is walked once, not once a position.
    public func offset(advancing characters: Int, from offset: Int) -> Int {
        var offset = offset
        var remaining = characters
        while remaining > 0, offset < bytes.count, Self.lineBreak(in: bytes, at: offset) == 0 {
            offset += 1
            while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            remaining -= 1
        }
        return offset
    }

    /// The text of a 1-based line, without its line break.
    public func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = start
        while end < bytes.count, Self.lineBreak(in: bytes, at: end) == 0 { end += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    public var lineCount: Int { lineStarts.count }

    private func scalarCount(from start: Int, to end: Int) -> Int {
        var count = 0
        var i = start
        while i < end {
            if bytes[i] & 0xC0 != 0x80 { count += 1 }
            i += 1
        }
        return count
    }
}

public struct SourceLocation: Sendable, Equatable {
    public let line: Int
    public let column: Int
    public let offset: Int
}

public struct FileError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Whole-file reads through the C library, without Foundation, so that start-up stays cheap.
public enum FileBytes {
    public static func read(path: String, maxBytes: Int = 1 << 34) -> Result<[UInt8], FileError> {
        guard let handle = fopen(path, "rb") else {
            return .failure(FileError(path: path, reason: String(cString: strerror(errno))))
        }
        defer { fclose(handle) }
        var info = stat()
        if fstat(fileno(handle), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            let size = Int(info.st_size)
            if size > maxBytes { return .failure(FileError(path: path, reason: "file is larger than \(maxBytes) bytes")) }
            var bytes = [UInt8](repeating: 0, count: size)
            let n = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, size, handle) }
            if n == size, fgetc(handle) == EOF { return .success(bytes) }
            rewind(handle)
        }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            if n > 0 { result.append(contentsOf: chunk[0..<n]) }
            if result.count > maxBytes {
                return .failure(FileError(path: path, reason: "file is larger than \(maxBytes) bytes"))
            }
            if n < chunk.count {
                if ferror(handle) != 0 { return .failure(FileError(path: path, reason: "read error")) }
                break
            }
        }
        return .success(result)
    }

    /// Writes to `path` through a temporary file renamed into place, so a reader never sees half a file.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) -> Result<Void, FileError> {
        let temporary = path + ".tmp-\(getpid())"
        guard let handle = fopen(temporary, "wb") else {
            return .failure(FileError(path: path, reason: String(cString: strerror(errno))))
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        let closed = fclose(handle)
        guard written == bytes.count, closed == 0 else {
            unlink(temporary)
            return .failure(FileError(path: path, reason: "write failed"))
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            return .failure(FileError(path: path, reason: String(cString: strerror(errno))))
        }
        return .success(())
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Names in a directory, sorted, without `.` and `..`.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Files below `path` (recursively) whose names end with one of `suffixes`, sorted by path.
    public static func files(under path: String, suffixes: [String]) -> [String] {
        var found: [String] = []
        for name in list(path) {
            let full = path.hasSuffix("/") ? path + name : path + "/" + name
            if isDirectory(full) {
                found += files(under: full, suffixes: suffixes)
            } else if suffixes.contains(where: { name.hasSuffix($0) }) {
                found.append(full)
            }
        }
        return found.sorted()
    }
}
