import PolicyExpr
import RuleCompiler

/// The resident's text of decisions made in batches, word for word as `Decision.residentText`
/// gives it for `huimin screen --explain`: each policy's templates are taken apart once into
/// fixed bytes and the kernels of their values, and a batch fills them from its lanes, with no
/// `Decision` built per subject.
///
/// It explains what the batch decides (符合 and 不符合); an undetermined decision, whose missing
/// inputs need the row evaluator's causes, goes the row path with its household. `init` fails
/// when a policy's text needs what lanes cannot hold (text computed other than by a plain `if`).
public final class BatchExplainer: @unchecked Sendable {
    /// A piece of a template, as plain numbers so that reading one copies no reference.
    struct Piece {
        enum Kind: UInt8 {
            /// Bytes `text` of `bytes`.
            case text
            /// Node `node`'s value, read as `format` says (with `types[type]` when `.other`).
            case value
            case regionName
            case personName
            /// Bytes `text` when node `node` is true, `otherwise` when false.
            case choice
            /// In a sentence of `DecisionBuilder` (`phrases`): hole number `node`, filled by the caller.
            case hole
        }
        var kind: Kind
        var format = Format.other
        var node: Int32 = -1
        var type: Int32 = -1
        var text: Range<Int32> = 0..<0
        var otherwise: Range<Int32> = 0..<0
    }

    /// How a value reads (`ValueFormatter.text`), decided once from its lane and static type.
    enum Format: UInt8 { case yuanInt, int, yuan, plain, date, other }

    /// What would change an unmet condition (`DecisionBuilder.change`).
    enum Change {
        case text(Range<Int32>)
        /// An age not yet reached: the kernels of the age and of the date it is reached on.
        case age(years: Int, date: Int, plus: Int)
        /// A comparison: the sentence (in `phrases`; holes 1, the boundary, and 2, the value) and
        /// its sides' kernels and types (in `types`).
        case boundary(phrase: Int, lhs: Int, lhsType: Int, rhs: Int, rhsType: Int)
    }

    /// A condition's texts, as ranges of `pieces` (empty: none).
    struct ConditionText {
        var met: Range<Int32>?
        var unmet: Range<Int32>?
        /// `excepted`, else `met`.
        var excepted: Range<Int32>?
        var depth: Int
        var isOverlap: Bool
    }

    /// A policy's texts as plain values (ranges of `bytes`, indices of `conditions`), so that
    /// reading one copies no reference.
    struct PolicyText {
        var title: Range<Int32>
        var person: Bool
        var hasAmount: Bool
        /// Its conditions' texts and changes, in the order of `policy.conditions`, from here on.
        var conditions: Int32
        var calculation: Range<Int32>?
        /// "  依据：…\n", or nothing.
        var basis: Range<Int32>
        /// Why it is unmet when not in effect on the date.
        var notInEffect: Range<Int32>
    }

    /// By the index of a policy one gives way to (择高): the rules' wording of that, else
    /// huimin's sentence (in `phrases`).
    struct GaveWay {
        var text: [Int: Range<Int32>] = [:]
        var phrase: [Int: Int] = [:]
    }

    public let plan: BatchPlan
    let nodes: [Node]
    /// By policy: its texts, if explained; what it gives way to.
    let texts: Frozen<PolicyText?>
    let gaveWay: [GaveWay]
    /// Every condition's texts and change (`PolicyText.conditions` onwards), every template's
    /// pieces, the bytes of their fixed text, and `DecisionBuilder`'s sentences taken apart.
    let conditions: Frozen<ConditionText>
    let changes: Frozen<Change?>
    let pieces: Frozen<Piece>
    let bytes: Frozen<UInt8>
    /// `DecisionBuilder`'s sentences taken apart once at their holes (made with the bytes 1, 2, …
    /// in place of values), as ranges of `pieces`: the wording stays in one place, and filling
    /// it costs no string.
    let phrases: Frozen<Range<Int32>>
    /// Each node's lane kind, and the static types of values, read without copying a node.
    let laneKinds: Frozen<LaneKind>
    let valueTypes: Frozen<ExprType>
    /// "将于{date}年满{years}周岁", in `phrases`.
    static let reaching = 0
    /// The fixed words of every text, in `bytes`.
    let unknown, tick, cross, open, close, ineligibleLine, ineligible, eligible, monthly, stop, bullet, reckoning, fullStop: Range<Int32>

