#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// A CSV roster decided a batch at a time: cells are read from their bytes into lanes, the
/// `BatchPlan` decides every household of the batch field by field, and the rows are written
/// straight as bytes.
///
/// It writes exactly what the row path (`HouseholdAssembler` then `HouseholdScreener`) writes.
/// A household it cannot take whole — a cell it cannot read, a conflict, no 户主, a decision
/// left undetermined (whose missing inputs need the row evaluator's causes), an overflow — is
/// handed to the row path in its place, so rejects and their reasons are the row path's own.
struct BatchScreening: Sendable {
    let plan: BatchPlan
    let screener: HouseholdScreener
    let assembler: HouseholdAssembler
    let columns: RosterColumns
    let schema: Schema
    /// Policies whose decisions the output or the summary reads.
    let needed: [Int]
    let selected: [Int]
    /// Fields that hold text (ids, names, codes), by level and index: kept as bytes.
    let householdText: [Bool]
    let personText: [Bool]
    /// Text fields whose every cell is valid (not a code or a 身份证号 to check).
    let householdPlain: [Bool]
    let personPlain: [Bool]
    /// The schema's defaults, read once: a lane, or a text's bytes.
    struct Default { var field: Int; var lane: Int64?; var text: [UInt8]? }
    let householdDefaults: [Default]
    let personDefaults: [Default]
    /// Whether no default text holds a comma, a quote or a line break.
    let plainDefaults: Bool
    /// Fields whose values are masked in the output (`FieldSpec.sensitive`).
    let householdSensitive: [Bool]
    let personSensitive: [Bool]
    let householdCells: QuickCells
    let personCells: QuickCells
    /// By roster column: how its cells are read.
    let columnPlans: [ColumnPlan]
    let householdIDField: Int
    let regionField: Int?
    let personIDField: Int?
    let relation: (field: Int, head: Int)?
    let receivingField: Int?
    let receivingBits: [UInt64]
    /// A member's 身份证号 fills or checks other fields: rows that give one go the row path.
    let derivingIDField: Int?
    /// By policy index, what writing a decision needs, read without touching the policy object.
    let personSubject: [Bool]
    let hasAmount: [Bool]
    /// The output's layout, without a declared layout's columns (read once here, not per row).
    enum Shape { case long, wide, declared(personRows: Bool) }
    let shape: Shape
    /// A declared layout's columns, without their names.
    let layoutSources: [OutputLayout.Source]
    /// Policies whose reason codes the output writes; by policy index, whether it is one.
    let reasonPolicies: [Int]
    let reasonWanted: [Bool]
    /// The resident's texts, when the output shows them.
    let explainer: BatchExplainer?
    /// What a person's label reads (户主张某某): the relation field and its choices, the name field.
    let relationLabels: (field: Int, type: EnumType)?
    let nameField: Int?
    /// Whether no condition or policy id needs quoting in CSV, so reason codes are written as they are.
    let plainCodes: Bool
    /// Reason codes as ranges of one byte buffer: condition `c` of policy `i` at `codeAt[i] + c`
    /// (leaves only), and by policy, `overlap.higher.<id>` for giving way to it.
    let codeBytes: [UInt8]
    let codeAt: [Int]
    let codeRanges: [Range<Int>]
    let yieldCodes: [Range<Int>]
    /// By policy: its id as a CSV field, in `codeBytes`; whether it is in effect on the date.
    let policyIDs: [Range<Int>]
    /// `DecisionStatus.rawValue` of the batch statuses (eligible, ineligible, undetermined), in `codeBytes`.
    let statusCodes: [Range<Int>]
    let inEffect: [Bool]

