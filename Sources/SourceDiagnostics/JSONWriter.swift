/// Writes JSON text straight into UTF-8 bytes, with no tree in between: the layout is the one of
/// `JSONValue` (compact, or indented by two spaces with `pretty`), so both give identical text.
///
/// Containers are written by closures, so they always close:
/// ```
/// var w = JSONWriter()
/// w.object { w in
///     w.key("policy"); w.string("dibao")
///     w.key("reasons"); w.array { w in w.int(1) }
/// }
/// ```
public struct JSONWriter {
    /// The text so far.
    @inlinable public var bytes: [UInt8] { out.array }
    @usableFromInline let out: ByteBuffer
    public let pretty: Bool
    @usableFromInline var depth = 0
    /// The innermost open container has no item yet.
    @usableFromInline var empty = true
    /// A key was written and its value comes next (no separator before it).
    @usableFromInline var afterKey = false

    @inlinable public init(pretty: Bool = false, capacity: Int = 16384) {
        self.pretty = pretty
        out = ByteBuffer(capacity: capacity)
    }

    // MARK: Containers

    @inlinable public mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    @inlinable public mutating func array(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "["))
        body(&self)
        close(UInt8(ascii: "]"))
    }

    /// An array with one item per element.
    @inlinable public mutating func array<S: Sequence>(_ items: S, _ each: (inout JSONWriter, S.Element) -> Void) {
        open(UInt8(ascii: "["))
        for item in items { each(&self, item) }
        close(UInt8(ascii: "]"))
    }

    /// An array of strings.
    @inlinable public mutating func strings(_ items: [String]) {
        array(items) { w, s in w.string(s) }
    }

    // MARK: Keys and scalars

    @inlinable public mutating func key(_ k: StaticString) {
        item()
        out.append(UInt8(ascii: "\""))
        literal(k)
        out.append(UInt8(ascii: "\""))
        colon()
    }

    @inlinable public mutating func key(_ k: String) {
        item()
        JSONWriter.escape(k, into: out)
        colon()
    }

    @inlinable public mutating func string(_ s: String) {
        item()
        JSONWriter.escape(s, into: out)
    }

    /// The string, or `null` when there is none.
    @inlinable public mutating func string(_ s: String?) {
        if let s { string(s) } else { null() }
    }

    @inlinable public mutating func int(_ i: Int) {
        item()
        out.append(String(i))
    }

    /// A number already formatted (a decimal kept exact).
    @inlinable public mutating func number(_ s: String) {
        item()
        out.append(s)
    }

    @inlinable public mutating func bool(_ b: Bool) {
        item()
        literal(b ? "true" : "false")
    }

    @inlinable public mutating func null() {
        item()
        literal("null")
    }

    // MARK: Layout

    @usableFromInline mutating func literal(_ s: StaticString) {
        s.withUTF8Buffer { out.append($0) }
    }

    @usableFromInline mutating func colon() {
        out.append(UInt8(ascii: ":"))
        if pretty { out.append(UInt8(ascii: " ")) }
        afterKey = true
    }

    /// Before an item: the comma after the previous one and, when pretty, the new line.
    @usableFromInline mutating func item() {
        if afterKey { afterKey = false; return }
        guard depth > 0 else { return }
        if !empty { out.append(UInt8(ascii: ",")) }
        empty = false
        if pretty { newline(depth) }
    }

    @usableFromInline mutating func open(_ bracket: UInt8) {
        item()
        out.append(bracket)
        depth += 1
        empty = true
    }

    @usableFromInline mutating func close(_ bracket: UInt8) {
        depth -= 1
        if pretty && !empty { newline(depth) }
        out.append(bracket)
        empty = false
    }

    @usableFromInline mutating func newline(_ indent: Int) {
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<(indent * 2) { out.append(UInt8(ascii: " ")) }
    }

    /// A JSON string literal; UTF-8 passes through, control characters, quotes and backslashes are
    /// escaped. Eight bytes are tested at a time and runs that need no escape are copied whole.
    @usableFromInline static func escape(_ s: String, into out: ByteBuffer) {
        // A native string lends its bytes without a copy (or a count of its references).
        if s.utf8.withContiguousStorageIfAvailable({ escape($0, into: out) }) == nil {
            var copy = s
            copy.withUTF8 { escape($0, into: out) }
        }
    }

    @usableFromInline static func escape(_ bytes: UnsafeBufferPointer<UInt8>, into out: ByteBuffer) {
        let n = bytes.count
        // Room for the worst case (every byte \u00XX), then bytes are stored with no more checks.
        out.reserve(n * 6 + 2)
        var p = out.base + out.count
        p.pointee = UInt8(ascii: "\"")
        p += 1
        if let base = bytes.baseAddress {
            var i = 0
            while i < n {
                if i + 8 <= n {
                    let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    if !JSONWriter.mayNeedEscape(word) {
                        UnsafeMutableRawPointer(p).storeBytes(of: word, as: UInt64.self)
                        p += 8
                        i += 8
                        continue
                    }
                }
                let b = base[i]
                i += 1
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else {
                    p.pointee = b
                    p += 1
                    continue
                }
                p[0] = 92
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): p[1] = b; p += 2
                case UInt8(ascii: "\n"): p[1] = UInt8(ascii: "n"); p += 2
                case UInt8(ascii: "\r"): p[1] = UInt8(ascii: "r"); p += 2
                case UInt8(ascii: "\t"): p[1] = UInt8(ascii: "t"); p += 2
                default:
                    let hex: StaticString = "0123456789abcdef"
                    let h = hex.utf8Start
                    p[1] = UInt8(ascii: "u"); p[2] = UInt8(ascii: "0"); p[3] = UInt8(ascii: "0")
                    p[4] = h[Int(b >> 4)]; p[5] = h[Int(b & 15)]
                    p += 6
                }
            }
        }
        p.pointee = UInt8(ascii: "\"")
        out.count = p - out.base + 1
    }

    /// Whether any of eight bytes is a control character, a quote or a backslash (it may say yes
    /// for none; then the bytes are looked at one by one).
    @usableFromInline @inline(__always) static func mayNeedEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
        let control = (w &- ones &* 0x20) & ~w
        let zeroQuote = (quote &- ones) & ~quote, zeroBackslash = (backslash &- ones) & ~backslash
        return (control | zeroQuote | zeroBackslash) & highs != 0
    }
}

/// A growing byte buffer: appends are a copy and a bump, with no checks of who else holds it.
/// It belongs to one writer and is never shared.
@usableFromInline final class ByteBuffer {
    // One owner and no overlapping access by construction: the run-time exclusivity check is
    // the largest cost of a byte append otherwise.
    @usableFromInline @exclusivity(unchecked) var base: UnsafeMutablePointer<UInt8>
    @usableFromInline @exclusivity(unchecked) var count = 0
    @usableFromInline @exclusivity(unchecked) var capacity: Int

    @usableFromInline init(capacity: Int) {
        self.capacity = max(64, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @usableFromInline var array: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    @inlinable @inline(__always) func reserve(_ n: Int) {
        guard count + n > capacity else { return }
        var c = capacity * 2
        while c < count + n { c *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = c
    }

    @inlinable @inline(__always) func append(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    @usableFromInline func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).update(from: from, count: bytes.count)
        count += bytes.count
    }

    @usableFromInline func append(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }
}