    /// Nil when the text of a policy of `policies` needs what lanes cannot hold.
    public init?(plan: BatchPlan, policies: [Int]) {
        self.plan = plan
        var t = Templates(plan: plan)
        var texts: [PolicyText?] = Array(repeating: nil, count: plan.rules.policies.count)
        var gaveWay = Array(repeating: GaveWay(), count: plan.rules.policies.count)
        for i in policies {
            guard let (text, way) = t.policyText(plan.rules.policies[i]) else { return nil }
            texts[i] = text
            gaveWay[i] = way
        }
        unknown = t.text(ValueFormatter.text(.unknown([]), .text))
        (tick, cross, open, close) = (t.text("✔ "), t.text("✘ "), t.text("（"), t.text("）"))
        (ineligibleLine, ineligible, eligible, monthly) = (t.text("：不符合。\n  · "), t.text("：不符合。\n"), t.text("：符合"), t.text("，预计每月"))
        (stop, bullet, reckoning, fullStop) = (t.text("。\n"), t.text("  · "), t.text("  计算："), t.text("。"))
        (nodes, self.gaveWay) = (t.nodes, gaveWay)
        (laneKinds, valueTypes) = (Frozen(t.kinds), Frozen(t.types))
        self.texts = Frozen(texts)
        conditions = Frozen(t.conditions)
        changes = Frozen(t.changes)
        pieces = Frozen(t.pieces)
        bytes = Frozen(t.bytes)
        phrases = Frozen(t.phrases)
    }

    deinit {
        texts.free(); conditions.free(); changes.free(); pieces.free(); bytes.free(); phrases.free(); laneKinds.free(); valueTypes.free()
    }

    /// Bytes `r` of the fixed text.
    @inline(__always) func text(_ r: Range<Int32>) -> UnsafeBufferPointer<UInt8> { bytes.bytes(Int(r.lowerBound)..<Int(r.upperBound)) }

    // MARK: Taking the templates apart (once)

    /// The tables `init` fills, taking every explained policy's templates apart.
    struct Templates {
        let plan: BatchPlan
        var nodes: [Node] = []
        var kinds: [LaneKind] = []
        var types: [ExprType] = []
        var conditions: [ConditionText] = []
        var changes: [Change?] = []
        var pieces: [Piece] = []
        var bytes: [UInt8] = []
        var phrases: [Range<Int32>] = []

        init(plan: BatchPlan) {
            self.plan = plan
            phrase(DecisionBuilder.reaching("\u{1}", on: "\u{2}"))
        }

        /// Adds a sentence with holes (the bytes 1 to 9) to `phrases`.
        mutating func phrase(_ sentence: String) {
            let start = Int32(pieces.count)
            var run: [UInt8] = []
            func flush() {
                if !run.isEmpty { pieces.append(Piece(kind: .text, text: text(String(decoding: run, as: UTF8.self)))) }
                run = []
            }
            for b in sentence.utf8 {
                if b >= 1, b <= 9 {
                    flush()
                    pieces.append(Piece(kind: .hole, node: Int32(b)))
                } else {
                    run.append(b)
                }
            }
            flush()
            phrases.append(start..<Int32(pieces.count))
        }

