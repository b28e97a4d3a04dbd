/// Rows whose fields the batch path reads row after row: rows the row parser read (`CSVRows`),
/// or plain text the reading thread cut by its line breaks (`PlainRows`), whose fields are found
/// as they are read, with no table of them made first.
protocol BatchRows: Sendable {
    var bytes: [UInt8] { get }
    /// Whether no field can hold a comma, a quote or a line break: fields are written out as they are.
    var plain: Bool { get }
    /// Row `r`'s line in the file.
    func line(_ r: Int) -> Int
    /// Whether every field of row `r` is well-formed UTF-8.
    func isUTF8(_ r: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool
    /// Calls `field` with the start and end (in `bytes`) of each field of row `r`, in order.
    func forEachField(_ r: Int, in bytes: UnsafeBufferPointer<UInt8>, _ field: (Int, Int) -> Void)
    /// Field `c` of row `r` (empty when the row has no such field): a household id, for each row
    /// the row parser groups.
    func field(_ r: Int, _ c: Int) -> Range<Int>
}

extension BatchRows {
    /// Row `r` as `CSVParser` gives it, noting whether a field is not UTF-8.
    func record(_ r: Int) -> CSVRecord {
        var fields: [String] = []
        var undecodable: Int?
        bytes.withUnsafeBufferPointer { b in
            forEachField(r, in: b) { from, to in
                let field = UnsafeBufferPointer(rebasing: b[from..<to])
                if undecodable == nil, !UTF8Validation.isValid(field) { undecodable = fields.count }
                fields.append(String(decoding: field, as: UTF8.self))
            }
        }
        return CSVRecord(fields: fields, line: line(r), undecodable: undecodable)
    }

    /// Whether every field of row `r` is well-formed UTF-8, each on its own: a field's bytes may
    /// have been moved down within the row, leaving stale bytes between fields.
    func isUTF8(_ r: Int, in b: UnsafeBufferPointer<UInt8>) -> Bool {
        var valid = true
        forEachField(r, in: b) { from, to in
            let field = UnsafeBufferPointer(rebasing: b[from..<to])
            if valid, !UTF8Validation.isValid(field) { valid = false }
        }
        return valid
    }

    /// Field `c` of row `r`, found by going through the row's fields.
    func field(_ r: Int, _ c: Int) -> Range<Int> {
        var i = 0, found = 0..<0
        bytes.withUnsafeBufferPointer { b in
            forEachField(r, in: b) { from, to in
                if i == c { found = from..<to }
                i += 1
            }
        }
        return found
    }
}

extension CSVRows: BatchRows {
    /// A field may hold anything the parser read from quotes.
    var plain: Bool { false }

    func line(_ r: Int) -> Int { Int(lines[r]) }

    @inline(__always) func forEachField(_ r: Int, in bytes: UnsafeBufferPointer<UInt8>, _ field: (Int, Int) -> Void) {
        for i in Int(rowStart[r])..<Int(rowStart[r + 1]) { field(Int(fieldStarts[i]), Int(fieldEnds[i])) }
    }

    /// From the table of fields, at once.
    func field(_ r: Int, _ c: Int) -> Range<Int> {
        let i = Int(rowStart[r]) + c
        return i < Int(rowStart[r + 1]) ? Int(fieldStarts[i])..<Int(fieldEnds[i]) : 0..<0
    }
}

/// Rows of text without a quote, each from its first byte to its end (before its CR LF), as the
/// reading thread cut them (`BatchScreening.cut`): a field ends at a comma or the row's end.
struct PlainRows: BatchRows {
    let bytes: [UInt8]
    let starts: [Int]
    let ends: [Int]
    let lines: [Int32]
    var plain: Bool { true }

    func line(_ r: Int) -> Int { Int(lines[r]) }

    /// Whether row `r` is well-formed UTF-8: its text as read, all at once (commas are ASCII).
    func isUTF8(_ r: Int, in b: UnsafeBufferPointer<UInt8>) -> Bool {
        UTF8Validation.isValid(UnsafeBufferPointer(rebasing: b[starts[r]..<ends[r]]))
    }

    /// The commas among the 8 bytes at `i`, each found exactly: the high bit of each byte that is one.
    @inline(__always) static func commas(in b: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt64 {
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let x = UInt64(littleEndian: UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)) ^ 0x2C2C_2C2C_2C2C_2C2C
        return ~(((x & low) &+ low) | x | low)
    }

    /// The first comma of `b[from..<to]`, eight bytes at a time.
    @inline(__always) static func comma(in b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
        var i = from
        while i + 8 <= to {
            let found = commas(in: b, at: i)
            if found != 0 { return i + found.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < to, b[i] != 44 { i += 1 }
        return i < to ? i : nil
    }

    @inline(__always) func forEachField(_ r: Int, in b: UnsafeBufferPointer<UInt8>, _ field: (Int, Int) -> Void) {
        var from = starts[r], i = from
        let end = ends[r]
        // Eight bytes at a time: the commas among them, each found exactly.
        while i + 8 <= end {
            var found = Self.commas(in: b, at: i)
            while found != 0 {
                let comma = i + found.trailingZeroBitCount >> 3
                field(from, comma)
                from = comma + 1
                found &= found - 1
            }
            i += 8
        }
        while i < end {
            if b[i] == 44 {
                field(from, i)
                from = i + 1
            }
            i += 1
        }
        field(from, end)
    }
}
