internal import CZlib

/// Reads the entries of a ZIP archive (what an .xlsx file is): the central directory, then each
/// entry stored or deflated. Enough for spreadsheets; no encryption, no ZIP64.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: UInt16
        let compressedSize: Int
        let size: Int
        let localHeader: Int
    }

    enum ZipError: Error, CustomStringConvertible {
        case notZip, truncated, unsupported(String), corrupt(String)

        var description: String {
            switch self {
            case .notZip: "this is not an .xlsx file (no ZIP directory found)"
            case .truncated: "the .xlsx file is cut off"
            case .unsupported(let what): "the .xlsx file uses \(what), which huimin cannot read; save it again from Excel or WPS"
            case .corrupt(let name): "the .xlsx file is damaged (\(name))"
            }
        }
    }

    let bytes: [UInt8]
    let entries: [String: Entry]

    init(bytes: [UInt8]) throws {
        self.bytes = bytes
        // The end-of-central-directory record is within the last 64 KiB + 22 bytes.
        var eocd = -1
        var i = bytes.count - 22
        while i >= max(0, bytes.count - 65_557) {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw ZipError.notZip }
        let count = Int(Self.u16(bytes, eocd + 10))
        var offset = Int(Self.u32(bytes, eocd + 16))
        var entries: [String: Entry] = [:]
        for _ in 0..<count {
            guard offset + 46 <= bytes.count, Self.u32(bytes, offset) == 0x0201_4B50 else { throw ZipError.corrupt("central directory") }
            let flags = Self.u16(bytes, offset + 8)
            if flags & 1 != 0 { throw ZipError.unsupported("encryption") }
            let method = Self.u16(bytes, offset + 10)
            let compressed = Int(Self.u32(bytes, offset + 20)), size = Int(Self.u32(bytes, offset + 24))
            let nameLength = Int(Self.u16(bytes, offset + 28)), extra = Int(Self.u16(bytes, offset + 30)), comment = Int(Self.u16(bytes, offset + 32))
            let local = Int(Self.u32(bytes, offset + 42))
            guard offset + 46 + nameLength <= bytes.count else { throw ZipError.truncated }
            let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            if compressed == 0xFFFF_FFFF || size == 0xFFFF_FFFF { throw ZipError.unsupported("ZIP64") }
            entries[name] = Entry(name: name, method: method, compressedSize: compressed, size: size, localHeader: local)
            offset += 46 + nameLength + extra + comment
        }
        self.entries = entries
    }

    /// The uncompressed bytes of an entry, or nil if there is no such entry.
    func data(_ name: String) throws -> [UInt8]? {
        guard let e = entries[name] else { return nil }
        let h = e.localHeader
        guard h + 30 <= bytes.count, Self.u32(bytes, h) == 0x0403_4B50 else { throw ZipError.corrupt(name) }
        let start = h + 30 + Int(Self.u16(bytes, h + 26)) + Int(Self.u16(bytes, h + 28))
        guard start + e.compressedSize <= bytes.count else { throw ZipError.truncated }
        switch e.method {
        case 0: return Array(bytes[start..<(start + e.compressedSize)])
        case 8: return try inflate(bytes[start..<(start + e.compressedSize)], size: e.size, name: name)
        default: throw ZipError.unsupported("compression method \(e.method)")
        }
    }

    private func inflate(_ input: ArraySlice<UInt8>, size: Int, name: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: max(size, 1))
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw ZipError.corrupt(name) }
        defer { inflateEnd(&stream) }
        let status: Int32 = input.withUnsafeBytes { inBuf in
            output.withUnsafeMutableBytes { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(outBuf.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else { throw ZipError.corrupt(name) }
        return Array(output.prefix(size))
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
}
