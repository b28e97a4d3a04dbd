#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes CSV fields, quoting only where needed (commas, quotes, line breaks).
public enum CSVWriter {
    public static func append(_ field: String, to out: inout [UInt8]) {
        // A native string's bytes in one piece: scanned and copied whole, not byte by byte.
        var field = field
        field.withUTF8 { append(bytes: $0, to: &out) }
    }

    /// A field given as UTF-8 bytes (a roster cell copied as it was read).
    public static func append(bytes field: some Collection<UInt8>, to out: inout [UInt8]) {
        if let done = field.withContiguousStorageIfAvailable({ append(buffer: $0, to: &out) }) { return done }
        Array(field).withUnsafeBufferPointer { append(buffer: $0, to: &out) }
    }

    /// A field in contiguous bytes: searched with `memchr` for what needs quoting, copied in
    /// pieces between its quotes.
    static func append(buffer field: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let (quotes, quoted) = needs(field)
        guard quoted else { return out.append(contentsOf: field) }
        out.append(34)
        if quotes {
            var from = 0
            for (i, b) in field.enumerated() where b == 34 {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: field[from...i]))
                out.append(34)
                from = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: field[from...]))
        } else {
            out.append(contentsOf: field)
        }
        out.append(34)
    }

    /// Whether a field has quotes (to double), and whether it is quoted at all (quotes, commas,
    /// line breaks). A short field (an id, a code) is read in one pass; a long one by `memchr`.
    static func needs(_ field: UnsafeBufferPointer<UInt8>) -> (quotes: Bool, quoted: Bool) {
        guard let base = field.baseAddress, !field.isEmpty else { return (false, false) }
        if field.count <= 32 {
            var quotes = false, quoted = false
            for b in field where b == 34 || b == 10 || b == 44 || b == 13 {
                quoted = true
                if b == 34 { quotes = true }
            }
            return (quotes, quoted)
        }
        func has(_ b: UInt8) -> Bool { memchr(base, Int32(b), field.count) != nil }
        let quotes = has(34)
        return (quotes, quotes || has(10) || has(44) || has(13))
    }

    /// Starts a field to be written straight into `out` (a text made in place): returns where it
    /// starts, for `endField`. A quote is put down first, as most such fields need one.
    static func beginField(_ out: inout [UInt8]) -> Int {
        out.append(34)
        return out.count - 1
    }

    /// Ends a field begun at `start`: quoted as `append` quotes it, or its first quote taken back.
    static func endField(_ out: inout [UInt8], _ start: Int) {
        let n = out.count - start - 1
        let (quotes, quoted) = out.withUnsafeBufferPointer { needs(UnsafeBufferPointer(rebasing: $0[(start + 1)...])) }
        if quotes {
            let field = Array(out[(start + 1)...])
            out.removeSubrange(start...)
            field.withUnsafeBufferPointer { append(buffer: $0, to: &out) }
        } else if quoted {
            out.append(34)
        } else {
            out.withUnsafeMutableBufferPointer { b in
                if n > 0 { (b.baseAddress! + start).update(from: b.baseAddress! + start + 1, count: n) }
            }
            out.removeLast()
        }
    }

    public static func appendRow(_ fields: [String], to out: inout [UInt8]) {
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(44) }
            append(f, to: &out)
        }
        out.append(10)
    }
}
