import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// How one policy's results move between two rule sets (or two dates): who gains, who loses,
/// and what it costs a month.
public struct PolicyChangeTally: Sendable {
    public let policy: String
    public let title: String
    public var newlyEligible = 0, noLongerEligible = 0, amountUp = 0, amountDown = 0
    /// Moves into or out of 待核实 (a rule now needs, or no longer needs, a fact the roster lacks).
    public var undeterminedChanged = 0
    public var baseTotal = MoneyTotal.zero, newTotal = MoneyTotal.zero

    public var changed: Int { newlyEligible + noLongerEligible + amountUp + amountDown + undeterminedChanged }
}

/// Compares each household's decisions under a base and a new rule set (or the same rules on two
/// dates): writes one row per subject and policy whose status or amount changes, with the
/// conditions and parameters that moved, and tallies the change per policy.
public struct RuleDiff: HouseholdWorker {
    public enum Format: String, Sendable, CaseIterable { case text, csv, jsonl }

    public let base: RuleSet
    public let new: RuleSet
    public let baseDate: Day
    public let newDate: Day
    public let format: Format
    /// Policies by id in both rule sets: (base index, new index); a policy only in one is compared
    /// with "not there" (ineligible, no amount).
    let pairs: [(id: String, title: String, base: CompiledPolicy?, new: CompiledPolicy?)]
    /// The parameters each policy reads (through its values), by name, with their index in each rule set.
    let parameters: [[(name: String, base: Int?, new: Int?)]]
    let mapper: RecordMapper?

    public init(base: RuleSet, new: RuleSet, baseDate: Day, newDate: Day, format: Format, policies: Set<String>?) {
        self.base = base
        self.new = new
        self.baseDate = baseDate
        self.newDate = newDate
        self.format = format
        var pairs: [(String, String, CompiledPolicy?, CompiledPolicy?)] = new.policies.map { ($0.id, $0.title, base.policy($0.id), $0) }
        pairs += base.policies.filter { new.policy($0.id) == nil }.map { ($0.id, $0.title, $0, nil) }
        self.pairs = pairs.filter { policies == nil || policies!.contains($0.0) }
        parameters = self.pairs.map { pair in
            var names: [String] = []
            for (rules, p) in [(base, pair.2), (new, pair.3)] {
                guard let p else { continue }
                for name in rules.references(of: p).parameters.map({ rules.schema.parameters[$0].name }) where !names.contains(name) { names.append(name) }
            }
            return names.map { n in (n, base.schema.parameter(n)?.index, new.schema.parameter(n)?.index) }
        }
        mapper = RecordMapper(from: new.schema, to: base.schema)
    }

    public func prepare(_ summary: inout ScreeningSummary) {
        summary.changes = pairs.map { PolicyChangeTally(policy: $0.id, title: $0.title) }
    }

    public var header: [UInt8] {
        guard format == .csv else { return [] }
        var out: [UInt8] = []
        CSVWriter.appendRow(["household_id", "subject", "policy", "change", "base_status", "new_status", "base_amount", "new_amount", "delta", "conditions", "parameters"], to: &out)
        return out
    }

    public func screen(_ record: HouseholdRecord, into out: inout [UInt8], summary: inout ScreeningSummary) {
        let newEval = HouseholdEvaluation(rules: new, record: record, on: newDate)
        let baseEval = HouseholdEvaluation(rules: base, record: mapper?.map(record) ?? record, on: baseDate)
        summary.households += 1
        summary.persons += record.members.count
        for (i, pair) in pairs.enumerated() {
            let personLevel = (pair.new ?? pair.base)!.subject == .person
            for m in personLevel ? Array(record.members.indices) : [-1] {
                let b = pair.base.map { baseEval.finalOutcome($0, member: m) }
                let n = pair.new.map { newEval.finalOutcome($0, member: m) }
                let bStatus = b?.status ?? .ineligible, nStatus = n?.status ?? .ineligible
                let bAmount = bStatus == .eligible ? (b?.amount ?? .zero) : .zero
                let nAmount = nStatus == .eligible ? (n?.amount ?? .zero) : .zero
                summary.changes[i].baseTotal = summary.changes[i].baseTotal + bAmount
                summary.changes[i].newTotal = summary.changes[i].newTotal + nAmount
                let change: Change
                switch (bStatus, nStatus) {
                case (.eligible, .eligible):
                    guard bAmount != nAmount else { continue }
                    change = nAmount > bAmount ? .amountUp : .amountDown
                case (.ineligible, .eligible): change = .newlyEligible
                case (.eligible, .ineligible): change = .noLongerEligible
                case (.ineligible, .ineligible), (.undetermined, .undetermined): continue
                default: change = .undetermined
                }
                switch change {
                case .newlyEligible: summary.changes[i].newlyEligible += 1
                case .noLongerEligible: summary.changes[i].noLongerEligible += 1
                case .amountUp: summary.changes[i].amountUp += 1
                case .amountDown: summary.changes[i].amountDown += 1
                case .undetermined: summary.changes[i].undeterminedChanged += 1
                }
                let why = reasons(i, pair, b, n, baseEval, newEval)
                let subject = m >= 0 ? record.members[m].id : record.id
                write(record.id, subject, pair.id, pair.title, change, bStatus, nStatus, bAmount, nAmount, why, into: &out)
            }
        }
    }

