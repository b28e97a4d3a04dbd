import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// A roster row that could not be used, with its reason. Rows are numbered as a spreadsheet
/// shows them (the header is row 1); a reason names a cell's value only as `QuotedValue`
/// allows. `household` is the row's household id, as the results name it.
public struct Reject: Sendable {
    public let row: Int
    public let household: String
    public let field: String
    public let reason: String
}

/// The rows of one household as read, before any value is parsed; or the reason its rows
/// cannot be a household (split apart, no id).
public struct RawHousehold: Sendable {
    public let id: String
    public let rows: [(line: Int, fields: [String])]
    public let rejects: [Reject]
    /// A JSONL roster's line: one household document (`rows` then holds its line number).
    public var document: String?
    /// Rows with a cell that is not UTF-8: the line, and the first such cell's column (nil for
    /// a JSONL line). The household is refused (`RosterRefusal.undecodable`).
    public var undecodable: [(line: Int, column: Int?)] = []
    /// The file's last row, when it is this household's and no line break ends it (the file
    /// may be cut off there): the household is refused (`RosterRefusal.cutOff`).
    public var cutOffLine: Int?

    public init(id: String, rows: [(line: Int, fields: [String])], rejects: [Reject], document: String? = nil) {
        self.id = id
        self.rows = rows
        self.rejects = rejects
        self.document = document
    }
}

/// Groups consecutive roster rows by household id. This is the only sequential step: rows of a
/// household must be contiguous, and one seen again later is rejected, not guessed at.
public struct HouseholdGrouper {
    public let columns: RosterColumns
    var rows: [(line: Int, fields: [String])] = []
    var undecodable: [(line: Int, column: Int?)] = []
    var currentID: String?
    /// Households already finished, by a 64-bit hash of their id, to catch split households.
    var finished = FinishedHouseholds()

    public init(columns: RosterColumns) { self.columns = columns }

    /// Adds a row; returns the previous household when this row starts a new one.
    public mutating func add(_ record: CSVRecord) -> RawHousehold? {
        let id = record.fields.count > columns.householdIDColumn ? record.fields[columns.householdIDColumn].trimmingSpaces : ""
        var out: RawHousehold?
        // The one comparison of ids both paths make (`CellText`), on the text as decoded.
        if !rows.isEmpty, !CellText.same(id.utf8, (currentID ?? "").utf8) { out = flush() }
        currentID = id
        rows.append((record.line, record.fields))
        if let c = record.undecodable { undecodable.append((record.line, c)) }
        return out
    }

    /// The last household, at the end of the input.
    public mutating func finish() -> RawHousehold? { rows.isEmpty ? nil : flush() }

    mutating func flush() -> RawHousehold {
        let group = rows
        rows.removeAll(keepingCapacity: true)
        let id = currentID ?? ""
        // A 64-bit hash of the id tells households apart without keeping every id in memory.
        let again = !id.isEmpty && !CellText.insert(id.utf8, into: &finished)
        var raw = RawHousehold.grouped(id: id, rows: group, seenBefore: again, column: columns.names[columns.householdIDColumn])
        raw.undecodable = undecodable
        undecodable.removeAll()
        return raw
    }
}

extension RawHousehold {
    /// A household's rows as grouped: rejected whole when its id is empty or was seen before
    /// (its rows are split apart).
    static func grouped(id: String, rows: [(line: Int, fields: [String])], seenBefore: Bool, column: String) -> RawHousehold {
        if id.isEmpty {
            return RawHousehold(id: id, rows: rows, rejects: rows.map { Reject(row: $0.line, household: id, field: column, reason: "户编号为空") })
        }
        if seenBefore {
            return RawHousehold(id: id, rows: rows, rejects: rows.map {
                Reject(row: $0.line, household: id, field: column, reason: "同一户的行不相邻：这一户编号在前面已经出现过，请按户编号排序后再导入")
            })
        }
        return RawHousehold(id: id, rows: rows, rejects: [])
    }
}

/// Turns a household's rows into a typed record checked against the schema. Pure, so workers
/// run it side by side; a household with any bad row is rejected whole, every row accounted for.
public struct HouseholdAssembler: Sendable {
    public let schema: Schema
    /// The CSV header; nil for a JSONL roster, whose lines are household documents.
    public let columns: RosterColumns?
    public let source: String

    public init(schema: Schema, columns: RosterColumns?, source: String) {
        self.schema = schema
        self.columns = columns
        self.source = source
    }

    /// A household, or its rows' rejects; `rows` counts the input rows either way.
    public enum Assembled: Sendable {
        case household(HouseholdRecord, rows: [Int])
        case rejected([Reject], rows: [Int])
    }

