import DecisionEngine
import PolicyExpr
import RuleCompiler

/// A decided household's rows and its part of the summary, as `HouseholdScreener` writes them.
extension BatchScreening {
    /// `receiving`: the roster's receiving column, or no lanes when it has none.
    func write(_ h: Int, rows: Int, _ batch: Batch, _ text: TextCells, _ outcomes: Decisions, _ values: BatchExplainer.Values?, receiving: Lanes,
               into out: inout ByteSink, _ summary: inout ScreeningSummary) {
        let members = batch.members(of: h)
        summary.rows += rows
        summary.households += 1
        summary.batchedHouseholds += 1
        summary.persons += members.count
        // What the household receives: any member's choices, if any member's are known.
        var householdKnown = false, householdBits: UInt64 = 0
        if receiving.count > 0 {
            for m in members where receiving.k[m] {
                householdKnown = true
                householdBits |= UInt64(bitPattern: receiving.v[m])
            }
        }
        // The counts are tallied for the whole batch (`tally`); here, the 政策找人 lists.
        for i in selected where receiving.count > 0 {
            if personSubject[i] {
                for s in members where receiving.k[s] {
                    find(i, s, outcomes.at[i] + s, outcomes, h, members, UInt64(bitPattern: receiving.v[s]), text, &summary)
                }
            } else if householdKnown {
                find(i, h, outcomes.at[i] + h, outcomes, h, members, householdBits, text, &summary)
            }
        }
        // Each member as a resident reads them, for the texts of person policies: member `m`'s
        // label is `labels[labelEnds[m - 1]..<labelEnds[m]]`.
        var labels: [UInt8] = [], labelEnds: [Int] = [0]
        if values != nil {
            for p in members {
                labels += label(p, h, members, batch, text)
                labelEnds.append(labels.count)
            }
        }
        /// Policy `i`'s text for subject `s`, as a CSV field.
        func explanation(_ i: Int, _ s: Int, _ out: inout ByteSink) {
            let at = outcomes.at[i] + s
            out.withOut { out in
                let start = CSVWriter.beginField(&out)
                labels.withUnsafeBufferPointer { l in
                    let m = s - members.lowerBound
                    let label = personSubject[i] ? UnsafeBufferPointer(rebasing: l[labelEnds[m]..<labelEnds[m + 1]]) : UnsafeBufferPointer(rebasing: l[0..<0])
                    explainer!.append(
                        i, subject: s, household: h, label: label, status: outcomes.status[at],
                        amount: outcomes.amount[at], yielded: outcomes.yielded[at], values!, context: Int(batch.context[h]), to: &out)
                }
                CSVWriter.endField(&out, start)
            }
        }
        switch shape {
        case .long:
            for i in selected {
                let person = personSubject[i]
                for s in person ? members : h..<(h + 1) {
                    let at = outcomes.at[i] + s
                    householdID(h, text, &out)
                    out.append(44)
                    if person { personID(s, h, members, text, &out) } else { householdID(h, text, &out) }
                    out.append(44)
                    codeBytes.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(rebasing: $0[policyIDs[i]])) }
                    out.append(44)
                    statusAndAmount(i, at, outcomes, &out)
                    out.append(44)
                    unmet(i, outcomes, s, &out)
                    out.append(44)
                    if values != nil {
                        out.append(44)
                        explanation(i, s, &out)
                    }
                    out.append(10)
                }
            }
        case .wide:
            for s in members {
                householdID(h, text, &out)
                out.append(44)
                personID(s, h, members, text, &out)
                for i in selected {
                    let at = outcomes.at[i] + (personSubject[i] ? s : h)
                    out.append(44)
                    statusAndAmount(i, at, outcomes, &out)
                }
                out.append(10)
            }
        case .declared(let personRows):
            for s in personRows ? members : -1..<0 {
                for (c, source) in layoutSources.enumerated() {
                    if c > 0 { out.append(44) }
                    switch source {
                    case .field(.household, let f):
                        if householdText[f] {
                            textCell(.household, f, text.household(f, h), text, &out)
                        } else {
                            laneCell(schema.household[f], h, batch.householdFields[f]!, &out)
                        }
                    case .field(.person, let f):
                        if personText[f] {
                            textCell(.person, f, text.person(f, s), text, &out)
                        } else {
                            laneCell(schema.person[f], s, batch.personFields[f]!, &out)
                        }
                    case .policy(let i, .explanation): explanation(i, personSubject[i] ? s : h, &out)
                    case .policy(let i, let show):
                        cell(show, i, outcomes, personSubject[i] ? s : h, &out)
                    }
                }
                out.append(10)
            }
        }
    }

    /// The status (`DecisionStatus.rawValue`) and amount columns of policy `i`'s decision at `at`.
    func statusAndAmount(_ i: Int, _ at: Int, _ outcomes: Decisions, _ out: inout ByteSink) {
        let status = outcomes.status[at]
        codeBytes.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(rebasing: $0[statusCodes[Int(min(status, 2))]])) }
        out.append(44)
        if status == BatchOutcomes.eligible, hasAmount[i] { out.decimal(Fixed(raw: outcomes.amount[at]), places: 2) }
    }

    func householdID(_ h: Int, _ text: TextCells, _ out: inout ByteSink) {
        let r = text.household(householdIDField, h)!
        text.write(r, into: &out)
    }

    func personID(_ p: Int, _ h: Int, _ members: Range<Int>, _ text: TextCells, _ out: inout ByteSink) {
        if let f = personIDField, let r = text.person(f, p) {
            text.write(r, into: &out)
        } else {
            out.withOut { CSVWriter.append(memberID(text, h, p - members.lowerBound), to: &$0) }
        }
    }

    /// Person `p` as a resident reads them (`Masking.personLabel`).
    func label(_ p: Int, _ h: Int, _ members: Range<Int>, _ batch: Batch, _ text: TextCells) -> [UInt8] {
        var relation = ""
        if let (field, type) = relationLabels, let lanes = batch.personFields[field], lanes.k[p] { relation = type.label(Int(lanes.v[p])) }
        let name = nameField.flatMap { text.person($0, p) }.map { String(decoding: text.bytes[$0], as: UTF8.self) }
        var sink = ByteSink([], size: 64)
        personID(p, h, members, text, &sink)
        let label = Masking.personLabel(relation: relation, name: name, id: String(decoding: sink.finish(), as: UTF8.self), reveal: false)
        return Array(label.utf8)
    }

    /// The reason codes of an unmet decision (`DecisionBuilder.brief`), `;`-separated, as
    /// `reasons` wrote them for the batch. Only for the policies of `reasonPolicies`.
    func unmet(_ i: Int, _ outcomes: Decisions, _ s: Int, _ out: inout ByteSink) {
        if !inEffect[i] {
            out.append("effective")
            return
        }
        let at = outcomes.at[i] + s
        let from = Int(outcomes.reasonStart[at]), to = Int(outcomes.reasonEnd[at])
        if to > from { outcomes.reasons.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(rebasing: $0[from..<to])) } }
    }

    /// Writes the reason codes of every unmet decision of `reasonPolicies` in the batch. Each
    /// distinct list is written once: most subjects of a batch are unmet for the same few reasons,
    /// and a household's are written on each member's row.
    func reasons(_ o: inout Decisions, _ batch: Batch) {
        guard !reasonPolicies.isEmpty else { return }
        o.reasonStart = Array(repeating: 0, count: o.status.count)
        o.reasonEnd = o.reasonStart
        // The lists met so far, by a hash of (policy, conditions, policy given way to).
        let size = 256
        var slotKeys = [(policy: Int, bits: UInt64, yielded: Int32)](repeating: (-1, 0, 0), count: size)
        var slotRanges = [(Int32, Int32)](repeating: (0, 0), count: size)
        var reasons = o.reasons
        o.reasons = []
        defer { o.reasons = reasons }
        codeBytes.withUnsafeBufferPointer { bytes in
            for i in reasonPolicies where inEffect[i] {
                let from = o.at[i], subjects = personSubject[i] ? batch.persons : batch.households
                for at in from..<(from + subjects) where o.status[at] == BatchOutcomes.ineligible {
                    var bits = o.unmet[at]
                    let yielded = o.yielded[at]
                    if bits == 0, yielded < 0 { continue }
                    let hash = (bits ^ UInt64(i) << 58 ^ UInt64(UInt32(bitPattern: yielded)) << 40) &* 0x9E37_79B9_7F4A_7C15
                    let slot = Int(hash >> 56)
                    if slotKeys[slot] == (i, bits, yielded) {
                        (o.reasonStart[at], o.reasonEnd[at]) = slotRanges[slot]
                        continue
                    }
                    let start = reasons.count
                    while bits != 0 {
                        let c = bits.trailingZeroBitCount
                        if reasons.count > start { reasons.append(59) }
                        reasons.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[codeRanges[codeAt[i] + c]]))
                        bits &= bits - 1
                    }
                    if yielded >= 0 {
                        if reasons.count > start { reasons.append(59) }
                        reasons.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[yieldCodes[Int(yielded)]]))
                    }
                    if !plainCodes {
                        // An id with a comma or a quote: the codes as one CSV field.
                        let codes = Array(reasons[start...])
                        reasons.removeSubrange(start...)
                        CSVWriter.append(bytes: codes, to: &reasons)
                    }
                    slotKeys[slot] = (i, o.unmet[at], yielded)
                    slotRanges[slot] = (Int32(start), Int32(reasons.count))
                    (o.reasonStart[at], o.reasonEnd[at]) = slotRanges[slot]
                }
            }
        }
    }

    /// A policy column of a declared layout (`HouseholdScreener.cell`).
    func cell(_ show: OutputLayout.Show, _ i: Int, _ outcomes: Decisions, _ s: Int, _ out: inout ByteSink) {
        let status = outcomes.status[outcomes.at[i] + s]
        switch show {
        case .status:
            out.append((status == BatchOutcomes.eligible ? DecisionStatus.eligible : .ineligible).chinese)
        case .eligible: out.append(status == BatchOutcomes.eligible ? 49 : 48)
        case .amount:
            if status == BatchOutcomes.eligible { out.plain(Fixed(raw: outcomes.amount[outcomes.at[i] + s])) } else { out.append(48) }
        case .unmet: unmet(i, outcomes, s, &out)
        case .missing, .explanation: break
        }
    }

    /// A field column of text (an id, a name): the cell as `Masking.cell` shows it. Only a
    /// sensitive field's reads its spec; the others' bytes are copied as they are.
    func textCell(_ level: FieldLevel, _ f: Int, _ range: Range<Int>?, _ text: TextCells, _ out: inout ByteSink) {
        guard let range else { return }
        if !(level == .household ? householdSensitive[f] : personSensitive[f]) || screener.options.revealIDs {
            text.write(range, into: &out)
        } else {
            let spec = level == .household ? schema.household[f] : schema.person[f]
            out.withOut { CSVWriter.append(Masking.cell(.text(String(decoding: text.bytes[range], as: UTF8.self)), spec, reveal: false), to: &$0) }
        }
    }

    /// A field column a lane holds: the value as `Masking.cell` shows it.
    func laneCell(_ spec: FieldSpec, _ i: Int, _ lanes: Lanes, _ out: inout ByteSink) {
        guard lanes.k[i], let kind = LaneKind(spec.kind) else { return }
        out.withOut { CSVWriter.append(Masking.cell(Lanes.value(lanes.v[i], kind), spec, reveal: screener.options.revealIDs), to: &$0) }
    }

    /// Counts the decisions of the households `written` into the summary (`HouseholdScreener.tally`),
    /// policy by policy.
    func tally(_ written: [Bool], _ batch: Batch, _ o: Decisions, into summary: inout ScreeningSummary) {
        // Most batches write every household: then each policy's subjects are counted in one run.
        let all = !written.contains(false)
        for i in selected {
            var eligible = 0, ineligible = 0, total: Int128 = 0
            o.status.withUnsafeBufferPointer { status in
                o.amount.withUnsafeBufferPointer { amount in
                    func count(_ subjects: Range<Int>) {
                        for at in (o.at[i] + subjects.lowerBound)..<(o.at[i] + subjects.upperBound) {
                            if status[at] == BatchOutcomes.eligible {
                                eligible += 1
                                total += Int128(amount[at])
                            } else {
                                ineligible += 1
                            }
                        }
                    }
                    if all {
                        count(0..<(personSubject[i] ? batch.persons : batch.households))
                    } else {
                        for h in written.indices where written[h] { count(personSubject[i] ? batch.members(of: h) : h..<(h + 1)) }
                    }
                }
            }
            summary.policies[i].eligible += eligible
            summary.policies[i].ineligible += ineligible
            summary.policies[i].total = summary.policies[i].total + MoneyTotal(raw: total)
        }
    }

    /// Adds a subject to the 政策找人 lists when its decision and what it `receives` (the
    /// choices of the roster's receiving column) disagree (`HouseholdScreener.tally`).
    func find(_ i: Int, _ s: Int, _ at: Int, _ o: Decisions, _ h: Int, _ members: Range<Int>, _ receives: UInt64, _ text: TextCells, _ summary: inout ScreeningSummary) {
        let status = o.status[at]
        let receiving = receives & receivingBits[i] != 0
        guard status == BatchOutcomes.eligible ? !receiving : receiving else { return }
        let subject: String
        if personSubject[i] {
            subject = personIDField.flatMap { text.person($0, s) }.map { String(decoding: text.bytes[$0], as: UTF8.self) } ?? memberID(text, h, s - members.lowerBound)
        } else {
            subject = String(decoding: text.bytes[text.household(householdIDField, h)!], as: UTF8.self)
        }
        if status == BatchOutcomes.eligible {
            summary.policies[i].eligibleNotReceiving.append(subject)
        } else {
            summary.policies[i].receivingNotEligible.append(subject)
        }
    }
}