    enum Change: String {
        case newlyEligible = "newly_eligible", noLongerEligible = "no_longer_eligible", amountUp = "amount_up", amountDown = "amount_down"
        case undetermined = "undetermined_changed"

        var chinese: String {
            switch self {
            case .newlyEligible: "新增符合"
            case .noLongerEligible: "不再符合"
            case .amountUp: "金额增加"
            case .amountDown: "金额减少"
            case .undetermined: "待核实变化"
            }
        }
    }

    /// The conditions whose outcome moved and the parameters whose value moved.
    func reasons(_ i: Int, _ pair: (id: String, title: String, base: CompiledPolicy?, new: CompiledPolicy?), _ b: PolicyOutcome?, _ n: PolicyOutcome?,
                 _ baseEval: HouseholdEvaluation, _ newEval: HouseholdEvaluation) -> (conditions: [String], parameters: [String]) {
        var conditions: [String] = []
        if pair.base == nil { conditions.append("新增政策") }
        if pair.new == nil { conditions.append("政策已删除") }
        if let bp = pair.base, let np = pair.new, let b, let n {
            var before: [String: PolicyOutcome.ConditionOutcome] = [:]
            for ((c, _), o) in zip(bp.conditions, b.conditions) { before[c.id] = o }
            for ((c, _), o) in zip(np.conditions, n.conditions) {
                guard case .leaf = c.kind else { continue }
                let was = before[c.id]
                if was == nil { conditions.append("\(c.id)（新条件）：\(Self.word(o))") } else if !Self.same(was!, o) { conditions.append("\(c.id)：\(Self.word(was!))→\(Self.word(o))") }
            }
            if b.notInEffect != n.notInEffect { conditions.append(n.notInEffect ? "effective：不在施行期" : "effective：开始施行") }
            if b.yieldedTo != n.yieldedTo { conditions.append("择高：" + (n.yieldedTo.map { "让位于\(new.policies[$0].id)" } ?? "不再让位")) }
        }
        var parameters: [String] = []
        for (name, bi, ni) in self.parameters[i] {
            let bv = bi.map { baseEval.parameter($0) }, nv = ni.map { newEval.parameter($0) }
            guard bv != nv else { continue }
            let type = (new.schema.parameter(name) ?? base.schema.parameter(name))!.type
            parameters.append("\(name)：\(bv.map { ValueFormatter.text($0, type) } ?? "无")→\(nv.map { ValueFormatter.text($0, type) } ?? "无")")
        }
        return (conditions, parameters)
    }

    static func same(_ a: PolicyOutcome.ConditionOutcome, _ b: PolicyOutcome.ConditionOutcome) -> Bool {
        switch (a, b) {
        case (.met, .met), (.unmet, .unmet), (.unknown, .unknown), (.excepted, .excepted): true
        default: false
        }
    }

    static func word(_ o: PolicyOutcome.ConditionOutcome) -> String {
        switch o {
        case .met: "满足"
        case .unmet: "不满足"
        case .unknown: "未知"
        case .excepted: "例外"
        }
    }

    func write(_ household: String, _ subject: String, _ policy: String, _ title: String, _ change: Change, _ bs: DecisionStatus, _ ns: DecisionStatus,
               _ ba: Fixed, _ na: Fixed, _ why: (conditions: [String], parameters: [String]), into out: inout [UInt8]) {
        let delta = na - ba
        switch format {
        case .csv:
            CSVWriter.appendRow([household, subject, policy, change.rawValue, bs.rawValue, ns.rawValue, ba.decimalString(places: 2), na.decimalString(places: 2),
                                 delta.decimalString(places: 2), why.conditions.joined(separator: ";"), why.parameters.joined(separator: ";")], to: &out)
        case .jsonl:
            let json = JSONValue.object([
                ("household_id", .string(household)), ("subject", .string(subject)), ("policy", .string(policy)), ("change", .string(change.rawValue)),
                ("base", .object([("status", .string(bs.rawValue)), ("amount", .string(ba.decimalString(places: 2)))])),
                ("new", .object([("status", .string(ns.rawValue)), ("amount", .string(na.decimalString(places: 2)))])),
                ("delta", .string(delta.decimalString(places: 2))),
                ("conditions", .array(why.conditions.map { .string($0) })), ("parameters", .array(why.parameters.map { .string($0) })),
            ])
            out.append(contentsOf: json.serialized().utf8)
            out.append(10)
        case .text:
            var line = "\(subject == household ? household : household + " " + subject)  \(title)  \(change.chinese)  \(bs.chinese)→\(ns.chinese)"
            if ba != na { line += "  \(ba.yuanString)→\(na.yuanString)（\(delta >= .zero ? "+" : "")\(delta.yuanString)）" }
            let because = why.conditions + why.parameters
            if !because.isEmpty { line += "  因为 " + because.joined(separator: "；") }
            out.append(contentsOf: (line + "\n").utf8)
        }
    }
}