    /// Nil when the output needs what only the row path gives (JSON lines) or the rules or
    /// columns have what lanes cannot hold.
    init?(plan: BatchPlan?, screener: HouseholdScreener, columns: RosterColumns, assembler: HouseholdAssembler) {
        guard let plan, screener.options.format == .csv else { return nil }
        let rules = screener.rules
        let schema = rules.schema
        for t in columns.targets {
            switch t {
            case .householdKind: return nil
            default: continue
            }
        }
        var needed = Set(screener.selected.map(\.index))
        // The policies whose texts the output shows.
        var explained: Set<Int> = []
        if case .declared(let layout) = screener.options.layout {
            for c in layout.columns {
                guard case .policy(let i, let show) = c.source else { continue }
                if show == .explanation { explained.insert(i) }
                if layout.rows == .household, rules.policies[i].subject == .person { return nil }
                needed.insert(i)
            }
        } else if screener.options.explain, case .long = screener.options.layout {
            explained = needed
        }
        if explained.isEmpty {
            explainer = nil
        } else {
            guard let e = BatchExplainer(plan: plan, policies: explained.sorted()) else { return nil }
            explainer = e
        }
        guard let id = schema.field(schema.conventions.householdID, .household) else { return nil }
        self.plan = plan
        self.screener = screener
        self.assembler = assembler
        self.columns = columns
        self.schema = schema
        self.needed = needed.sorted()
        selected = screener.selected.map(\.index)
        householdText = schema.household.map { LaneKind($0.kind) == nil }
        personText = schema.person.map { LaneKind($0.kind) == nil }
        householdPlain = schema.household.map { $0.kind == .text }
        personPlain = schema.person.map { $0.kind == .text }
        householdSensitive = schema.household.map(\.sensitive)
        func defaults(_ fields: [FieldSpec]) -> [Default] {
            fields.compactMap { f in
                guard let d = f.defaultValue else { return nil }
                if let kind = LaneKind(f.kind) { return Lanes.lane(d, kind).map { Default(field: f.index, lane: $0) } }
                if case .text(let t) = d { return Default(field: f.index, text: Array(t.utf8)) }
                return nil
            }
        }
        householdDefaults = defaults(schema.household)
        personDefaults = defaults(schema.person)
        plainDefaults = (householdDefaults + personDefaults).allSatisfy { d in d.text?.withUnsafeBufferPointer { !CSVWriter.needs($0).quoted } ?? true }
        personSensitive = schema.person.map(\.sensitive)
        householdCells = QuickCells(schema.household)
        personCells = QuickCells(schema.person)
        columnPlans = columns.targets.map { [householdText, personText, householdPlain, personPlain, householdCells, personCells] target in
            switch target {
            case .ignored, .householdKind: ColumnPlan(target: .ignored)
            case .personKind(let f, let k): ColumnPlan(target: .personKind, field: f, kind: k)
            case .personField(let f) where personText[f]: ColumnPlan(target: .personText, field: f, plain: personPlain[f])
            case .personField(let f): ColumnPlan(target: .personLane, field: f, reading: personCells.reading(f))
            // The rows of a group have the same household id (`Runs`): only its first is read.
            case .householdField(let f) where f == id.index: ColumnPlan(target: .householdID, field: f, plain: householdPlain[f])
            case .householdField(let f) where householdText[f]: ColumnPlan(target: .householdText, field: f, plain: householdPlain[f])
            case .householdField(let f): ColumnPlan(target: .householdLane, field: f, reading: householdCells.reading(f))
            }
        }
        householdIDField = id.index
        regionField = schema.field(schema.conventions.region, .household)?.index
        personIDField = schema.field(schema.conventions.personID, .person)?.index
        if let r = schema.field(schema.conventions.relation, .person), case .enumeration(let e) = r.kind, let head = e.ordinal(of: schema.conventions.headRelation) {
            relation = (r.index, head)
        } else {
            relation = nil
        }
        receivingField = screener.receivingField
        receivingBits = screener.receivingBits
        personSubject = rules.policies.map { $0.subject == .person }
        hasAmount = rules.policies.map { $0.amount != nil }
        switch screener.options.layout {
        case .long: (shape, layoutSources) = (.long, [])
        case .wide: (shape, layoutSources) = (.wide, [])
        case .declared(let layout): (shape, layoutSources) = (.declared(personRows: layout.rows == .person), layout.columns.map(\.source))
        }
        switch shape {
        case .long: reasonPolicies = selected
        case .wide: reasonPolicies = []
        case .declared: reasonPolicies = Array(Set(layoutSources.compactMap { source -> Int? in
            if case .policy(let i, .unmet) = source { return i }
            return nil
        })).sorted()
        }
        reasonWanted = rules.policies.indices.map { [reasonPolicies] in reasonPolicies.contains($0) }
        if let r = schema.field(schema.conventions.relation, .person), case .enumeration(let e) = r.kind {
            relationLabels = (r.index, e)
        } else {
            relationLabels = nil
        }
        let name = schema.field(schema.conventions.name, .person)?.index
        nameField = name.flatMap { LaneKind(schema.person[$0].kind) == nil ? $0 : nil }
        let ids = rules.policies.flatMap { p in [p.id] + p.conditions.map(\.0.id) }
        plainCodes = !ids.contains { id in Array(id.utf8).withUnsafeBufferPointer { CSVWriter.needs($0).quoted } }
        var codeBytes: [UInt8] = [], codeAt: [Int] = [], codeRanges: [Range<Int>] = []
        func code(_ s: some Collection<UInt8>) -> Range<Int> {
            codeBytes += s
            return (codeBytes.count - s.count)..<codeBytes.count
        }
        for (i, p) in rules.policies.enumerated() {
            codeAt.append(codeRanges.count)
            for c in p.conditions.indices { codeRanges.append(plan.leafID(i, c).map(code) ?? 0..<0) }
        }
        yieldCodes = rules.policies.map { code("overlap.higher.\($0.id)".utf8) }
        policyIDs = rules.policies.map { p in
            var field: [UInt8] = []
            CSVWriter.append(p.id, to: &field)
            return code(field)
        }
        inEffect = rules.policies.indices.map(plan.inEffect)
        statusCodes = [DecisionStatus.eligible, .ineligible, .undetermined].map { code($0.rawValue.utf8) }
        (self.codeBytes, self.codeAt, self.codeRanges) = (codeBytes, codeAt, codeRanges)
        let idField = schema.person.first { $0.kind == .idNumber }
        derivingIDField = idField != nil && schema.person.contains { $0.derive != nil } ? idField!.index : nil
        for f in schema.household where LaneKind(f.kind) == nil {
            // A household's by-kind money has no lanes: only the row path reads it.
            if case .moneyByKind = f.kind { return nil }
        }
    }

