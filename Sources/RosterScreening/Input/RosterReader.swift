#if canImport(Glibc)
import Glibc
#endif
import SourceDiagnostics

/// Streams a CSV roster from disk: detects or applies the encoding, decodes, and parses records.
public struct RosterReader {
    public let path: String
    public let encoding: RosterEncoding
    public static let chunkSize = 1 << 20
    /// Bytes read at a time by `readChunks` (tests read in small chunks).
    public var chunkSize = RosterReader.chunkSize

    public init(path: String, encoding: RosterEncoding = .auto) {
        self.path = path
        self.encoding = encoding
    }

    public enum ReadError: Error, Sendable, CustomStringConvertible {
        case cannotOpen(String)
        case malformed(CSVError)
        case badEncoding(offset: Int)

        public var description: String {
            switch self {
            case .cannotOpen(let reason): "cannot read the roster: \(reason)"
            case .malformed(let e): "line \(e.line): \(e.message)"
            case .badEncoding(let offset): "the file is not valid UTF-8 or GB18030 (byte \(offset)); give --encoding if it is known"
            }
        }
    }

    /// The file's size in bytes, when it is a regular file (for the progress bar).
    public var size: Int? {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
    }

    /// One line of a JSONL roster, as `readLines` gives it.
    public struct Line {
        /// 1-based.
        public var number: Int
        /// The line without its line break (U+FFFD for a byte that is not UTF-8: see `isUTF8`).
        public var text: String
        /// Whether the line is well-formed UTF-8; a line that is not is refused, never read.
        public var isUTF8: Bool
        /// Whether a line break ends it: false only for a last line that may be cut off.
        public var terminated: Bool
    }

    /// Calls `line` for each non-empty line (UTF-8, for JSONL).
    public func readLines(progress: (Int) -> Void = { _ in }, _ line: (Line) -> Void) -> Result<RosterEncoding, ReadError> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure(.cannotOpen(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        var current: [UInt8] = []
        var number = 1, total = 0
        func emit(terminated: Bool) {
            if current.last == 13 { current.removeLast() }
            if current.starts(with: [0xEF, 0xBB, 0xBF]) { current.removeFirst(3) }
            if current.contains(where: { $0 != 32 && $0 != 9 }) {
                line(Line(number: number, text: String(decoding: current, as: UTF8.self), isUTF8: UTF8Validation.isValid(current), terminated: terminated))
            }
            current.removeAll(keepingCapacity: true)
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return .failure(.cannotOpen(String(cString: strerror(errno)))) }
            if n == 0 { break }
            total += n
            for b in buffer[0..<n] {
                if b == 10 {
                    emit(terminated: true)
                    number += 1
                } else {
                    current.append(b)
                }
            }
            progress(total)
        }
        if !current.isEmpty { emit(terminated: current.last == 13) }
        return .success(.utf8)
    }

    /// Calls `record` for each record in order and `progress` with the bytes read so far.
    /// The encoding actually used is returned; a parse error ends the read after the records before it.
    @discardableResult
    public func read(progress: (Int) -> Void = { _ in }, _ record: (CSVRecord) -> Void) -> Result<RosterEncoding, ReadError> {
        var parser = CSVParser()
        let used = readChunks(progress: progress) { parser.feed($0, record) }
        if case .success = used, let e = parser.finish(record) { return .failure(.malformed(e)) }
        return used
    }

    /// Calls `chunk` with the file's text as UTF-8, chunk after chunk (a BOM left out, GB18030
    /// decoded), and `progress` with the bytes read so far. Returns the encoding used.
    public func readChunks(progress: (Int) -> Void = { _ in }, _ chunk: (ArraySlice<UInt8>) -> Void) -> Result<RosterEncoding, ReadError> {
        readChunks(progress: progress, carrying: { [] }) { chunk($0[...]) }
    }

    /// Bytes from the first one beyond ASCII that `auto` reads before deciding the encoding
    /// (fewer only at the end of the file).
    public static let detectionWindow = 1 << 16

