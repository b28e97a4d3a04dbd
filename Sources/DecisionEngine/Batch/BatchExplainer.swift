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

    /// A sentence of `DecisionBuilder` taken apart once at its holes (made with the bytes 1, 2,
    /// … in place of values), so that the wording stays in one place and filling it costs no
    /// string.
    struct Phrase {
        var texts: [[UInt8]] = [[]]
        var holes: [Int] = []

        init(_ sentence: String) {
            for b in sentence.utf8 {
                if b >= 1, b <= 9 {
                    holes.append(Int(b))
                    texts.append([])
                } else {
                    texts[texts.count - 1].append(b)
                }
            }
        }

        func append(to out: inout [UInt8], _ fill: (Int, inout [UInt8]) -> Void) {
            for (i, hole) in holes.enumerated() {
                out.append(contentsOf: texts[i])
                fill(hole, &out)
            }
            out.append(contentsOf: texts[holes.count])
        }
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

    final class PolicyText {
        let title: [UInt8]
        let person: Bool
        let hasAmount: Bool
        let conditions: [ConditionText]
        /// By condition: what would change it when unmet.
        let changes: [Change?]
        let calculation: Range<Int32>?
        /// "  依据：…\n", or nothing.
        let basis: [UInt8]
        /// Why it is unmet when not in effect on the date.
        let notInEffect: [UInt8]
        /// By the index of a policy it gives way to: the rules' wording of that, else huimin's.
        let gaveWay: [Int: Range<Int32>]
        let gaveWayPhrase: [Int: Int]

        init(
            title: [UInt8], person: Bool, hasAmount: Bool, conditions: [ConditionText], changes: [Change?], calculation: Range<Int32>?,
            basis: [UInt8], notInEffect: [UInt8], gaveWay: [Int: Range<Int32>], gaveWayPhrase: [Int: Int]
        ) {
            self.title = title
            self.person = person
            self.hasAmount = hasAmount
            self.conditions = conditions
            self.changes = changes
            self.calculation = calculation
            self.basis = basis
            self.notInEffect = notInEffect
            self.gaveWay = gaveWay
            self.gaveWayPhrase = gaveWayPhrase
        }
    }

    public let plan: BatchPlan
    var nodes: [Node] = []
    var texts: [PolicyText?]
    /// Every template's pieces, and the bytes of their fixed text.
    var pieces: [Piece] = []
    var bytes: [UInt8] = []
    var types: [ExprType] = []
    /// Each node's lane kind, read without copying the node.
    var kinds: [LaneKind] = []
    var phrases: [Phrase] = [Phrase(DecisionBuilder.reaching("\u{1}", on: "\u{2}"))]
    /// "将于{date}年满{years}周岁", in `phrases`.
    let reaching = 0
    let unknown: [UInt8]

    /// Nil when the text of a policy of `policies` needs what lanes cannot hold.
    public init?(plan: BatchPlan, policies: [Int]) {
        self.plan = plan
        texts = Array(repeating: nil, count: plan.rules.policies.count)
        unknown = Array(ValueFormatter.text(.unknown([]), .text).utf8)
        for i in policies {
            guard let t = policyText(plan.rules.policies[i]) else { return nil }
            texts[i] = t
        }
    }

    // MARK: Taking the templates apart (once)

    func policyText(_ p: CompiledPolicy) -> PolicyText? {
        let person = p.subject == .person
        var conditions: [ConditionText] = []
        var changes: [Change?] = []
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
                    phrases.append(Phrase(DecisionBuilder.boundary(label, op, "\u{1}", "\u{2}")))
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
        var gaveWay: [Int: Range<Int32>] = [:], gaveWayPhrase: [Int: Int] = [:]
        for (other, text) in p.higherOf {
            phrases.append(Phrase(DecisionBuilder.gaveWay(to: plan.rules.policies[other].title, theirs: "\u{1}")))
            gaveWayPhrase[other] = phrases.count - 1
            guard let text else { continue }
            guard let pieces = pieces(text, person: person) else { return nil }
            gaveWay[other] = pieces
        }
        return PolicyText(
            title: Array(p.title.utf8), person: person, hasAmount: p.amount != nil, conditions: conditions, changes: changes,
            calculation: calculation, basis: p.basis.isEmpty ? [] : Array("  依据：\(p.basis.joined(separator: "；"))\n".utf8),
            notInEffect: Array(DecisionBuilder.notInEffect(p, on: plan.today).utf8), gaveWay: gaveWay, gaveWayPhrase: gaveWayPhrase)
    }

    /// A template's pieces, as a range of `pieces`; nil when a value is text that lanes cannot give.
    func pieces(_ t: Template, person: Bool) -> Range<Int32>? {
        let start = Int32(pieces.count)
        func text(_ s: String) -> Range<Int32> {
            let from = Int32(bytes.count)
            bytes.append(contentsOf: s.utf8)
            return from..<Int32(bytes.count)
        }
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
                    pieces.append(Piece(kind: .value, format: Self.format(nodes[n].kind, e.type), node: Int32(n), type: Int32(types.count - 1)))
                }
            }
        }
        return start..<Int32(pieces.count)
    }

    static func format(_ kind: LaneKind, _ type: ExprType) -> Format {
        switch kind {
        case .int: type == .money ? .yuanInt : .int
        case .fixed: type == .money ? .yuan : .plain
        case .date: .date
        default: .other
        }
    }

    /// A kernel for `e`, as an index into `nodes`.
    func node(_ e: TExpr, person: Bool) -> Int? {
        guard let n = plan.compile(e, person: person), n.kind != .members else { return nil }
        nodes.append(n)
        kinds.append(n.kind)
        return nodes.count - 1
    }

    // MARK: A batch's values

    /// What the texts of one batch read: every value's lanes, each condition's outcome, which
    /// conditions decide. Worked out before rows are written, so that a value whose arithmetic
    /// overflows sends its household to the row path like any other.
    public final class Values {
        /// Node `n`'s lane `i` at `at[n] + i`; `person[n]`: one lane a person, else a household.
        let v: [Int64]
        let k: [Bool]
        let at: [Int]
        let person: [Bool]
        /// By policy: condition `c` of subject `s` at `outcomeAt[i] + c * subjects[i] + s`.
        let outcomes: [UInt8]
        let outcomeAt: [Int]
        let subjects: [Int]
        /// By policy: subject `s`'s decisive conditions at `decisiveAt[i] + s`.
        let decisive: [UInt64]
        let decisiveAt: [Int]
        /// By policy given way to: its amounts before 择高.
        let theirs: [Int: [Int64]]
        let regionNames: [[UInt8]]

        init(_ explainer: BatchExplainer, _ run: BatchRun) {
            let plan = explainer.plan, count = plan.rules.policies.count
            var outcomes: [UInt8] = [], decisive: [UInt64] = [], theirs: [Int: [Int64]] = [:]
            var outcomeAt = Array(repeating: 0, count: count), subjects = Array(repeating: 0, count: count), decisiveAt = Array(repeating: 0, count: count)
            for (i, t) in explainer.texts.enumerated() where t != nil && plan.inEffect(i) {
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
            (self.v, self.k, self.at, person) = (v, k, at, explainer.nodes.map(\.person))
            (self.outcomes, self.outcomeAt, self.subjects, self.decisive, self.decisiveAt, self.theirs) = (outcomes, outcomeAt, subjects, decisive, decisiveAt, theirs)
            regionNames = run.batch.contexts.map { Array($0.regionName.utf8) }
        }
    }

    public func values(_ run: BatchRun) -> Values { Values(self, run) }

    // MARK: Writing

    /// Appends the resident's text of policy `i`'s decision for subject `s` (a person of the
    /// batch for a person's policy, else the household `h`), trimmed as `trimmingSpaces` trims
    /// it. `label` is the person as a resident reads them (户主张某某); `status`, `amount` and
    /// `yielded` are the decision's, after 择高.
    public func append(
        _ i: Int, subject s: Int, household h: Int, label: [UInt8], status: UInt8, amount: Int64, yielded: Int32,
        _ values: Values, context: Int, to out: inout [UInt8]
    ) {
        guard let t = texts[i] else { return }
        let start = out.count
        let filler = Filler(explainer: self, values: values, s: s, h: h, label: label, region: values.regionNames[context])
        out.append(contentsOf: status == BatchOutcomes.eligible ? "✔ ".utf8 : "✘ ".utf8)
        out.append(contentsOf: t.title)
        if t.person {
            out.append(contentsOf: "（".utf8)
            out.append(contentsOf: label)
            out.append(contentsOf: "）".utf8)
        }
        if !plan.inEffect(i) {
            out.append(contentsOf: "：不符合。\n  · ".utf8)
            out.append(contentsOf: t.notInEffect)
            out.append(10)
        } else if status == BatchOutcomes.eligible {
            out.append(contentsOf: "：符合".utf8)
            if t.hasAmount {
                out.append(contentsOf: "，预计每月".utf8)
                Fixed(raw: amount).appendYuan(to: &out)
            }
            out.append(contentsOf: "。\n".utf8)
            let n = values.subjects[i], at = values.outcomeAt[i]
            var bits = values.decisive[values.decisiveAt[i] + s]
            while bits != 0 {
                let c = bits.trailingZeroBitCount
                bits &= bits - 1
                let ct = t.conditions[c]
                guard ct.depth > 0 else { continue }
                let o = values.outcomes[at + c * n + s]
                if ct.isOverlap, o != 1 { continue }
                guard let template = o == 0 ? ct.met : o == 1 ? ct.unmet : o == 3 ? ct.excepted : nil else { continue }
                out.append(contentsOf: "  · ".utf8)
                filler.render(template, &out)
                out.append(10)
            }
            if let calculation = t.calculation {
                out.append(contentsOf: "  计算：".utf8)
                filler.render(calculation, &out)
                out.append(10)
            }
            out.append(contentsOf: t.basis)
        } else {
            out.append(contentsOf: "：不符合。\n".utf8)
            let n = values.subjects[i], at = values.outcomeAt[i]
            var bits = values.decisive[values.decisiveAt[i] + s]
            var shown = 0
            while bits != 0, shown < 2 {
                let c = bits.trailingZeroBitCount
                bits &= bits - 1
                guard values.outcomes[at + c * n + s] == 1 else { continue }
                let unmet = t.conditions[c].unmet
                let line = out.count
                out.append(contentsOf: "  · ".utf8)
                if let unmet { filler.render(unmet, &out) }
                guard filler.change(t.changes[c], &out) || unmet != nil else {
                    out.removeSubrange(line...)
                    continue
                }
                out.append(10)
                shown += 1
            }
            if shown < 2, yielded >= 0 {
                let other = Int(yielded)
                out.append(contentsOf: "  · ".utf8)
                if let custom = t.gaveWay[other] {
                    filler.render(custom, &out)
                } else {
                    let theirs = Fixed(raw: values.theirs[other]?[s] ?? 0)
                    phrases[t.gaveWayPhrase[other]!].append(to: &out) { _, out in theirs.appendYuan(to: &out) }
                }
                out.append(10)
            }
        }
        // `trimmingSpaces`: the last line break goes; anything more to trim is left to it.
        out.removeLast()
        if let last = out.last, last <= 32 || last == 0x80 {
            let trimmed = String(decoding: out[start...], as: UTF8.self).trimmingSpaces
            out.replaceSubrange(start..., with: trimmed.utf8)
        }
    }

    /// Fills templates for one subject.
    struct Filler {
        let explainer: BatchExplainer
        let values: Values
        let s: Int
        let h: Int
        let label: [UInt8]
        let region: [UInt8]

        /// Node `n`'s lane for the subject, if known.
        @inline(__always) func lane(_ n: Int) -> Int64? {
            let i = values.at[n] + (values.person[n] ? s : h)
            return values.k[i] ? values.v[i] : nil
        }

        func render(_ range: Range<Int32>, _ out: inout [UInt8]) {
            explainer.pieces.withUnsafeBufferPointer { pieces in
                explainer.bytes.withUnsafeBufferPointer { bytes in
                    for p in Int(range.lowerBound)..<Int(range.upperBound) {
                        let piece = pieces[p]
                        switch piece.kind {
                        case .text: out.append(contentsOf: bytes[Int(piece.text.lowerBound)..<Int(piece.text.upperBound)])
                        case .value:
                            let n = Int(piece.node)
                            if let v = lane(n) {
                                explainer.appendValue(v, piece.format, node: n, type: Int(piece.type), &out)
                            } else {
                                out.append(contentsOf: explainer.unknown)
                            }
                        case .regionName: out.append(contentsOf: region)
                        case .personName: out.append(contentsOf: label)
                        case .choice:
                            let yes = bytes[Int(piece.text.lowerBound)..<Int(piece.text.upperBound)]
                            let no = bytes[Int(piece.otherwise.lowerBound)..<Int(piece.otherwise.upperBound)]
                            if let b = lane(Int(piece.node)) {
                                out.append(contentsOf: b != 0 ? yes : no)
                            } else {
                                // The evaluator's `if` on an unknown condition: the branches' value if they agree.
                                if yes.elementsEqual(no) { out.append(contentsOf: yes) } else { out.append(contentsOf: explainer.unknown) }
                            }
                        }
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
                guard day > explainer.plan.today else { return false }
                explainer.phrases[explainer.reaching].append(to: &out) { hole, out in
                    if hole == 1 { Self.appendInt(y + Int64(plus), &out) } else { day.appendChinese(to: &out) }
                }
            case .boundary(let phrase, let lhs, let lhsType, let rhs, let rhsType):
                guard let l = lane(lhs), let r = lane(rhs) else { return false }
                explainer.phrases[phrase].append(to: &out) { hole, out in
                    if hole == 1 {
                        explainer.appendValue(r, BatchExplainer.format(explainer.kinds[rhs], explainer.types[rhsType]), node: rhs, type: rhsType, &out)
                    } else {
                        explainer.appendValue(l, BatchExplainer.format(explainer.kinds[lhs], explainer.types[lhsType]), node: lhs, type: lhsType, &out)
                    }
                }
            }
            out.append(contentsOf: "。".utf8)
            return true
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
            out[start...].reverse()
        }
    }

    /// A known lane of node `n` as `ValueFormatter.text` reads its value, in its `format` (with
    /// `types[type]` for `.other`).
    func appendValue(_ v: Int64, _ format: Format, node n: Int, type: Int, _ out: inout [UInt8]) {
        switch format {
        case .yuanInt: Fixed(v).appendYuan(to: &out)
        case .int: Filler.appendInt(v, &out)
        case .yuan: Fixed(raw: v).appendYuan(to: &out)
        case .plain: Fixed(raw: v).appendPlain(to: &out)
        case .date: Day(serial: Int32(truncatingIfNeeded: v)).appendChinese(to: &out)
        case .other:
            out.append(contentsOf: ValueFormatter.text(Lanes.value(v, kinds[n]), types[type]).utf8)
        }
    }
}
