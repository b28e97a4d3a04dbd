/// Complete CSV rows as byte ranges in one buffer: what `CSVParser` hands out as records, without
/// a string per field. Field `c` of row `r` is `bytes[field(r, c)]`, unquoted and unescaped.
///
/// The buffer holds the input as read: a field's range leaves out its quotes and the commas and
/// line breaks between fields, so most input is never copied again. Only a field with an escaped
/// quote (`""`) or text after its closing quote is moved down within its own bytes.
public struct CSVRows: Sendable {
    public internal(set) var bytes: [UInt8] = []
    /// The start and end of every field in `bytes`, row after row.
    var fieldStarts: [Int32] = []
    var fieldEnds: [Int32] = []
    /// Each row's first field; one more gives the end of the last row.
    public internal(set) var rowStart: [Int32] = [0]
    /// Each row's line in the file (1-based, counting the header).
    public internal(set) var lines: [Int32] = []

    public init() {}

    public var count: Int { lines.count }

    /// Keeps rows `r...` (and any bytes and fields after them, a row still being read) and returns the rows
    /// before `r`. `shift` receives how far the kept bytes moved down.
    mutating func split(at r: Int, shift: (Int) -> Void) -> CSVRows {
        let firstField = Int(rowStart[r])
        // The bytes kept begin with row `r`'s first field, or after the last field of the rows given.
        let offset = r < count ? Int(fieldStarts[firstField]) : firstField > 0 ? Int(fieldEnds[firstField - 1]) : 0
        var rest = CSVRows()
        rest.bytes = Array(bytes[offset...])
        rest.fieldStarts = fieldStarts[firstField...].map { $0 - Int32(offset) }
        rest.fieldEnds = fieldEnds[firstField...].map { $0 - Int32(offset) }
        rest.rowStart = rowStart[r...].map { $0 - Int32(firstField) }
        rest.lines = Array(lines[r...])
        bytes.removeSubrange(offset...)
        fieldStarts.removeSubrange(firstField...)
        fieldEnds.removeSubrange(firstField...)
        rowStart.removeSubrange((r + 1)...)
        lines.removeSubrange(r...)
        swap(&self, &rest)
        shift(offset)
        return rest
    }
}

/// `CSVParser`'s reading of RFC 4180 into `CSVRows`. Quotes are read as spreadsheets read them:
/// a quote opens a quoted field only at the start of a field's text; `""` inside one is a quote;
/// a quote elsewhere, and text after a closing quote, are kept as they are. A blank line, or
/// one of only `""`, is no record. An unclosed quote at the end is an error naming its line.
///
/// The fields of a row still being read are already in `rows` (after its last row's fields).
public struct CSVRowParser {
    private var inQuotes = false
    private var quoteClosed = false
    private var line = 1
    private var recordLine = 1
    private var started = false
    private var pendingCR = false
    /// The current field's text so far is `rows.bytes[fieldStart..<write]`.
    private var fieldStart = 0
    private var write = 0

    public init() {}

    /// A parser whose first row is on line `line` of the file (text read from a row's start).
    public init(line: Int) {
        self.line = line
        recordLine = line
    }

    /// The line the next row begins on.
    public var nextLine: Int { line }

    /// Whether the text read so far ends a row: nothing of a next row read yet.
    public var atRowStart: Bool { !inQuotes && !started && !pendingCR && write == fieldStart }

