/// Reads the directory of a ZIP archive (what an .xlsx file is) and checks it against the file:
/// the end record found and whole, every entry's header where the directory says, inside the
/// file and before the directory. Enough for spreadsheets; no encryption, no ZIP64, one disk.
/// A file cut anywhere is an error: without its end record it has no directory, and an entry cut
/// short, or whose bytes do not match its CRC, is found when it is read (`ZipEntryReader`).
struct ZipArchive {
    struct Entry {
        let name: String
        let method: UInt16
        let crc: UInt32
        let compressedSize: Int
        let size: Int
        /// Where the entry's compressed bytes begin.
        let dataStart: Int
    }

    enum ZipError: Error, CustomStringConvertible {
        case notZip, truncated(String), unsupported(String), corrupt(String)
        case tooLarge(String)

        var description: String {
            switch self {
            case .notZip: "不是.xlsx文件，或文件不完整（找不到ZIP目录）"
            case .truncated(let what): "文件不完整（\(what)被截断），请重新导出"
            case .unsupported(let what): "文件使用了\(what)，huimin无法读取；请用Excel或WPS另存为.xlsx"
            case .corrupt(let what): "文件已损坏（\(what)）"
            case .tooLarge(let what): "工作簿解压后过大：\(what)"
            }
        }
    }

    let bytes: [UInt8]
    let entries: [String: Entry]

    init(bytes: [UInt8]) throws {
        self.bytes = bytes
        let eocd = try Self.endRecord(bytes)
        guard Self.u16(bytes, eocd + 4) == 0, Self.u16(bytes, eocd + 6) == 0, Self.u16(bytes, eocd + 8) == Self.u16(bytes, eocd + 10) else {
            throw ZipError.unsupported("分卷压缩")
        }
        let count = Int(Self.u16(bytes, eocd + 10))
        let directorySize = Int(Self.u32(bytes, eocd + 12)), directoryStart = Int(Self.u32(bytes, eocd + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryStart == 0xFFFF_FFFF { throw ZipError.unsupported("ZIP64") }
        guard directoryStart + directorySize <= eocd else { throw ZipError.truncated("ZIP目录") }
        var entries: [String: Entry] = [:]
        var offset = directoryStart
        for _ in 0..<count {
            let (entry, next) = try Self.directoryEntry(bytes, at: offset, end: directoryStart + directorySize)
            guard entries.updateValue(entry, forKey: entry.name) == nil else { throw ZipError.corrupt("“\(entry.name)”出现了两次") }
            guard entry.dataStart + entry.compressedSize <= directoryStart else { throw ZipError.truncated("“\(entry.name)”") }
            offset = next
        }
        self.entries = entries
    }

    /// The end-of-central-directory record: within the last 64 KiB + 22 bytes, its comment
    /// reaching exactly to the end of the file.
    static func endRecord(_ bytes: [UInt8]) throws -> Int {
        guard bytes.count >= 22 else { throw ZipError.notZip }
        var i = bytes.count - 22
        while i >= max(0, bytes.count - 65_557) {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06,
                i + 22 + Int(u16(bytes, i + 20)) == bytes.count
            {
                return i
            }
            i -= 1
        }
        throw ZipError.notZip
    }

    /// The directory entry at `offset`, checked against its local header; and where the next begins.
    static func directoryEntry(_ bytes: [UInt8], at offset: Int, end: Int) throws -> (Entry, Int) {
        guard offset + 46 <= end, u32(bytes, offset) == 0x0201_4B50 else { throw ZipError.corrupt("ZIP目录") }
        let flags = u16(bytes, offset + 8)
        if flags & 1 != 0 { throw ZipError.unsupported("加密") }
        let method = u16(bytes, offset + 10)
        let crc = u32(bytes, offset + 16)
        let compressed = Int(u32(bytes, offset + 20)), size = Int(u32(bytes, offset + 24))
        let nameLength = Int(u16(bytes, offset + 28)), extra = Int(u16(bytes, offset + 30)), comment = Int(u16(bytes, offset + 32))
        let local = Int(u32(bytes, offset + 42))
        let next = offset + 46 + nameLength + extra + comment
        guard next <= end else { throw ZipError.corrupt("ZIP目录") }
        if compressed == 0xFFFF_FFFF || size == 0xFFFF_FFFF || local == 0xFFFF_FFFF { throw ZipError.unsupported("ZIP64") }
        let nameBytes = bytes[(offset + 46)..<(offset + 46 + nameLength)]
        guard let name = String(validating: nameBytes, as: UTF8.self) else { throw ZipError.corrupt("条目名称不是UTF-8") }
        // The local header: the same name and method, and the data after it.
        guard local + 30 <= bytes.count, u32(bytes, local) == 0x0403_4B50 else { throw ZipError.corrupt("“\(name)”的头部") }
        let localName = Int(u16(bytes, local + 26)), localExtra = Int(u16(bytes, local + 28))
        guard local + 30 + localName <= bytes.count, bytes[(local + 30)..<(local + 30 + localName)].elementsEqual(nameBytes),
            u16(bytes, local + 8) == method
        else { throw ZipError.corrupt("“\(name)”的头部与目录不符") }
        let entry = Entry(name: name, method: method, crc: crc, compressedSize: compressed, size: size, dataStart: local + 30 + localName + localExtra)
        return (entry, next)
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
}