        mutating func policyText(_ p: CompiledPolicy) -> (PolicyText, GaveWay)? {
            let person = p.subject == .person
            let first = Int32(conditions.count)
            for (c, depth) in p.conditions {
                var change: Change?
                if let t = c.change {
                    guard let pieces = pieces(t, person: person) else { return nil }
                    change = .text(pieces)
                } else if case .leaf(let when, _) = c.kind, case .compare(let op, let lhs, let rhs) = when.op, lhs.type.isNumeric {
                    if case .age = lhs.op, op == .greaterOrEqual || op == .greater, rhs.type == .int {
                        let plus = op == .greater ? 1 : 0
                        let n = plus == 0 ? rhs : TExpr(.arithmetic(.add, rhs, TExpr(.constant(.int(1)), .int, rhs.range)), .int, rhs.range)
                        guard let years = node(rhs, person: person), let date = node(TExpr(.dateOfAge(n), .date, rhs.range), person: person) else { return nil }
                        change = .age(years: years, date: date, plus: plus)
                    } else {
                        guard let l = node(lhs, person: person), let r = node(rhs, person: person) else { return nil }
                        let label = DecisionBuilder.referenceLabel(lhs, rules: plan.rules) ?? "该项"
                        phrase(DecisionBuilder.boundary(label, op, "\u{1}", "\u{2}"))
                        types += [lhs.type, rhs.type]
                        change = .boundary(phrase: phrases.count - 1, lhs: l, lhsType: types.count - 2, rhs: r, rhsType: types.count - 1)
                    }
                }
                var texts: [Range<Int32>?] = []
                for t in [c.met, c.unmet, c.excepted ?? c.met] {
                    guard let t else { texts.append(nil); continue }
                    guard let pieces = pieces(t, person: person) else { return nil }
                    texts.append(pieces)
                }
                conditions.append(ConditionText(met: texts[0], unmet: texts[1], excepted: texts[2], depth: depth, isOverlap: c.isOverlap))
                changes.append(change)
            }
            var calculation: Range<Int32>?
            if let t = p.amount?.explain {
                guard let pieces = pieces(t, person: person) else { return nil }
                calculation = pieces
            }
            var gaveWay = GaveWay()
            for (other, text) in p.higherOf {
                phrase(DecisionBuilder.gaveWay(to: plan.rules.policies[other].title, theirs: "\u{1}"))
                gaveWay.phrase[other] = phrases.count - 1
                guard let text else { continue }
                guard let pieces = pieces(text, person: person) else { return nil }
                gaveWay.text[other] = pieces
            }
            let policy = PolicyText(
                title: text(p.title), person: person, hasAmount: p.amount != nil, conditions: first, calculation: calculation,
                basis: text(p.basis.isEmpty ? "" : "  依据：\(p.basis.joined(separator: "；"))\n"),
                notInEffect: text(DecisionBuilder.notInEffect(p, on: plan.today)))
            return (policy, gaveWay)
        }

        /// Fixed text, as a range of `bytes`.
        mutating func text(_ s: String) -> Range<Int32> {
            let from = Int32(bytes.count)
            bytes.append(contentsOf: s.utf8)
            return from..<Int32(bytes.count)
        }

        /// A template's pieces, as a range of `pieces`; nil when a value is text that lanes cannot give.
        mutating func pieces(_ t: Template, person: Bool) -> Range<Int32>? {
            let start = Int32(pieces.count)
            for part in t.parts {
                switch part {
                case .text(let s): pieces.append(Piece(kind: .text, text: text(s)))
                case .value(let e):
                    switch e.op {
                    case .regionName: pieces.append(Piece(kind: .regionName))
                    case .personName: pieces.append(Piece(kind: .personName))
                    case .constant(.text(let s)): pieces.append(Piece(kind: .text, text: text(s)))
                    case .conditional(let c, let a, let b) where e.type == .text:
                        guard case .constant(.text(let x)) = a.op, case .constant(.text(let y)) = b.op, let n = node(c, person: person) else { return nil }
                        pieces.append(Piece(kind: .choice, node: Int32(n), text: text(x), otherwise: text(y)))
                    default:
                        guard let n = node(e, person: person) else { return nil }
                        types.append(e.type)
                        pieces.append(Piece(kind: .value, format: BatchExplainer.format(nodes[n].kind, e.type), node: Int32(n), type: Int32(types.count - 1)))
                    }
                }
            }
            return start..<Int32(pieces.count)
        }

        /// A kernel for `e`, as an index into `nodes`.
        mutating func node(_ e: TExpr, person: Bool) -> Int? {
            guard let n = plan.compile(e, person: person), n.kind != .members else { return nil }
            nodes.append(n)
            kinds.append(n.kind)
            return nodes.count - 1
        }
    }

    static func format(_ kind: LaneKind, _ type: ExprType) -> Format {
        switch kind {
        case .int: type == .money ? .yuanInt : .int
        case .fixed: type == .money ? .yuan : .plain
        case .date: .date
        default: .other
        }
    }

    // MARK: Filling templates

    /// What filling a template reads, as plain pointers (no reference to count): the
    /// explainer's tables, and the date.
    struct Tables {
        let pieces: Frozen<Piece>
        let bytes: Frozen<UInt8>
        let phrases: Frozen<Range<Int32>>
        let laneKinds: Frozen<LaneKind>
        let valueTypes: Frozen<ExprType>
        let unknown: Range<Int32>
        let fullStop: Range<Int32>
        let today: Day

        @inline(__always) func text(_ r: Range<Int32>) -> UnsafeBufferPointer<UInt8> { bytes.bytes(Int(r.lowerBound)..<Int(r.upperBound)) }