    /// Rows of one household, as the grouper found them.
    struct Group: Sendable {
        var first: Int32
        var count: Int32
        /// Rejected whole before reading: 1 no household id, 2 its rows are split apart, 3 its
        /// last row ends the file with no line break (the file may be cut off).
        var fault: UInt8
    }

    /// Per worker: the parameters of each region and variant met so far.
    final class Contexts: @unchecked Sendable {
        /// By region and variant, in the order met: the key's bytes, and the parameters.
        private var keys: [(region: [UInt8], variant: Int?)] = []
        private(set) var list: [BatchContext] = []
        private(set) var supported: [Bool] = []
        /// The last context met for a hash of the region's bytes and the variant.
        private var recent: [UInt64: Int32] = [:]
        /// Output bytes per input row in this worker's last batch: the next part's bytes are
        /// reserved from it, not grown by doubling (copies, and fresh pages to fault in).
        var bytesPerRow = 0

        /// The context of a region (its cell's bytes) and variant, if met before.
        func find(_ region: ArraySlice<UInt8>, _ variant: Int?) -> Int32? {
            let hash = Self.hash(region, variant)
            if let c = recent[hash], keys[Int(c)].variant == variant, keys[Int(c)].region.elementsEqual(region) { return c }
            guard let c = keys.firstIndex(where: { $0.variant == variant && $0.region.elementsEqual(region) }) else { return nil }
            recent[hash] = Int32(c)
            return Int32(c)
        }

        /// A region and variant met for the first time, with its parameters.
        func add(_ region: ArraySlice<UInt8>, _ variant: Int?, _ context: BatchContext) -> Int32 {
            keys.append((Array(region), variant))
            list.append(context)
            supported.append(context.supported)
            recent[Self.hash(region, variant)] = Int32(keys.count - 1)
            return Int32(keys.count - 1)
        }

        private static func hash(_ region: ArraySlice<UInt8>, _ variant: Int?) -> UInt64 {
            FNV1a.hash(bytes: region) &+ UInt64(bitPattern: Int64(variant ?? -1))
        }
    }

    // MARK: Grouping (sequential)

    /// Whether a cell with these first and last bytes has nothing for `trimmingSpaces` to trim:
    /// neither end is a control, a space or the ideographic space (E3 80 80).
    @inline(__always) static func untrimmed(_ first: UInt8, _ last: UInt8) -> Bool {
        first > 32 && last > 32 && first != 0xE3 && last != 0x80
    }

