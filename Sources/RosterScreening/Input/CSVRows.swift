/// Complete CSV rows as byte ranges in one buffer: what `CSVParser` hands out as records, without
/// a string per field. Field `c` of row `r` is `bytes[field(r, c)]`, unquoted and unescaped.
public struct CSVRows: Sendable {
    public internal(set) var bytes: [UInt8] = []
    /// The end of every field in `bytes`, row after row.
    var fieldEnds: [Int32] = []
    /// Each row's first entry in `fieldEnds`; one more gives the end of the last row.
    var rowStart: [Int32] = [0]
    /// Each row's line in the file (1-based, counting the header).
    public internal(set) var lines: [Int32] = []

    public init() {}

    public var count: Int { lines.count }

    public func fieldCount(_ r: Int) -> Int { Int(rowStart[r + 1] - rowStart[r]) }

    public func field(_ r: Int, _ c: Int) -> Range<Int> {
        let i = Int(rowStart[r]) + c
        let start = i == 0 ? 0 : Int(fieldEnds[i - 1])
        return start..<Int(fieldEnds[i])
    }

    /// Where row `r`'s bytes begin.
    func byteStart(_ r: Int) -> Int {
        let i = Int(rowStart[r])
        return i == 0 ? 0 : Int(fieldEnds[i - 1])
    }

    public func string(_ r: Int, _ c: Int) -> String { String(decoding: bytes[field(r, c)], as: UTF8.self) }

    /// Row `r` as `CSVParser` gives it.
    public func record(_ r: Int) -> CSVRecord {
        CSVRecord(fields: (0..<fieldCount(r)).map { string(r, $0) }, line: Int(lines[r]))
    }

    /// Keeps rows `r...` (and any bytes after them, a row still being read) and returns the rows
    /// before `r`. `shift` receives how far the kept bytes moved down.
    mutating func split(at r: Int, shift: (Int) -> Void) -> CSVRows {
        let offset = r < count ? byteStart(r) : (fieldEnds.last.map(Int.init) ?? 0)
        let firstField = Int(rowStart[r])
        var rest = CSVRows()
        rest.bytes = Array(bytes[offset...])
        rest.fieldEnds = fieldEnds[firstField...].map { $0 - Int32(offset) }
        rest.rowStart = rowStart[r...].map { $0 - Int32(firstField) }
        rest.lines = Array(lines[r...])
        bytes.removeSubrange(offset...)
        fieldEnds.removeSubrange(firstField...)
        rowStart.removeSubrange((r + 1)...)
        lines.removeSubrange(r...)
        swap(&self, &rest)
        shift(offset)
        return rest
    }
}

/// `CSVParser`'s reading of RFC 4180, byte for byte, into `CSVRows`: the same records, the same
/// line numbers, the same error for an unclosed quote. Runs of ordinary bytes are copied whole.
public struct CSVRowParser {
    private var inQuotes = false
    private var quoteClosed = false
    private var line = 1
    private var recordLine = 1
    private var started = false
    private var pendingCR = false
    /// The ends of the current row's finished fields, and where its current field starts.
    private var rowEnds: [Int32] = []
    private var fieldStart = 0
    private var rowByteStart = 0

    public init() {}

    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, into rows: inout CSVRows) {
        var i = 0
        let n = chunk.count
        while i < n {
            let b = chunk[i]
            if pendingCR {
                pendingCR = false
                if b == 10 { i += 1; continue }
            }
            if inQuotes {
                var j = i
                while j < n, chunk[j] != 34 {
                    if chunk[j] == 10 { line += 1 }
                    j += 1
                }
                rows.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[i..<j]))
                if j < n {
                    inQuotes = false
                    quoteClosed = true
                    j += 1
                }
                i = j
                continue
            }
            switch b {
            case 34:
                started = true
                if quoteClosed {
                    rows.bytes.append(34)
                    inQuotes = true
                } else if rows.bytes.count == fieldStart {
                    inQuotes = true
                } else {
                    rows.bytes.append(34)
                }
                quoteClosed = false
            case 44:
                endField(&rows)
            case 10, 13:
                endField(&rows)
                endRow(&rows)
                line += 1
                recordLine = line
                pendingCR = b == 13
            default:
                var j = i + 1
                while j < n {
                    let c = chunk[j]
                    if c == 34 || c == 44 || c == 10 || c == 13 { break }
                    j += 1
                }
                rows.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[i..<j]))
                quoteClosed = false
                started = true
                i = j
                continue
            }
            i += 1
        }
    }

    /// Ends the input: the last row without a line break, or the error `CSVParser` gives.
    public mutating func finish(into rows: inout CSVRows) -> CSVError? {
        if inQuotes {
            return CSVError(line: recordLine, message: "a quoted field opened on line \(recordLine) is never closed: the file is cut off or has an unbalanced quote")
        }
        if started || rows.bytes.count > fieldStart || !rowEnds.isEmpty {
            endField(&rows)
            endRow(&rows)
        }
        return nil
    }

    /// The bytes of a row still being read moved down by `offset` (the rows before were taken).
    mutating func shift(_ offset: Int) {
        fieldStart -= offset
        rowByteStart -= offset
        for i in rowEnds.indices { rowEnds[i] -= Int32(offset) }
    }

    private mutating func endField(_ rows: inout CSVRows) {
        rowEnds.append(Int32(rows.bytes.count))
        fieldStart = rows.bytes.count
        quoteClosed = false
        started = true
    }

    private mutating func endRow(_ rows: inout CSVRows) {
        defer {
            rowEnds.removeAll(keepingCapacity: true)
            started = false
            rowByteStart = rows.bytes.count
            fieldStart = rowByteStart
        }
        // A blank line is no record.
        if rowEnds.count == 1, rowEnds[0] == Int32(rowByteStart) { return }
        rows.fieldEnds.append(contentsOf: rowEnds)
        rows.rowStart.append(Int32(rows.fieldEnds.count))
        rows.lines.append(Int32(recordLine))
    }
}