        /// A known lane of node `n` as `ValueFormatter.text` reads its value, in its `format` (with
        /// `types[type]` for `.other`).
        func appendValue(_ v: Int64, _ format: Format, node n: Int, type: Int, _ out: inout [UInt8]) {
            switch format {
            case .yuanInt:
                if let f = Fixed.checked(v) { f.appendYuan(to: &out) } else { out.append(contentsOf: MoneyTotal(yuan: v).yuanString.utf8) }
            case .int: Filler.appendInt(v, &out)
            case .yuan: Fixed(raw: v).appendYuan(to: &out)
            case .plain: Fixed(raw: v).appendPlain(to: &out)
            case .date: Day(serial: Int32(truncatingIfNeeded: v)).appendChinese(to: &out)
            case .other:
                out.append(contentsOf: ValueFormatter.text(Lanes.value(v, laneKinds[n]), valueTypes[type]).utf8)
            }
        }
    }

    /// This explainer's tables, to fill templates with.
    var tables: Tables {
        Tables(pieces: pieces, bytes: bytes, phrases: phrases, laneKinds: laneKinds, valueTypes: valueTypes, unknown: unknown, fullStop: fullStop, today: plan.today)
    }

    /// A batch's values of every node, as plain pointers.
    struct ValueLanes {
        let v: Frozen<Int64>
        let k: Frozen<Bool>
        let at: Frozen<Int>
        let person: Frozen<Bool>
    }

    // MARK: A batch's values

    /// What the texts of one batch read: every value's lanes, each condition's outcome, which
    /// conditions decide. Worked out before rows are written, so that a value whose arithmetic
    /// overflows sends its household to the row path like any other.
    public final class Values {
        /// Node `n`'s lane `i` at `at[n] + i`; `person[n]`: one lane a person, else a household.
        let v: Frozen<Int64>
        let k: Frozen<Bool>
        let at: Frozen<Int>
        let person: Frozen<Bool>
        /// By policy: condition `c` of subject `s` at `outcomeAt[i] + c * subjects[i] + s`.
        let outcomes: Frozen<UInt8>
        let outcomeAt: Frozen<Int>
        let subjects: Frozen<Int>
        /// By policy: subject `s`'s decisive conditions at `decisiveAt[i] + s`.
        let decisive: Frozen<UInt64>
        let decisiveAt: Frozen<Int>
        /// By policy given way to: its amounts before 择高.
        let theirs: [Int: [Int64]]
        /// Context `c`'s region name is `regionNames[regionEnds[c]..<regionEnds[c + 1]]`.
        let regionNames: Frozen<UInt8>
        let regionEnds: Frozen<Int>

        init(_ explainer: BatchExplainer, _ run: BatchRun) {
            let plan = explainer.plan, count = plan.rules.policies.count
            var outcomes: [UInt8] = [], decisive: [UInt64] = [], theirs: [Int: [Int64]] = [:]
            var outcomeAt = Array(repeating: 0, count: count), subjects = Array(repeating: 0, count: count), decisiveAt = Array(repeating: 0, count: count)
            for (i, t) in explainer.texts.base.enumerated() where t != nil && plan.inEffect(i) {
                let o = run.outcomes(i)
                subjects[i] = o.status.count
                outcomeAt[i] = outcomes.count
                outcomes += run.conditionOutcomes[i] ?? []
                decisiveAt[i] = decisive.count
                decisive += run.decisive[i] ?? []
                for (other, _) in plan.rules.policies[i].higherOf where theirs[other] == nil { theirs[other] = run.baseOutcomes(other).amount }
            }
            var v: [Int64] = [], k: [Bool] = [], at: [Int] = []
            for n in explainer.nodes {
                let lanes = n.run(run)
                at.append(v.count)
                v += lanes.v
                k += lanes.k
            }
            var names: [UInt8] = [], ends = [0]
            for c in run.batch.contexts {
                names += c.regionName.utf8
                ends.append(names.count)
            }
            (self.v, self.k, self.at, person) = (Frozen(v), Frozen(k), Frozen(at), Frozen(explainer.nodes.map(\.person)))
            (self.outcomes, self.outcomeAt, self.subjects) = (Frozen(outcomes), Frozen(outcomeAt), Frozen(subjects))
            (self.decisive, self.decisiveAt, self.theirs) = (Frozen(decisive), Frozen(decisiveAt), theirs)
            (regionNames, regionEnds) = (Frozen(names), Frozen(ends))
        }

        deinit {
            v.free(); k.free(); at.free(); person.free(); outcomes.free(); outcomeAt.free()
            subjects.free(); decisive.free(); decisiveAt.free(); regionNames.free(); regionEnds.free()
        }

        var lanes: ValueLanes { ValueLanes(v: v, k: k, at: at, person: person) }