    /// `CellText.same`, the one comparison of text cells (household ids first) both paths make.
    @inline(__always) static func same(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool { CellText.same(a, b) }

    @inline(__always) static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool { CellText.same(a, b) }

    /// Row `r`'s household id cell (empty when the row has no such field).
    func householdIDRange(_ rows: some BatchRows, _ r: Int) -> Range<Int> { rows.field(r, columns.householdIDColumn) }

    /// Row `r`'s household id, trimmed.
    func householdID(_ rows: some BatchRows, _ r: Int) -> ArraySlice<UInt8> {
        let id = rows.bytes.withUnsafeBufferPointer { Runs.id(householdIDRange(rows, r), in: $0) }
        return id.trimmed.map { ArraySlice($0) } ?? rows.bytes[id.range]
    }

    /// Consecutive rows with the same household id as groups, for `group` and `cut` alike. An id
    /// is a range of the rows' bytes, with its bytes trimmed when it has spaces to trim.
    struct Runs {
        typealias ID = (range: Range<Int>, trimmed: [UInt8]?)
        private(set) var groups: [Group] = []
        /// The first row of the run still open.
        private(set) var start = 0
        private var rows = 0
        private var current: ID = (0..<0, nil)

        init(capacity: Int) { groups.reserveCapacity(capacity) }

        /// A household id cell, `range` of `bytes`.
        static func id(_ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> ID {
            guard !range.isEmpty, !BatchScreening.untrimmed(bytes[range.lowerBound], bytes[range.upperBound - 1]) else { return (range, nil) }
            return (range, Array(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self).trimmingSpaces.utf8))
        }

        /// The next row, with its id: it joins the open run, or closes it and opens its own.
        mutating func add(_ id: ID, _ bytes: UnsafeBufferPointer<UInt8>, _ finished: inout FinishedHouseholds) {
            defer { rows += 1 }
            if rows > 0 {
                let same: Bool
                if current.trimmed == nil, id.trimmed == nil {
                    same = BatchScreening.same(UnsafeBufferPointer(rebasing: bytes[current.range]), UnsafeBufferPointer(rebasing: bytes[id.range]))
                } else {
                    same = BatchScreening.same(current.trimmed ?? Array(bytes[current.range]), id.trimmed ?? Array(bytes[id.range]))
                }
                if same { return }
                close(bytes, &finished)
                start = rows
            }
            current = id
        }

        /// Ends the open run as a group: rejected whole when it has no id (1), its id was
        /// finished before (2, its rows are split apart), or it ends a file that may be cut off (3).
        mutating func close(_ bytes: UnsafeBufferPointer<UInt8>, _ finished: inout FinishedHouseholds, cutOff: Bool = false) {
            // (A closure, not a key path: a key path here cost a look-up for every household.)
            let empty = current.trimmed.map { $0.isEmpty } ?? current.range.isEmpty
            var fault: UInt8 = empty ? 1 : (current.trimmed.map { CellText.insert($0, into: &finished) } ?? CellText.insert(UnsafeBufferPointer(rebasing: bytes[current.range]), into: &finished)) ? 0 : 2
            if cutOff { fault = 3 }
            groups.append(Group(first: Int32(start), count: Int32(rows - start), fault: fault))
        }
    }

    /// The households of `rows`, in order; the last is left out unless `final` (more of its rows
    /// may follow). With `final`, `cutOff` says the last row had no line break after it and the
    /// file is not known to be whole: its household is refused (fault 3).
    func group(_ rows: CSVRows, final: Bool, cutOff: Bool = false, finished: inout FinishedHouseholds) -> (groups: [Group], taken: Int) {
        guard rows.count > 0 else { return ([], 0) }
        return rows.bytes.withUnsafeBufferPointer { buffer in
            var runs = Runs(capacity: rows.count / 2)
            for r in 0..<rows.count { runs.add(Runs.id(householdIDRange(rows, r), in: buffer), buffer, &finished) }
            if final { runs.close(buffer, &finished, cutOff: cutOff) }
            return (runs.groups, final ? rows.count : runs.start)
        }
    }

    /// Text of whole rows, not yet read into fields, cut into households: what `group` gives,
    /// found by the reading thread from the line breaks and household ids alone, so that the
    /// workers read the fields of their rows side by side (`PlainRows`).
    struct RawRows: Sendable {
        var groups: [Group]
        /// Each row's first byte, its end (before its CR LF) and its line in the file.
        var starts: [Int]
        var ends: [Int]
        var lines: [Int32]
        /// Where the households not cut off yet begin (the text kept for the next cut), and its line.
        var taken: Int
        var nextLine: Int

        /// The rows of every group, for the workers to read.
        func rows(_ bytes: [UInt8]) -> PlainRows { PlainRows(bytes: bytes, starts: starts, ends: ends, lines: lines) }
    }

    /// The households of `text`, which begins a row on line `line`, as `group` finds them once
    /// the rows are read; the last is left out unless `final`. Nil when only `CSVRowParser` can
    /// find the rows: a quote (a field may hold a line break or a comma), or a CR that is not
    /// part of a CRLF. With `final`, a last row with no line break after it refuses its
    /// household (fault 3, as `group` with `cutOff`) unless the file is known to be `complete`.
    func cut(_ text: UnsafeBufferPointer<UInt8>, line firstLine: Int, final: Bool, complete: Bool = false, finished: inout FinishedHouseholds) -> RawRows? {
        let n = text.count
        var result = RawRows(groups: [], starts: [], ends: [], lines: [], taken: 0, nextLine: firstLine)
        guard n > 0, let base = text.baseAddress else { return result }
        @inline(__always) func find(_ byte: UInt8, _ from: Int, _ to: Int) -> Int? {
            guard from < to, let q = memchr(base + from, Int32(byte), to - from) else { return nil }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(q))
        }
        if find(34, 0, n) != nil { return nil }
        var at = 0
        while let cr = find(13, at, n) {
            if cr + 1 < n { if text[cr + 1] != 10 { return nil } } else if final { return nil }
            at = cr + 1
        }
        let column = columns.householdIDColumn
        /// A row's household id (`Runs.id`): its field's range of `text`.
        func id(_ start: Int, _ end: Int) -> Runs.ID {
            var from = start
            for _ in 0..<column {
                guard let comma = PlainRows.comma(in: text, from, end) else { return (0..<0, nil) }
                from = comma + 1
            }
            return Runs.id(from..<(PlainRows.comma(in: text, from, end) ?? end), in: text)
        }
        var runs = Runs(capacity: n / 64)
        func add(_ start: Int, _ end: Int, _ line: Int) {
            result.starts.append(start)
            result.ends.append(end)
            result.lines.append(Int32(line))
            runs.add(id(start, end), text, &finished)
        }
        var line = firstLine, start = 0
        while let lf = find(10, start, n) {
            // A blank line is no row; a CR before the LF is part of the line break.
            let end = lf > start && text[lf - 1] == 13 ? lf - 1 : lf
            if end > start { add(start, end, line) }
            line += 1
            start = lf + 1
        }
        let unterminated = final && start < n
        if unterminated { add(start, n, line) }
        guard !result.starts.isEmpty else {
            // No whole row yet: all of it is kept.
            result.taken = final ? n : 0
            return result
        }
        if final {
            runs.close(text, &finished, cutOff: unterminated && !complete)
            result.taken = n
        } else {
            result.taken = result.starts[runs.start]
            result.nextLine = Int(result.lines[runs.start])
        }
        result.groups = runs.groups
        return result
    }

