/// One CSV record: its fields and the line it starts on (1-based, counting the header).
public struct CSVRecord: Sendable {
    public var fields: [String]
    public var line: Int
    /// The first field that holds bytes that are not UTF-8 (read as U+FFFD in `fields`), if
    /// any: the row is refused with its household (`RosterRefusal.undecodable`), never
    /// screened on text it garbled.
    public var undecodable: Int?

    public init(fields: [String], line: Int, undecodable: Int? = nil) {
        self.fields = fields
        self.line = line
        self.undecodable = undecodable
    }
}

/// Why a CSV file could not be read to its end.
public struct CSVError: Error, Sendable, Equatable {
    public let line: Int
    public let message: String
}

/// A streaming CSV parser (RFC 4180): quoted fields with `""`, line breaks inside quotes, CRLF or
/// LF. It is fed UTF-8 bytes in chunks and hands out whole records, one string a field. The
/// reading itself is `CSVRowParser`'s, which the batch path uses without the strings.
public struct CSVParser {
    private var parser = CSVRowParser()
    private var rows = CSVRows()

    public init() {}

    /// Parses a chunk; `emit` receives each complete record.
    public mutating func feed(_ bytes: ArraySlice<UInt8>, _ emit: (CSVRecord) -> Void) {
        bytes.withUnsafeBufferPointer { parser.feed($0, into: &rows) }
        flush(emit)
    }

    /// Ends the input: the last record without a line break, or an error for an unclosed quote.
    public mutating func finish(_ emit: (CSVRecord) -> Void) -> CSVError? {
        if let e = parser.finish(into: &rows) { return e }
        flush(emit)
        return nil
    }

    private mutating func flush(_ emit: (CSVRecord) -> Void) {
        for r in 0..<rows.count { emit(rows.record(r)) }
        _ = rows.split(at: rows.count) { parser.shift($0) }
    }
}