        /// Context `c`'s region name.
        func region(_ c: Int) -> UnsafeBufferPointer<UInt8> { regionNames.bytes(regionEnds[c]..<regionEnds[c + 1]) }
    }

    public func values(_ run: BatchRun) -> Values { Values(self, run) }

    // MARK: Writing

    /// Appends the resident's text of policy `i`'s decision for subject `s` (a person of the
    /// batch for a person's policy, else the household `h`), trimmed as `trimmingSpaces` trims
    /// it. `label` is the person as a resident reads them (户主张某某); `status`, `amount` and
    /// `yielded` are the decision's, after 择高.
    public func append(
        _ i: Int, subject s: Int, household h: Int, label: UnsafeBufferPointer<UInt8>, status: UInt8, amount: Int64, yielded: Int32,
        _ values: Values, context: Int, to out: inout [UInt8]
    ) {
        guard let t = texts[i] else { return }
        let start = out.count
        do {
            let filler = Filler(explainer: tables, values: values.lanes, s: s, h: h, label: label, region: values.region(context))
            out.append(contentsOf: text(status == BatchOutcomes.eligible ? tick : cross))
            out.append(contentsOf: text(t.title))
            if t.person {
                out.append(contentsOf: text(open))
                out.append(contentsOf: label)
                out.append(contentsOf: text(close))
            }
            if !plan.inEffect(i) {
                out.append(contentsOf: text(ineligibleLine))
                out.append(contentsOf: text(t.notInEffect))
                out.append(10)
            } else if status == BatchOutcomes.eligible {
                out.append(contentsOf: text(eligible))
                if t.hasAmount {
                    out.append(contentsOf: text(monthly))
                    Fixed(raw: amount).appendYuan(to: &out)
                }
                out.append(contentsOf: text(stop))
                let n = values.subjects[i], at = values.outcomeAt[i]
                var bits = values.decisive[values.decisiveAt[i] + s]
                while bits != 0 {
                    let c = bits.trailingZeroBitCount
                    bits &= bits - 1
                    let ct = conditions[Int(t.conditions) + c]
                    guard ct.depth > 0 else { continue }
                    let o = values.outcomes[at + c * n + s]
                    if ct.isOverlap, o != 1 { continue }
                    guard let template = o == 0 ? ct.met : o == 1 ? ct.unmet : o == 3 ? ct.excepted : nil else { continue }
                    out.append(contentsOf: text(bullet))
                    filler.render(template, &out)
                    out.append(10)
                }
                if let calculation = t.calculation {
                    out.append(contentsOf: text(reckoning))
                    filler.render(calculation, &out)
                    out.append(10)
                }
                out.append(contentsOf: text(t.basis))
            } else {
                out.append(contentsOf: text(ineligible))
                let n = values.subjects[i], at = values.outcomeAt[i]
                var bits = values.decisive[values.decisiveAt[i] + s]
                var shown = 0
                while bits != 0, shown < 2 {
                    let c = bits.trailingZeroBitCount
                    bits &= bits - 1
                    guard values.outcomes[at + c * n + s] == 1 else { continue }
                    let unmet = conditions[Int(t.conditions) + c].unmet
                    let line = out.count
                    out.append(contentsOf: text(bullet))
                    if let unmet { filler.render(unmet, &out) }
                    guard filler.change(changes[Int(t.conditions) + c], &out) || unmet != nil else {
                        out.removeSubrange(line...)
                        continue
                    }
                    out.append(10)
                    shown += 1
                }
                if shown < 2, yielded >= 0 {
                    let other = Int(yielded)
                    out.append(contentsOf: text(bullet))
                    if let custom = gaveWay[i].text[other] {
                        filler.render(custom, &out)
                    } else {
                        let theirs = Fixed(raw: values.theirs[other]?[s] ?? 0)
                        filler.sentence(gaveWay[i].phrase[other]!, &out) { _, out in theirs.appendYuan(to: &out) }
                    }
                    out.append(10)
                }
            }
        }
        // `trimmingSpaces`: the last line break goes; anything more to trim is left to it.
        out.removeLast()
        if let last = out.last, last <= 32 || last == 0x80 {
            let trimmed = String(decoding: out[start...], as: UTF8.self).trimmingSpaces
            out.replaceSubrange(start..., with: trimmed.utf8)
        }
    }

    /// Fills templates for one subject. It holds what it reads without counting references:
    /// the explainer and the batch's values outlive it, `label` and `region` are its caller's.
    struct Filler {
        let explainer: Tables
        let values: ValueLanes
        let s: Int
        let h: Int
        let label: UnsafeBufferPointer<UInt8>
        let region: UnsafeBufferPointer<UInt8>