    /// `readChunks` for a reader that keeps the end of each chunk for the next (a row not yet
    /// whole): each chunk is an array of its own that begins with what `carry` gives, with the
    /// file's next bytes read straight in after it. Only what is kept is copied, not each chunk.
    ///
    /// With `auto`, ASCII passes as it is (it reads the same in either encoding), and the
    /// encoding is decided at the file's first byte beyond ASCII, on at least
    /// `detectionWindow` bytes from there (`RosterEncoding.detect`): text after that byte is
    /// held back until so much is read. UTF-8 is passed on as read, never decoded here: a row
    /// with bytes that are not UTF-8 is refused where its cells are read, with its row number
    /// (`CSVRecord.undecodable`), so memory stays one chunk whatever the file's size.
    public func readChunks(progress: (Int) -> Void = { _ in }, carrying carry: () -> ArraySlice<UInt8>, _ chunk: ([UInt8]) -> Void) -> Result<RosterEncoding, ReadError> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure(.cannotOpen(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var used = encoding
        var decoder: GB18030Decoder?
        var total = 0
        /// The file's offset where decoding began (a GB18030 file decided after ASCII chunks).
        var decodedFrom = 0
        /// Text from the first byte beyond ASCII, held back until there is enough to decide on.
        var held: [UInt8] = []
        var first = true
        while true {
            let kept = carry()
            // Straight into the chunk when no decoding follows; GB18030 is decoded into it.
            let direct = !first && decoder == nil
            let heldBefore = held.count
            var n = 0
            var bytes = [UInt8](unsafeUninitializedCapacity: (direct ? kept.count + held.count : 0) + chunkSize) { room, count in
                var at = 0
                if direct {
                    kept.withUnsafeBufferPointer { room.baseAddress!.update(from: $0.baseAddress!, count: kept.count) }
                    held.withUnsafeBufferPointer { room.baseAddress!.advanced(by: kept.count).update(from: $0.baseAddress!, count: held.count) }
                    at = kept.count + held.count
                }
                n = Glibc.read(fd, room.baseAddress! + at, chunkSize)
                count = at + max(0, n)
            }
            if n < 0 { return .failure(.cannotOpen(String(cString: strerror(errno)))) }
            held = []
            // Where the text not passed on yet begins in `bytes` (after what was kept, when read straight in).
            var read = direct ? kept.count : 0
            if first {
                first = false
                if used != .gb18030, bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                    bytes.removeFirst(3)
                    used = .utf8
                }
            }
            if used == .auto {
                if let high = bytes[read...].firstIndex(where: { $0 >= 0x80 }) {
                    if bytes.count - high < Self.detectionWindow, n > 0 {
                        // Too little to decide on: the ASCII before it goes on, the rest waits.
                        held = Array(bytes[high...])
                        bytes.removeSubrange(high...)
                    } else {
                        used = RosterEncoding.detect(bytes[high...])
                    }
                } else if n == 0 {
                    used = .utf8
                }
            }
            if used == .gb18030, decoder == nil {
                decoder = GB18030Decoder()
                if decoder == nil { return .failure(.cannotOpen("this system has no GB18030 converter (iconv)")) }
                decodedFrom = total - heldBefore
                if direct {
                    // Decided on this chunk: what was kept is text already, the rest is decoded.
                    bytes.removeFirst(read)
                    read = 0
                }
            }
            total += n
            if let decoder {
                chunk(Array(kept) + decoder.decode(bytes[read...], final: n == 0))
                if let bad = decoder.invalidAt { return .failure(.badEncoding(offset: decodedFrom + bad)) }
            } else {
                if !direct, !kept.isEmpty { bytes = Array(kept) + bytes }
                chunk(bytes)
            }
            progress(total)
            if n == 0 { break }
        }
        return .success(used == .auto ? .utf8 : used)
    }
}