    public func assemble(_ raw: RawHousehold) -> Assembled {
        let group = raw.rows
        let id = raw.id
        let lines = group.map(\.line)
        // A household that may be cut off, then one whose rows cannot be grouped, then one
        // with text that is not UTF-8: refused whole before any cell is read.
        if let cut = raw.cutOffLine { return .rejected(RosterRefusal.cutOff(lines, last: cut, id), rows: lines) }
        if !raw.rejects.isEmpty { return .rejected(raw.rejects, rows: lines) }
        if !raw.undecodable.isEmpty {
            return .rejected(RosterRefusal.undecodable(lines, raw.undecodable, id, columns: columns?.names ?? []), rows: lines)
        }
        if let document = raw.document { return assembleDocument(document, line: lines.first ?? 0) }
        guard let columns else { return .rejected([Reject(row: lines.first ?? 0, household: id, field: "", reason: "没有表头")], rows: lines) }
        var rejects: [Reject] = []
        func reject(_ line: Int, _ field: String, _ reason: String) {
            rejects.append(Reject(row: line, household: id, field: field, reason: reason))
        }
        if group.count > HouseholdRecord.maxMembers {
            for l in lines { reject(l, "members", "一户最多\(HouseholdRecord.maxMembers)人，这一户有\(group.count)行") }
            return .rejected(rejects, rows: lines)
        }
        var record = HouseholdRecord(schema: schema, id: id, origin: source)
        var householdSetBy: [Int: Int] = [:]  // field index → line that set it
        for (line, fields) in group {
            if fields.count != columns.targets.count {
                reject(line, "", "这一行有\(fields.count)列，表头有\(columns.targets.count)列")
                continue
            }
            var member = HouseholdRecord.emptyMember(schema, id: "")
            for (c, target) in columns.targets.enumerated() {
                let cell = fields[c].trimmingSpaces
                if cell.isEmpty { continue }
                switch target {
                case .ignored: continue
                case .personField(let i):
                    switch FieldValueParser.parse(cell, as: schema.person[i]) {
                    case .success(let v): member.values[i] = v
                    case .failure(let e): reject(line, columns.names[c], e.message + (e.help.map { "（\($0)）" } ?? ""))
                    }
                case .personKind(let f, let k):
                    if let e = Self.setKind(cell, &member.kinds, f, k, schema.person) { reject(line, columns.names[c], e) }
                case .householdField(let i):
                    switch FieldValueParser.parse(cell, as: schema.household[i]) {
                    case .success(let v):
                        if record.values[i].isUnknown {
                            record.values[i] = v
                            householdSetBy[i] = line
                        } else if record.values[i] != v {
                            reject(line, columns.names[c], "同一户的\(schema.household[i].label)前后不一致（第\(householdSetBy[i] ?? 0)行与本行）")
                        }
                    case .failure(let e): reject(line, columns.names[c], e.message + (e.help.map { "（\($0)）" } ?? ""))
                    }
                case .householdKind(let f, let k):
                    if let e = Self.setKind(cell, &record.kinds, f, k, schema.household) { reject(line, columns.names[c], e) }
                }
            }
            for issue in RecordCompletion.complete(&member, schema: schema) { reject(line, issue.field, issue.message) }
            record.members.append(member)
        }
        guard rejects.isEmpty else { return .rejected(Self.wholeHousehold(rejects, lines, id), rows: lines) }
        RecordCompletion.identify(&record, schema: schema)
        for (i, m) in record.members.enumerated() where m.id.isEmpty { record.members[i].id = "\(id)-\(i + 1)" }
        let issues = RecordCompletion.checkHousehold(record, schema: schema)
        if !issues.isEmpty {
            for issue in issues { reject(lines.first ?? 0, issue.field, issue.message) }
            return .rejected(Self.wholeHousehold(rejects, lines, id), rows: lines)
        }
        return .household(record, rows: lines)
    }

    /// A JSONL line: one household as a JSON document, read like `huimin check` reads one.
    func assembleDocument(_ text: String, line: Int) -> Assembled {
        let file = SourceFile(path: source, text: text)
        let (record, problems) = HouseholdDecoder(schema: schema).decode(file: file)
        if let record, problems.isEmpty { return .household(record, rows: [line]) }
        let id = record?.id ?? ""
        let rejects = problems.map { d -> Reject in
            // Messages start with the field's path: "members[0].birth_date: …".
            let parts = d.message.split(separator: ":", maxSplits: 1).map(String.init)
            let field = parts.count == 2 && !parts[0].contains(" ") ? parts[0] : ""
            return Reject(row: line, household: id, field: field, reason: parts.count == 2 && !field.isEmpty ? parts[1].trimmingSpaces : d.message)
        }
        return .rejected(rejects.isEmpty ? [Reject(row: line, household: id, field: "", reason: "这一行不是一户的JSON")] : rejects, rows: [line])
    }

    /// Sets one kind of a by-kind money field (a present field lists every kind; the others are zero).
    /// Returns the reason when the cell is not an amount.
    static func setKind(_ cell: String, _ kinds: inout [[Fixed]?], _ field: Int, _ kind: Int, _ fields: [FieldSpec]) -> String? {
        switch FieldValueParser.money(cell, sensitive: fields[field].sensitive) {
        case .success(let amount):
            if kinds[field] == nil, case .moneyByKind(let names, _) = fields[field].kind {
                kinds[field] = Array(repeating: .zero, count: names.count)
            }
            kinds[field]![kind] = amount
            return nil
        case .failure(let e): return e.message
        }
    }

    /// Every row of a rejected household is accounted for: rows without a fault of their own
    /// are rejected with their household, naming the row that was at fault.
    static func wholeHousehold(_ rejects: [Reject], _ lines: [Int], _ id: String) -> [Reject] {
        let faulty = Set(rejects.map(\.row))
        let first = rejects.map(\.row).min() ?? 0
        var all = rejects
        for l in lines where !faulty.contains(l) {
            all.append(Reject(row: l, household: id, field: "", reason: "同户第\(first)行有错误，整户未处理"))
        }
        return all.sorted { ($0.row, $0.field) < ($1.row, $1.field) }
    }
}