/// Carries a record read with one schema over to another with the same field keys: values by key,
/// choices by value name. Nil when the two schemas lay their fields out alike.
struct RecordMapper: Sendable {
    let household: [(from: Int, to: Int, remap: [Int]?)]
    let person: [(from: Int, to: Int, remap: [Int]?)]
    let target: Schema

    init?(from source: Schema, to target: Schema) {
        func plan(_ a: [FieldSpec], _ b: [FieldSpec]) -> [(Int, Int, [Int]?)] {
            b.compactMap { t in
                guard let f = a.first(where: { $0.key == t.key }) else { return nil }
                switch (f.kind, t.kind) {
                case (.enumeration(let x), .enumeration(let y)), (.enumList(let x), .enumList(let y)):
                    return (f.index, t.index, x.values.map { y.ordinal(of: $0) ?? -1 })
                default:
                    return f.kind == t.kind ? (f.index, t.index, nil) : nil
                }
            }
        }
        household = plan(source.household, target.household)
        person = plan(source.person, target.person)
        self.target = target
        // Every field of both schemas in the same slot, every choice in the same place: nothing to carry over.
        func same(_ plan: [(from: Int, to: Int, remap: [Int]?)], _ a: [FieldSpec], _ b: [FieldSpec]) -> Bool {
            a.count == b.count && plan.count == b.count
                && plan.allSatisfy { $0.from == $0.to && ($0.remap?.enumerated().allSatisfy { $0.offset == $0.element } ?? true) }
        }
        if same(household, source.household, target.household), same(person, source.person, target.person) { return nil }
    }

    func map(_ record: HouseholdRecord) -> HouseholdRecord {
        var out = HouseholdRecord(schema: target, id: record.id, origin: record.origin)
        out.region = record.region
        func copy(_ plan: [(from: Int, to: Int, remap: [Int]?)], _ values: [Value], _ kinds: [[Fixed]?], into v: inout [Value], _ k: inout [[Fixed]?]) {
            for (from, to, remap) in plan {
                k[to] = kinds[from]
                switch (values[from], remap) {
                case (.enumeration(let o), let r?): v[to] = r[o] >= 0 ? .enumeration(r[o]) : .unknown([])
                case (.enumSet(let bits), let r?):
                    var mapped: UInt64 = 0
                    for (i, t) in r.enumerated() where bits & (1 << UInt64(i)) != 0 && t >= 0 { mapped |= 1 << UInt64(t) }
                    v[to] = .enumSet(mapped)
                default: v[to] = values[from]
                }
            }
        }
        copy(household, record.values, record.kinds, into: &out.values, &out.kinds)
        for m in record.members {
            var member = HouseholdRecord.emptyMember(target, id: m.id)
            copy(person, m.values, m.kinds, into: &member.values, &member.kinds)
            out.members.append(member)
        }
        return out
    }
}

extension ScreeningSummary {
    /// The diff's summary: rows reconciled, then per policy who gains and loses and the monthly cost.
    public func diffText(base: String, new: String) -> String {
        var out = "\(base) → \(new) · 共\(rows)行：\(households)户\(persons)人已比较，\(rejectedRows)行（\(rejectedHouseholds)户）未能处理"
        out += reconciles ? "，核对无误。\n" : "，行数不符！\n"
        let width = changes.map { DisplayWidth.of($0.title) }.max() ?? 8
        for c in changes {
            let pad = String(repeating: " ", count: max(0, width - DisplayWidth.of(c.title)))
            let delta = c.newTotal - c.baseTotal
            out += "  \(c.title)\(pad)  新增符合 \(c.newlyEligible)  不再符合 \(c.noLongerEligible)  金额增加 \(c.amountUp)  金额减少 \(c.amountDown)"
            if c.undeterminedChanged > 0 { out += "  待核实变化 \(c.undeterminedChanged)" }
            out += "  月支出 \(c.baseTotal.yuanString)→\(c.newTotal.yuanString)（\(delta >= .zero ? "+" : "")\(delta.yuanString)）\n"
        }
        return out
    }

    public func diffJSON(base: String, new: String) -> JSONValue {
        .object([
            ("base", .string(base)), ("new", .string(new)),
            ("rows", .int(rows)), ("households", .int(households)), ("persons", .int(persons)),
            ("rejected_rows", .int(rejectedRows)), ("rejected_households", .int(rejectedHouseholds)), ("reconciled", .bool(reconciles)),
            ("policies", .array(changes.map { c in
                .object([
                    ("policy", .string(c.policy)), ("title", .string(c.title)),
                    ("newly_eligible", .int(c.newlyEligible)), ("no_longer_eligible", .int(c.noLongerEligible)),
                    ("amount_up", .int(c.amountUp)), ("amount_down", .int(c.amountDown)), ("undetermined_changed", .int(c.undeterminedChanged)),
                    ("monthly_total_base", .string(c.baseTotal.decimalString(places: 2))),
                    ("monthly_total_new", .string(c.newTotal.decimalString(places: 2))),
                    ("monthly_change", .string((c.newTotal - c.baseTotal).decimalString(places: 2))),
                ])
            })),
        ])
    }
}