    // MARK: Screening (on every core)

    /// Screens `groups` of `rows` into `part`: the output and summary of each household, in order.
    func screen(_ rows: some BatchRows, _ groups: ArraySlice<Group>, contexts: Contexts, into part: inout ParallelScreening.Part) {
        let rowCount = groups.reduce(0) { $0 + Int($1.count) }
        part.bytes.reserveCapacity(part.bytes.count + rowCount * contexts.bytesPerRow * 9 / 8)
        let start = part.bytes.count
        defer { if rowCount > 0 { contexts.bytesPerRow = (part.bytes.count - start) / rowCount + 1 } }
        var batch = Batch(schema: schema, households: groups.count, persons: rowCount)
        var text = TextCells(householdText: householdText, personText: personText, households: groups.count, persons: rowCount)
        text.plain = rows.plain && plainDefaults
        // For each group: its household in the batch, or -1 for the row path.
        let slot = assemble(rows, groups, into: &batch, &text, contexts)
        guard slot.contains(where: { $0 >= 0 }) else {
            // Not one household for the batch (whose others would borrow its parameters).
            for group in groups { ParallelScreening.process(raw(rows, group), assembler, screener, into: &part) }
            return
        }
        batch.seal()
        batch.contexts = contexts.list
        let run = plan.run(batch, explaining: explainer != nil, reasons: reasonWanted)
        var outcomes = Decisions(run, policies: plan.rules.policies.count, needed: needed)
        reasons(&outcomes, batch)
        // Before any row is written: a text's value that overflows sends its household to the row path.
        let values = explainer?.values(run)
        let receiving = receivingField.flatMap { batch.personFields[$0] } ?? Lanes(count: 0)
        let decided = decided(batch, outcomes)
        var written = [Bool](repeating: false, count: batch.households)
        var out = ByteSink(part.bytes)
        part.bytes = []
        for (g, group) in groups.enumerated() {
            let h = slot[g]
            if h >= 0, !run.overflowed[h], decided[h] {
                written[h] = true
                write(h, rows: Int(group.count), batch, text, outcomes, values, receiving: receiving, into: &out, &part.summary)
            } else {
                out.withOut { bytes in
                    swap(&bytes, &part.bytes)
                    ParallelScreening.process(raw(rows, group), assembler, screener, into: &part)
                    swap(&bytes, &part.bytes)
                }
            }
        }
        part.bytes = out.finish()
        tally(written, batch, outcomes, into: &part.summary)
    }

    /// By household: whether every decision the output needs is 符合 or 不符合.
    func decided(_ batch: Batch, _ outcomes: Decisions) -> [Bool] {
        var decided = [Bool](repeating: true, count: batch.households)
        let householdOf = batch.householdOf
        outcomes.status.withUnsafeBufferPointer { status in
            for i in needed {
                let from = outcomes.at[i]
                if personSubject[i] {
                    for p in 0..<batch.persons where status[from + p] == BatchOutcomes.undetermined { decided[Int(householdOf[p])] = false }
                } else {
                    for h in 0..<batch.households where status[from + h] == BatchOutcomes.undetermined { decided[h] = false }
                }
            }
        }
        return decided
    }

    /// The group as the row path reads it.
    func raw(_ rows: some BatchRows, _ group: Group) -> RawHousehold {
        let records = (Int(group.first)..<Int(group.first + group.count)).map { rows.record($0) }
        let id = String(decoding: householdID(rows, Int(group.first)), as: UTF8.self)
        var raw = RawHousehold.grouped(id: id, rows: records.map { ($0.line, $0.fields) }, seenBefore: group.fault == 2, column: columns.names[columns.householdIDColumn])
        raw.undecodable = records.compactMap { r in r.undecodable.map { (r.line, $0) } }
        if group.fault == 3 { raw.cutOffLine = records.last?.line }
        return raw
    }

    /// How a column's cells are read, decided once: what field they fill, and for a field of
    /// lanes how its cells are read (`QuickCells.reading`).
    struct ColumnPlan {
        enum Target { case ignored, personKind, personText, personLane, householdID, householdText, householdLane }
        var target: Target
        var field = 0
        /// A by-kind field's kind.
        var kind = 0
        var reading = QuickCells.Reading.other
        /// A text field whose every cell is valid (not a code or a 身份证号 to check).
        var plain = true
    }

