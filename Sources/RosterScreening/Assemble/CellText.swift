#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a roster's text cells are told apart: household ids, for grouping rows into households
/// and catching a household whose rows are split apart, and text a household repeats on its
/// members' rows. One definition, which the row path (`HouseholdGrouper`, on the text it
/// decoded) and the batch path (`BatchScreening`, on the cells' bytes) both call.
///
/// Cells are compared as text, as Swift compares strings: the same bytes, or canonically
/// equivalent text in other bytes. The row path holds only text (a record's cells are
/// strings), so the rule is stated on text; the batch path compares bytes only as a faster way
/// to the same answer. A byte that is not UTF-8 reads as U+FFFD, as the row path decodes it;
/// such a row is refused with its household (`CSVRecord.undecodable`), so this only decides
/// how such rows are grouped — alike in both paths.
enum CellText {
    /// Text equality as Swift's strings see it: the bytes, or canonical equivalence beyond ASCII.
    static func same(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        a.elementsEqual(b) || equivalent(a, b)
    }

    /// `same` for bytes in memory: compared as two words when 8 to 16 bytes long (an id, a
    /// code), else by `memcmp`. Most ids compared differ (members of a household, households
    /// one after another), and ASCII ones that differ are not the same text: only others are
    /// read again as strings.
    @inline(__always) static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = a.count
        if n == b.count, n >= 8, n <= 16 {
            let x = UnsafeRawPointer(a.baseAddress!), y = UnsafeRawPointer(b.baseAddress!)
            let a1 = x.loadUnaligned(as: UInt64.self), a2 = (x + n - 8).loadUnaligned(as: UInt64.self)
            let b1 = y.loadUnaligned(as: UInt64.self), b2 = (y + n - 8).loadUnaligned(as: UInt64.self)
            if a1 == b1, a2 == b2 { return true }
            if (a1 | a2 | b1 | b2) & 0x8080_8080_8080_8080 == 0 { return false }
        } else if n == b.count, n == 0 || memcmp(a.baseAddress!, b.baseAddress!, n) == 0 {
            return true
        }
        return equivalent(a, b)
    }

    /// Whether bytes that differ are the same text all the same (canonically equivalent, beyond ASCII).
    private static func equivalent(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.contains(where: { $0 >= 0x80 }) || b.contains(where: { $0 >= 0x80 }) else { return false }
        return String(decoding: a, as: UTF8.self) == String(decoding: b, as: UTF8.self)
    }

    /// Notes a finished household's id; false when it was finished before. The id is noted as
    /// the row path's text holds it: its bytes, or, when they are not UTF-8, the bytes of their
    /// decoding (U+FFFD for each byte that is not), so that both paths find the same repeats.
    static func insert(_ id: some Collection<UInt8>, into finished: inout FinishedHouseholds) -> Bool {
        if id.contains(where: { $0 >= 0x80 }), !UTF8Validation.isValid(id) {
            return finished.insert(String(decoding: id, as: UTF8.self).utf8)
        }
        return finished.insert(id)
    }
}
