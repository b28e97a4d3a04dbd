/// Households refused whole before any of their cells is read, because the text itself cannot
/// be trusted: a last row that may be cut off, or text that is not in the file's encoding. The
/// wording of these reasons is kept here, together; both paths reach it through
/// `HouseholdAssembler.assemble`, so their rejects are the same bytes.
///
/// No reason quotes a cell: the text in question is garbled or cut, and may be personal.
public enum RosterRefusal {
    /// The option that says a roster is known to be whole, as the reasons name it.
    public static let completeOption = "--file-complete"

    /// A household whose rows end the file with no line break after the last (`last`): the
    /// file may have been cut there, in the middle of a number (`1500` read as `15`), so not
    /// one of its rows is screened. Unless the roster is known to be whole (`completeOption`).
    static func cutOff(_ lines: [Int], last: Int, _ id: String) -> [Reject] {
        lines.map { line in
            let reason = line == last
                ? "文件最后一行没有换行符，可能不完整（文件被截断？）：该户未处理。如确认文件完整，加 \(completeOption) 重新筛查"
                : "同户第\(last)行是文件最后一行，没有换行符，可能不完整（文件被截断？）：该户未处理。如确认文件完整，加 \(completeOption) 重新筛查"
            return Reject(row: line, household: id, field: "", reason: reason)
        }
    }

    /// A household with rows whose text is not UTF-8 (each row with the column of its first
    /// such cell): a row of GB18030 in a UTF-8 file, or bytes damaged in a copy. Its cells would
    /// read as U+FFFD; it is refused with the row's number instead.
    static func undecodable(_ lines: [Int], _ rows: [(line: Int, column: Int?)], _ id: String, columns: [String]) -> [Reject] {
        let first = rows.map(\.line).min() ?? 0
        var rejects = rows.map { row in
            let field = row.column.map { $0 < columns.count ? columns[$0] : "" } ?? ""
            return Reject(row: row.line, household: id, field: field,
                          reason: "第\(row.line)行不是UTF-8编码（可能混入了GB18030/GBK文字）：该户未处理。请把整个文件存为同一种编码（UTF-8；或GB18030，加 --encoding gb18030）")
        }
        let faulty = Set(rows.map(\.line))
        for line in lines where !faulty.contains(line) {
            rejects.append(Reject(row: line, household: id, field: "", reason: "同户第\(first)行不是UTF-8编码，整户未处理"))
        }
        return rejects.sorted { ($0.row, $0.field) < ($1.row, $1.field) }
    }
}