    /// Reads the cells of `groups` into `batch` and `text`, row after row, each cell as its
    /// column's plan says, then checks each household as `RecordCompletion` does. Returns, for
    /// each group, its household in the batch, or -1 when the row path must take it: a cell it
    /// cannot read, a ragged row, a conflict, no 户主... Such a household stays in the batch with
    /// every value unknown, and its decisions are not read.
    func assemble(_ rows: some BatchRows, _ groups: ArraySlice<Group>, into batch: inout Batch, _ text: inout TextCells, _ contexts: Contexts) -> [Int] {
        var slot = [Int](repeating: -1, count: groups.count)
        var groupOf: [Int] = []
        for (g, group) in groups.enumerated() where group.fault == 0 && group.count <= HouseholdRecord.maxMembers {
            slot[g] = batch.addHousehold(members: Int(group.count), context: 0)
            groupOf.append(g)
        }
        let households = batch.households
        guard households > 0 else { return slot }
        var bad = [Bool](repeating: false, count: households)
        // What the loop reads, out of `self` (which it would otherwise copy for each cell).
        let plans = columnPlans, width = plans.count, personSpecs = schema.person, householdSpecs = schema.household
        let personCells = personCells, householdCells = householdCells, derivingIDField = derivingIDField
        let groupRows = groupOf.map { g in (first: Int(groups[groups.startIndex + g].first), count: Int(groups[groups.startIndex + g].count)) }
        Self.markUndecodable(rows, groupRows, &bad)
        rows.bytes.withUnsafeBufferPointer { buffer in
            batch.withLaneMemory { memory in
                // Each column's lanes, where it has them.
                let lanes = plans.map { plan -> (v: UnsafeMutablePointer<Int64>, k: UnsafeMutablePointer<Bool>)? in
                    switch plan.target {
                    case .personLane: memory.person(plan.field)
                    case .householdLane: memory.household(plan.field)
                    default: nil
                    }
                }
                /// Lanes value of a cell of column `c`: as its column reads it, or as the row path
                /// reads it; nil when the cell sends its household to the row path.
                @inline(__always) func value(_ plan: ColumnPlan, _ cell: UnsafeBufferPointer<UInt8>, person: Bool) -> Int64? {
                    let read: Int64?
                    switch plan.reading {
                    case .int: read = QuickCells.int(cell)
                    case .date: read = QuickCells.date(cell)
                    case .number(let places): read = QuickCells.number(cell, places: places)
                    case .choice(let table): read = person ? personCells.choice(cell, table) : householdCells.choice(cell, table)
                    case .other: read = person ? personCells.raw(cell, field: plan.field) : householdCells.raw(cell, field: plan.field)
                    }
                    return read ?? Self.lane(cell, person ? personSpecs[plan.field] : householdSpecs[plan.field])
                }
                /// Reads a cell (trimmed, not empty) of column `c` for person `p` of household
                /// `h`; false when it sends the household to the row path.
                @inline(__always) func read(_ c: Int, _ cell: UnsafeBufferPointer<UInt8>, _ p: Int, _ h: Int) -> Bool {
                    let plan = plans[c]
                    switch plan.target {
                    case .ignored:
                        return true
                    case .personKind:
                        // As `HouseholdAssembler.setKind` reads it.
                        guard let raw = QuickCells.money(cell) ?? Self.money(cell) else { return false }
                        memory.setPersonKind(plan.field, plan.kind, p, raw)
                        return true
                    case .personText:
                        guard plan.plain || Self.validText(cell, personSpecs[plan.field]), plan.field != derivingIDField else { return false }
                        text.setPerson(plan.field, p, cell)
                        return true
                    case .householdID where text.household(plan.field, h) != nil:
                        // A later member's: the same cell as the first's, which the grouping compared.
                        return true
                    case .householdID, .householdText:
                        guard plan.plain || Self.validText(cell, householdSpecs[plan.field]) else { return false }
                        guard let earlier = text.household(plan.field, h) else {
                            text.setHousehold(plan.field, h, cell)
                            return true
                        }
                        return text.bytes.withUnsafeBufferPointer { Self.same(UnsafeBufferPointer(rebasing: $0[earlier]), cell) }
                    case .personLane, .householdLane:
                        let person = plan.target == .personLane
                        guard let lane = value(plan, cell, person: person) else { return false }
                        let (v, k) = lanes[c].unsafelyUnwrapped
                        // A household's value: the same on every member's row.
                        let i = person ? p : h
                        if !person, k[i] { return v[i] == lane }
                        v[i] = lane
                        k[i] = true
                        return true
                    }
                }
                var p = 0
                for h in 0..<households {
                    for r in groupRows[h].first..<(groupRows[h].first + groupRows[h].count) {
                        var c = 0
                        rows.forEachField(r, in: buffer) { from, to in
                            defer { c += 1 }
                            guard c < width, to > from else { return }
                            let raw = UnsafeBufferPointer(rebasing: buffer[from..<to])
                            let ok: Bool
                            if Self.untrimmed(raw[0], raw[raw.count - 1]) {
                                ok = read(c, raw, p, h)
                            } else {
                                // Spaces to trim: as `trimmingSpaces` trims them.
                                let cell = Array(String(decoding: raw, as: UTF8.self).trimmingSpaces.utf8)
                                ok = cell.isEmpty || cell.withUnsafeBufferPointer { read(c, $0, p, h) }
                            }
                            if !ok { bad[h] = true }
                        }
                        // A ragged row: its household goes to the row path, which says so.
                        if c != width { bad[h] = true }
                        p += 1
                    }
                }
            }
        }
        // The schema's defaults, a field at a time: each default text is kept once in the
        // batch's text, for every cell that takes it.
        for d in householdDefaults {
            if let lane = d.lane {
                for h in 0..<households where batch.household(d.field, h) == nil { batch.setHousehold(d.field, h, lane) }
            } else if let t = d.text.map({ text.add($0) }) {
                for h in 0..<households where text.household(d.field, h) == nil { text.setHousehold(d.field, h, range: t) }
            }
        }
        for d in personDefaults {
            if let lane = d.lane {
                for p in 0..<batch.persons where batch.person(d.field, p) == nil { batch.setPerson(d.field, p, lane) }
            } else if let t = d.text.map({ text.add($0) }) {
                for p in 0..<batch.persons where text.person(d.field, p) == nil { text.setPerson(d.field, p, range: t) }
            }
        }
        var lastRegion: (range: Range<Int>, variant: Int?, context: Int32)?
        for h in 0..<households {
            if !bad[h], let c = complete(h, &batch, &text, contexts, last: &lastRegion) {
                batch.context[h] = c
            } else {
                // Its decisions are not read; any context will do.
                batch.clear(household: h)
                text.clear(household: h, persons: batch.members(of: h))
                slot[groupOf[h]] = -1
            }
        }
        return slot
    }