        /// Node `n`'s lane for the subject, if known.
        @inline(__always) func lane(_ n: Int) -> Int64? {
            let i = values.at[n] + (values.person[n] ? s : h)
            return values.k[i] ? values.v[i] : nil
        }

        func render(_ range: Range<Int32>, _ out: inout [UInt8]) {
            let pieces = explainer.pieces
            for p in Int(range.lowerBound)..<Int(range.upperBound) {
                let piece = pieces[p]
                switch piece.kind {
                case .text: out.append(contentsOf: explainer.text(piece.text))
                case .value:
                    let n = Int(piece.node)
                    if let v = lane(n) {
                        explainer.appendValue(v, piece.format, node: n, type: Int(piece.type), &out)
                    } else {
                        out.append(contentsOf: explainer.text(explainer.unknown))
                    }
                case .hole: break
                case .regionName: out.append(contentsOf: region)
                case .personName: out.append(contentsOf: label)
                case .choice:
                    let yes = explainer.text(piece.text), no = explainer.text(piece.otherwise)
                    if let b = lane(Int(piece.node)) {
                        out.append(contentsOf: b != 0 ? yes : no)
                    } else {
                        // The evaluator's `if` on an unknown condition: the branches' value if they agree.
                        if yes.elementsEqual(no) { out.append(contentsOf: yes) } else { out.append(contentsOf: explainer.text(explainer.unknown)) }
                    }
                }
            }
        }

        /// Appends a change's text and "。"; false when there is none for this subject.
        func change(_ change: Change?, _ out: inout [UInt8]) -> Bool {
            switch change {
            case nil: return false
            case .text(let pieces): render(pieces, &out)
            case .age(let years, let date, let plus):
                guard let y = lane(years), let d = lane(date) else { return false }
                let day = Day(serial: Int32(truncatingIfNeeded: d))
                guard day > explainer.today else { return false }
                sentence(BatchExplainer.reaching, &out) { hole, out in
                    if hole == 1 { Self.appendInt(y + Int64(plus), &out) } else { day.appendChinese(to: &out) }
                }
            case .boundary(let phrase, let lhs, let lhsType, let rhs, let rhsType):
                guard let l = lane(lhs), let r = lane(rhs) else { return false }
                sentence(phrase, &out) { hole, out in
                    let (v, n, type) = hole == 1 ? (r, rhs, rhsType) : (l, lhs, lhsType)
                    explainer.appendValue(v, BatchExplainer.format(explainer.laneKinds[n], explainer.valueTypes[type]), node: n, type: type, &out)
                }
            }
            out.append(contentsOf: explainer.text(explainer.fullStop))
            return true
        }

        /// Appends sentence `k` of `phrases`, with `fill` writing each hole's value by its number.
        @inline(__always) func sentence(_ k: Int, _ out: inout [UInt8], _ fill: (Int, inout [UInt8]) -> Void) {
            let range = explainer.phrases[k]
            for p in Int(range.lowerBound)..<Int(range.upperBound) {
                let piece = explainer.pieces[p]
                if piece.kind == .hole { fill(Int(piece.node), &out) } else { out.append(contentsOf: explainer.text(piece.text)) }
            }
        }

        /// An integer's decimal digits.
        static func appendInt(_ v: Int64, _ out: inout [UInt8]) {
            let start = out.count
            var m = v.magnitude
            repeat {
                out.append(UInt8(ascii: "0") + UInt8(m % 10))
                m /= 10
            } while m > 0
            if v < 0 { out.append(UInt8(ascii: "-")) }
            out.reverseTail(from: start)
        }
    }

}

/// An array's elements in memory of their own, read without reference counting or exclusivity
/// checks: for tables a class builds once and reads per text. Its owner frees it in `deinit`.
struct Frozen<T> {
    let base: UnsafeMutableBufferPointer<T>

    init(_ array: [T]) {
        let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, array.count))
        _ = b.initialize(from: array)
        base = UnsafeMutableBufferPointer(rebasing: b[0..<array.count])
    }

    @inline(__always) subscript(i: Int) -> T {
        unsafeAddress { UnsafePointer(base.baseAddress! + i) }
    }

    func free() {
        base.deinitialize()
        base.deallocate()
    }
}

extension Frozen<UInt8> {
    @inline(__always) func bytes(_ r: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: base[r]) }
}
