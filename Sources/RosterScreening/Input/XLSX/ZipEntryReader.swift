internal import CZlib

/// Inflates the entries of a `ZipArchive` a chunk at a time, within bounds, so that a small file
/// that claims or inflates to a huge one (a "zip bomb") is refused before memory is spent on it.
///
/// Bounds, each checked against the sizes the directory declares before a byte is inflated,
/// and again against the bytes that come out while inflating:
/// - an entry inflates to at most `maxEntryBytes` (1 GiB) — the sheet is parsed as it comes, so
///   this bounds time, not memory;
/// - all entries read inflate to at most `maxTotalBytes` (1.25 GiB) together;
/// - past its first MiB, an entry inflates to at most `maxRatio` (100) times its compressed
///   size (real sheets are 5–20 times; a bomb is about 1,000);
/// - an entry gives exactly the size the directory says, with the CRC it says.
struct ZipEntryReader {
    static let maxEntryBytes = 1 << 30
    static let maxTotalBytes = 5 << 28
    static let maxRatio = 100
    static let ratioGrace = 1 << 20
    /// Bytes inflated at a time.
    static let chunkSize = 1 << 18

    let archive: ZipArchive
    /// Bytes inflated so far, over all the entries read.
    private(set) var total = 0

    init(_ archive: ZipArchive) { self.archive = archive }

    /// Calls `chunk` with the entry's bytes, a piece at a time; false when there is no such entry.
    mutating func read(_ name: String, _ chunk: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool {
        guard let e = archive.entries[name] else { return false }
        try checkDeclared(e)
        total += e.size
        var crc = crc32(0, nil, 0)
        var produced = 0
        func take(_ piece: UnsafeBufferPointer<UInt8>) throws {
            produced += piece.count
            // The directory's size was checked against the bounds; more than it is a lie.
            guard produced <= e.size else { throw ZipArchive.ZipError.corrupt("“\(name)”解压后比目录记载的大") }
            crc = crc32(crc, piece.baseAddress, uInt(piece.count))
            try chunk(piece)
        }
        try archive.bytes.withUnsafeBufferPointer { file in
            let input = UnsafeBufferPointer(rebasing: file[e.dataStart..<(e.dataStart + e.compressedSize)])
            switch e.method {
            case 0:
                guard e.compressedSize == e.size else { throw ZipArchive.ZipError.corrupt("“\(name)”的大小与目录不符") }
                var at = 0
                while at < input.count {
                    let n = min(Self.chunkSize, input.count - at)
                    try take(UnsafeBufferPointer(rebasing: input[at..<(at + n)]))
                    at += n
                }
            case 8: try inflate(input, name: name, take)
            default: throw ZipArchive.ZipError.unsupported("压缩方式\(e.method)")
            }
        }
        guard produced == e.size else { throw ZipArchive.ZipError.truncated("“\(name)”") }
        guard UInt32(truncatingIfNeeded: crc) == e.crc else { throw ZipArchive.ZipError.corrupt("“\(name)”的校验和不符") }
        return true
    }

    /// Refuses an entry whose declared size passes a bound, before inflating it.
    private func checkDeclared(_ e: ZipArchive.Entry) throws {
        let mib = { (n: Int) in n < 1 << 20 ? "\(n)字节" : "\((n + (1 << 20) - 1) >> 20) MiB" }
        if e.size > Self.ratioGrace + Self.maxRatio * e.compressedSize {
            throw ZipArchive.ZipError.tooLarge("“\(e.name)”由\(e.compressedSize)字节解压为\(mib(e.size))，压缩比超过\(Self.maxRatio):1，疑为压缩炸弹")
        }
        if e.size > Self.maxEntryBytes {
            throw ZipArchive.ZipError.tooLarge("“\(e.name)”解压后有\(mib(e.size))，超过上限\(mib(Self.maxEntryBytes))")
        }
        if total + e.size > Self.maxTotalBytes {
            throw ZipArchive.ZipError.tooLarge("各部分合计超过\(mib(Self.maxTotalBytes))")
        }
    }

    /// Raw DEFLATE (no zlib header), into one reused buffer of `chunkSize`.
    private func inflate(_ input: UnsafeBufferPointer<UInt8>, name: String, _ take: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw ZipArchive.ZipError.corrupt("“\(name)”") }
        defer { inflateEnd(&stream) }
        let output = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.chunkSize)
        defer { output.deallocate() }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = uInt(input.count)
        while true {
            stream.next_out = output.baseAddress
            stream.avail_out = uInt(output.count)
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            let n = output.count - Int(stream.avail_out)
            if n > 0 { try take(UnsafeBufferPointer(rebasing: output[0..<n])) }
            switch status {
            case Z_STREAM_END: return
            case Z_OK: continue
            case Z_BUF_ERROR where stream.avail_in == 0: throw ZipArchive.ZipError.truncated("“\(name)”的压缩数据")
            default: throw ZipArchive.ZipError.corrupt("“\(name)”的压缩数据无法解压")
            }
        }
    }
}