    /// Marks the households with a row that is not UTF-8: the row path refuses them, naming the
    /// row (`RosterRefusal.undecodable`). A pass of its own, before any cell is read, so that
    /// every cell read after it (kept as bytes, or decoded to trim its spaces) is UTF-8.
    @inline(never) static func markUndecodable(_ rows: some BatchRows, _ groupRows: [(first: Int, count: Int)], _ bad: inout [Bool]) {
        rows.bytes.withUnsafeBufferPointer { b in
            for (h, g) in groupRows.enumerated() {
                for r in g.first..<(g.first + g.count) where !rows.isUTF8(r, in: b) {
                    bad[h] = true
                    break
                }
            }
        }
    }

    /// A household read into the batch, with the schema's defaults: the checks `RecordCompletion`
    /// makes, then its region's parameters. Nil when the row path must take it.
    private func complete(_ h: Int, _ batch: inout Batch, _ text: inout TextCells, _ contexts: Contexts,
                          last: inout (range: Range<Int>, variant: Int?, context: Int32)?) -> Int32? {
        let members = batch.members(of: h)
        guard text.household(householdIDField, h) != nil, let regionField, let region = text.household(regionField, h) else { return nil }
        if let (field, head) = relation {
            var heads = 0
            for p in members where batch.person(field, p) == Int64(head) { heads += 1 }
            guard heads == 1 else { return nil }
        }
        if let personIDField, members.count > 1 {
            // Distinct member ids (given, or made from the household id and the row's place).
            if members.allSatisfy({ text.person(personIDField, $0) != nil }) {
                let distinct = text.bytes.withUnsafeBufferPointer { bytes in
                    members.dropFirst().allSatisfy { a in
                        let id = UnsafeBufferPointer(rebasing: bytes[text.person(personIDField, a)!])
                        return (members.lowerBound..<a).allSatisfy { b in !Self.same(UnsafeBufferPointer(rebasing: bytes[text.person(personIDField, b)!]), id) }
                    }
                }
                guard distinct else { return nil }
            } else {
                let ids = members.map { p in text.person(personIDField, p).map { text.bytes[$0] } ?? ArraySlice(memberID(text, h, p - members.lowerBound).utf8) }
                for a in 1..<ids.count where ids[..<a].contains(where: { Self.same($0, ids[a]) }) { return nil }
            }
        }
        var variant: Int?
        if let v = plan.variantField, LaneKind(schema.household[v].kind) != nil, let l = batch.household(v, h) { variant = Int(l) }
        let c: Int32
        if let last, last.variant == variant, last.range.count == region.count, last.range == region ||
            text.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + last.range.lowerBound, $0.baseAddress! + region.lowerBound, region.count) == 0 }) {
            // The same region as the last household's: most rosters are one district's.
            c = last.context
        } else {
            c = contexts.find(text.bytes[region], variant) ?? contexts.add(text.bytes[region], variant, plan.context(region: String(decoding: text.bytes[region], as: UTF8.self), variant: variant))
            last = (region, variant, c)
        }
        return contexts.supported[Int(c)] ? c : nil
    }

    /// The id of a member without one: `H001-2`, as the row path names it.
    func memberID(_ text: TextCells, _ h: Int, _ m: Int) -> String {
        String(decoding: text.bytes[text.household(householdIDField, h)!], as: UTF8.self) + "-\(m + 1)"
    }

    /// An amount that `QuickCells` does not read (`1,500元`), read as the row path reads it.
    @inline(never) static func money(_ cell: UnsafeBufferPointer<UInt8>) -> Int64? {
        let text = String(decoding: cell, as: UTF8.self)
        guard case .success(let f) = FieldValueParser.money(text) else { return nil }
        return f.raw
    }

    /// A cell that `QuickCells` does not read, read as the row path reads it.
    @inline(never) static func lane(_ cell: UnsafeBufferPointer<UInt8>, _ field: FieldSpec) -> Int64? {
        let kind = LaneKind(field.kind)!
        guard case .success(let v) = FieldValueParser.parse(String(decoding: cell, as: UTF8.self), as: field) else { return nil }
        return Lanes.lane(v, kind)
    }

    /// Whether a text field's cell is what the row path accepts (codes and 身份证号 are checked).
    @inline(never) static func validText(_ cell: UnsafeBufferPointer<UInt8>, _ field: FieldSpec) -> Bool {
        // A region code, on every row: its bytes are checked without making a string.
        if case .region = field.kind { return FieldValueParser.isRegionCode(cell) }
        guard case .success(.text(let t)) = FieldValueParser.parse(String(decoding: cell, as: UTF8.self), as: field) else { return false }
        return t.utf8.elementsEqual(cell)
    }
}