    /// Bytes that end a run of a field's text: a quote, a comma, CR, LF.
    private static let special: [Bool] = (0..<256).map { $0 == 34 || $0 == 44 || $0 == 10 || $0 == 13 }

    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, into rows: inout CSVRows) {
        guard !chunk.isEmpty else { return }
        // The bytes are taken out of `rows` while rows are added to it (not copied: held once).
        var bytes = rows.bytes
        rows.bytes = []
        defer { rows.bytes = bytes }
        let base = bytes.count
        bytes.append(contentsOf: chunk)
        let n = bytes.count
        // The state in locals while the chunk is read.
        var (inQuotes, quoteClosed, line, recordLine, started, pendingCR, fieldStart, write) =
            (self.inQuotes, self.quoteClosed, self.line, self.recordLine, self.started, self.pendingCR, self.fieldStart, self.write)
        defer {
            (self.inQuotes, self.quoteClosed, self.line, self.recordLine, self.started, self.pendingCR, self.fieldStart, self.write) =
                (inQuotes, quoteClosed, line, recordLine, started, pendingCR, fieldStart, write)
        }
        // The chunk's fields go first into memory of their own, one store each, and into
        // `rows` at once at the end: fields (`held` of them) are `rows`' then these.
        let held = rows.fieldStarts.count
        var staged = StagedFields(capacity: chunk.count / 4 + 16)
        defer { staged.move(into: &rows) }
        bytes.withUnsafeMutableBufferPointer { b in
            Self.special.withUnsafeBufferPointer { special in
                let p = b.baseAddress!
                /// Keeps `b[from..<to]` as the field's next text, moving it down when bytes were left out before it.
                @inline(__always) func keep(_ from: Int, _ to: Int) {
                    guard to > from else { return }
                    if write == fieldStart, write < from {
                        // Nothing kept yet: the field's text simply begins here.
                        fieldStart = from
                        write = from
                    }
                    if write != from { (p + write).update(from: p + from, count: to - from) }
                    write += to - from
                }
                @inline(__always) func endField(next: Int) {
                    staged.append(fieldStart, write)
                    fieldStart = next
                    write = next
                    quoteClosed = false
                    started = true
                }
                /// Ends the row whose fields follow the last row's (right after `endField`, so its
                /// last field is staged): a record, unless it is a blank line, one empty field.
                @inline(__always) func endRow() {
                    let first = Int(rows.rowStart[rows.rowStart.count - 1])
                    if held + staged.count == first + 1, staged.ends[first - held] == staged.starts[first - held] {
                        staged.count -= 1
                        return
                    }
                    rows.rowStart.append(Int32(held + staged.count))
                    rows.lines.append(Int32(recordLine))
                }
                var i = base
                while i < n {
                    let c = p[i]
                    if pendingCR {
                        pendingCR = false
                        if c == 10 { i += 1; continue }
                    }
                    if inQuotes {
                        var j = i
                        while j < n, p[j] != 34 {
                            if p[j] == 10 { line += 1 }
                            j += 1
                        }
                        keep(i, j)
                        if j < n {
                            inQuotes = false
                            quoteClosed = true
                            j += 1
                        }
                        i = j
                        continue
                    }
                    switch c {
                    case 34:
                        started = true
                        if quoteClosed {
                            keep(i, i + 1)
                            inQuotes = true
                        } else if write == fieldStart {
                            // An opening quote: the text begins after it.
                            fieldStart = i + 1
                            write = i + 1
                            inQuotes = true
                        } else {
                            keep(i, i + 1)
                        }
                        quoteClosed = false
                    case 44:
                        endField(next: i + 1)
                    case 10, 13:
                        endField(next: i + 1)
                        endRow()
                        started = false
                        line += 1
                        recordLine = line
                        pendingCR = c == 13
                    default:
                        var j = i + 1
                        while j < n, !special[Int(p[j])] { j += 1 }
                        keep(i, j)
                        quoteClosed = false
                        started = true
                        if j < n, p[j] == 44 {
                            // Most fields end at a comma.
                            endField(next: j + 1)
                            i = j + 1
                        } else {
                            i = j
                        }
                        continue
                    }
                    i += 1
                }
            }
        }
    }

    /// Whether `finish` found a last row with no line break after it: a file that may be cut off.
    public private(set) var endedWithoutLineBreak = false

    /// Ends the input: the last row without a line break, or the error `CSVParser` gives.
    public mutating func finish(into rows: inout CSVRows) -> CSVError? {
        if inQuotes {
            return CSVError(line: recordLine, message: "a quoted field opened on line \(recordLine) is never closed: the file is cut off or has an unbalanced quote")
        }
        if started || write > fieldStart || rows.fieldEnds.count > Int(rows.rowStart.last!) {
            rows.fieldStarts.append(Int32(fieldStart))
            rows.fieldEnds.append(Int32(write))
            let before = rows.count
            Self.endRow(&rows, line: recordLine)
            endedWithoutLineBreak = rows.count > before
            started = false
            fieldStart = rows.bytes.count
            write = fieldStart
        }
        return nil
    }

    /// The bytes still being read moved down by `offset` (the rows before were taken).
    mutating func shift(_ offset: Int) {
        fieldStart -= offset
        write -= offset
    }

    /// Ends the row whose fields follow the last row's: a record, unless it is a blank line.
    private static func endRow(_ rows: inout CSVRows, line: Int) {
        let first = Int(rows.rowStart[rows.rowStart.count - 1])
        if rows.fieldEnds.count == first + 1, rows.fieldEnds[first] == rows.fieldStarts[first] {
            rows.fieldStarts.removeLast()
            rows.fieldEnds.removeLast()
            return
        }
        rows.rowStart.append(Int32(rows.fieldEnds.count))
        rows.lines.append(Int32(line))
    }
}

/// Fields' starts and ends kept in memory of their own while text is read, one store each
/// (grown when full), then added to a `CSVRows` at once.
struct StagedFields {
    private(set) var starts: UnsafeMutablePointer<Int32>
    private(set) var ends: UnsafeMutablePointer<Int32>
    /// The fields kept; lowered to drop the last ones.
    var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        starts = .allocate(capacity: self.capacity)
        ends = .allocate(capacity: self.capacity)
    }

    @inline(__always) mutating func append(_ start: Int, _ end: Int) {
        if count == capacity {
            capacity *= 2
            let s = UnsafeMutablePointer<Int32>.allocate(capacity: capacity), e = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
            s.moveInitialize(from: starts, count: count)
            e.moveInitialize(from: ends, count: count)
            starts.deallocate()
            ends.deallocate()
            (starts, ends) = (s, e)
        }
        starts[count] = Int32(start)
        ends[count] = Int32(end)
        count += 1
    }

    /// Adds the fields after `rows`' own and frees the memory: not to be used after.
    func move(into rows: inout CSVRows) {
        rows.fieldStarts.append(contentsOf: UnsafeBufferPointer(start: starts, count: count))
        rows.fieldEnds.append(contentsOf: UnsafeBufferPointer(start: ends, count: count))
        starts.deallocate()
        ends.deallocate()
    }
}
