/// A ZIP archive with every entry stored (no compression), so that the fuzzer's bytes reach the
/// sheet's XML reader as they are, not through a deflate stream mutations would break.
struct StoredZip {
    private var body: [UInt8] = []
    private var directory: [UInt8] = []
    private var count = 0

    mutating func add(_ name: String, _ data: [UInt8]) {
        let nameBytes = Array(name.utf8)
        let crc = Self.crc32(data)
        let offset = body.count
        // Local header: signature, version 2.0, flags 0, method 0 (stored), time and date 0.
        body += Self.le32(0x0403_4b50) + Self.le16(20) + Self.le16(0) + Self.le16(0) + Self.le32(0)
        body += Self.le32(crc) + Self.le32(UInt32(data.count)) + Self.le32(UInt32(data.count))
        body += Self.le16(UInt16(nameBytes.count)) + Self.le16(0) + nameBytes + data
        directory += Self.le32(0x0201_4b50) + Self.le16(20) + Self.le16(20) + Self.le16(0) + Self.le16(0) + Self.le32(0)
        directory += Self.le32(crc) + Self.le32(UInt32(data.count)) + Self.le32(UInt32(data.count))
        directory += Self.le16(UInt16(nameBytes.count)) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0)
        directory += Self.le32(0) + Self.le32(UInt32(offset)) + nameBytes
        count += 1
    }

    /// The archive: entries, central directory, end record.
    var bytes: [UInt8] {
        body + directory + Self.le32(0x0605_4b50) + Self.le16(0) + Self.le16(0) + Self.le16(UInt16(count)) + Self.le16(UInt16(count))
            + Self.le32(UInt32(directory.count)) + Self.le32(UInt32(body.count)) + Self.le16(0)
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// A workbook around the fuzzer's sheet: one sheet, a date style (14) at index 1, and the
/// shared strings when the input gives them.
enum FuzzWorkbook {
    static let workbook = #"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    static let styles = #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#

    /// `input` is the sheet's XML, then (after a NUL byte, when there is one) the shared strings' XML.
    static func make(_ input: ArraySlice<UInt8>) -> [UInt8] {
        var zip = StoredZip()
        zip.add("xl/workbook.xml", Array(workbook.utf8))
        zip.add("xl/styles.xml", Array(styles.utf8))
        if let nul = input.firstIndex(of: 0) {
            zip.add("xl/worksheets/sheet1.xml", Array(input[..<nul]))
            zip.add("xl/sharedStrings.xml", Array(input[(nul + 1)...]))
        } else {
            zip.add("xl/worksheets/sheet1.xml", Array(input))
        }
        return zip.bytes
    }
}