/// A batch's decisions for the policies the output reads, in flat arrays that writing a row
/// reads without reference counting: policy `i`'s subject `s` is at `at[i] + s`.
struct Decisions {
    var at: [Int]
    var status: [UInt8] = []
    var amount: [Int64] = []
    var unmet: [UInt64] = []
    var yielded: [Int32] = []
    /// By subject (as `status`), where its reason codes are in `reasons` (`BatchScreening.reasons`).
    var reasonStart: [Int32] = []
    var reasonEnd: [Int32] = []
    var reasons: [UInt8] = []

    init(_ run: BatchRun, policies: Int, needed: [Int]) {
        at = Array(repeating: 0, count: policies)
        let outcomes = needed.map { run.outcomes($0) }
        // Room for all at once: growing by doubling copies them again, into fresh pages.
        let total = outcomes.reduce(0) { $0 + $1.status.count }
        status.reserveCapacity(total)
        amount.reserveCapacity(total)
        unmet.reserveCapacity(total)
        yielded.reserveCapacity(total)
        for (i, o) in zip(needed, outcomes) {
            at[i] = status.count
            status += o.status
            amount += o.amount
            unmet += o.unmet
            yielded += o.yielded
        }
    }
}

/// Text cells of a batch (ids, names, codes) as ranges of one byte buffer. The ranges are held
/// in one flat array per level (a field's cells one after another), so reading a cell touches
/// no array of arrays.
struct TextCells {
    var bytes: [UInt8] = []
    /// Whether no cell holds a comma, a quote or a line break (cells of plain rows, and defaults
    /// without them): cells are then written out without a check.
    var plain = false
    /// Household cells at `householdSlot[f] * households + h`, person cells likewise; an empty
    /// range with start -1 is no value.
    private var householdCells: [Range<Int>]
    private var personCells: [Range<Int>]
    /// By field: where its cells begin, or -1 for a field that is not text.
    private let householdSlot: [Int]
    private let personSlot: [Int]
    static let none = -1..<(-1)

    /// Room for up to `households` households of `persons` persons in all, every cell empty.
    init(householdText: [Bool], personText: [Bool], households: Int, persons: Int) {
        func slots(_ text: [Bool], _ n: Int) -> [Int] {
            var next = 0
            return text.map { t in
                guard t else { return -1 }
                defer { next += n }
                return next
            }
        }
        householdSlot = slots(householdText, households)
        personSlot = slots(personText, persons)
        householdCells = Array(repeating: Self.none, count: householdText.filter { $0 }.count * households)
        personCells = Array(repeating: Self.none, count: personText.filter { $0 }.count * persons)
    }

    /// Empties a household's cells and its members' (a household taken back from the batch).
    mutating func clear(household h: Int, persons: Range<Int>) {
        for slot in householdSlot where slot >= 0 { householdCells[slot + h] = Self.none }
        for slot in personSlot where slot >= 0 {
            for p in persons { personCells[slot + p] = Self.none }
        }
    }

    func household(_ f: Int, _ h: Int) -> Range<Int>? {
        let r = householdCells[householdSlot[f] + h]
        return r.lowerBound < 0 ? nil : r
    }

    func person(_ f: Int, _ p: Int) -> Range<Int>? {
        let r = personCells[personSlot[f] + p]
        return r.lowerBound < 0 ? nil : r
    }

    /// Cell text `range` as a CSV field of the output, copied as it is when every cell is `plain`.
    func write(_ range: Range<Int>, into out: inout ByteSink) {
        bytes.withUnsafeBufferPointer { out.field(UnsafeBufferPointer(rebasing: $0[range]), plain: plain) }
    }

    mutating func setHousehold(_ f: Int, _ h: Int, _ cell: some Collection<UInt8>) { setHousehold(f, h, range: add(cell)) }

    mutating func setPerson(_ f: Int, _ p: Int, _ cell: some Collection<UInt8>) { setPerson(f, p, range: add(cell)) }

    /// Text kept for cells to share (`setHousehold(_:_:range:)`): where it is.
    mutating func add(_ cell: some Collection<UInt8>) -> Range<Int> {
        defer { bytes.append(contentsOf: cell) }
        return bytes.count..<(bytes.count + cell.count)
    }

    mutating func setHousehold(_ f: Int, _ h: Int, range: Range<Int>) { householdCells[householdSlot[f] + h] = range }

    mutating func setPerson(_ f: Int, _ p: Int, range: Range<Int>) { personCells[personSlot[f] + p] = range }
}
