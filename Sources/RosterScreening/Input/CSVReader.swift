/// One CSV record: its fields and the line it starts on (1-based, counting the header).
public struct CSVRecord: Sendable {
    public var fields: [String]
    public var line: Int
}

/// Why a CSV file could not be read to its end.
public struct CSVError: Error, Sendable, Equatable {
    public let line: Int
    public let message: String
}

/// A streaming CSV parser (RFC 4180): quoted fields with `""`, line breaks inside quotes, CRLF or
/// LF. It is fed UTF-8 bytes in chunks and hands out whole records.
public struct CSVParser {
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var inQuotes = false
    private var quoteClosed = false
    private var line = 1
    private var recordLine = 1
    private var started = false
    private var pendingCR = false

    public init() {}

    /// Parses a chunk; `emit` receives each complete record.
    public mutating func feed(_ bytes: ArraySlice<UInt8>, _ emit: (CSVRecord) -> Void) {
        for b in bytes {
            if pendingCR {
                pendingCR = false
                if b == 10 { continue }
            }
            if inQuotes {
                if b == 34 {
                    inQuotes = false
                    quoteClosed = true
                } else {
                    if b == 10 { line += 1 }
                    field.append(b)
                }
                continue
            }
            switch b {
            case 34:
                started = true
                if quoteClosed {
                    field.append(34)  // `""` inside a quoted field stands for one quote
                    inQuotes = true
                } else if field.isEmpty {
                    inQuotes = true  // a quoted field begins
                } else {
                    field.append(34)  // a stray quote inside an unquoted field is kept as text
                }
                quoteClosed = false
            case 44:
                endField()
            case 10, 13:
                endField()
                emitRecord(emit)
                line += 1
                recordLine = line
                pendingCR = b == 13
            default:
                quoteClosed = false
                started = true
                field.append(b)
            }
        }
    }

    /// Ends the input: the last record without a line break, or an error for an unclosed quote.
    public mutating func finish(_ emit: (CSVRecord) -> Void) -> CSVError? {
        if inQuotes {
            return CSVError(line: recordLine, message: "a quoted field opened on line \(recordLine) is never closed: the file is cut off or has an unbalanced quote")
        }
        if started || !field.isEmpty || !fields.isEmpty {
            endField()
            emitRecord(emit)
        }
        return nil
    }

    private mutating func endField() {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        quoteClosed = false
        started = true
    }

    private mutating func emitRecord(_ emit: (CSVRecord) -> Void) {
        defer {
            fields.removeAll(keepingCapacity: true)
            started = false
        }
        // A blank line is no record.
        if fields.count == 1, fields[0].isEmpty { return }
        emit(CSVRecord(fields: fields, line: recordLine))
    }
}
