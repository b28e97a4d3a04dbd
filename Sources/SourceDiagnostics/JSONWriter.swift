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
    public var bytes: [UInt8]
    public let pretty: Bool
    var depth = 0
    /// The innermost open container has no item yet.
    var empty = true
    /// A key was written and its value comes next (no separator before it).
    var afterKey = false

    public init(pretty: Bool = false, capacity: Int = 16384) {
        self.pretty = pretty
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: Containers

    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "["))
        body(&self)
        close(UInt8(ascii: "]"))
    }

    /// An array with one item per element.
    public mutating func array<S: Sequence>(_ items: S, _ each: (inout JSONWriter, S.Element) -> Void) {
        open(UInt8(ascii: "["))
        for item in items { each(&self, item) }
        close(UInt8(ascii: "]"))
    }

    /// An array of strings.
    public mutating func strings(_ items: [String]) {
        array(items) { w, s in w.string(s) }
    }

    // MARK: Keys and scalars

    public mutating func key(_ k: StaticString) {
        item()
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        colon()
    }

    public mutating func key(_ k: String) {
        item()
        JSONWriter.escape(k, into: &bytes)
        colon()
    }

    public mutating func string(_ s: String) {
        item()
        JSONWriter.escape(s, into: &bytes)
    }

    /// The string, or `null` when there is none.
    public mutating func string(_ s: String?) {
        if let s { string(s) } else { null() }
    }

    public mutating func int(_ i: Int) {
        item()
        bytes.append(contentsOf: String(i).utf8)
    }

    /// A number already formatted (a decimal kept exact).
    public mutating func number(_ s: String) {
        item()
        bytes.append(contentsOf: s.utf8)
    }

    public mutating func bool(_ b: Bool) {
        item()
        literal(b ? "true" : "false")
    }

    public mutating func null() {
        item()
        literal("null")
    }

    // MARK: Layout

    mutating func literal(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func colon() {
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(UInt8(ascii: " ")) }
        afterKey = true
    }

    /// Before an item: the comma after the previous one and, when pretty, the new line.
    mutating func item() {
        if afterKey { afterKey = false; return }
        guard depth > 0 else { return }
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        if pretty { newline(depth) }
    }

    mutating func open(_ bracket: UInt8) {
        item()
        bytes.append(bracket)
        depth += 1
        empty = true
    }

    mutating func close(_ bracket: UInt8) {
        depth -= 1
        if pretty && !empty { newline(depth) }
        bytes.append(bracket)
        empty = false
    }

    mutating func newline(_ indent: Int) {
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<(indent * 2) { bytes.append(UInt8(ascii: " ")) }
    }

    /// A JSON string literal; UTF-8 passes through, control characters, quotes and backslashes are
    /// escaped. Runs that need no escape are copied whole.
    public static func escape(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            for i in 0..<bytes.count {
                let b = bytes[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                if start < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i])) }
                start = i + 1
                switch b {
                case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
                case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
                case UInt8(ascii: "\n"): out.append(contentsOf: [92, 110])
                case UInt8(ascii: "\r"): out.append(contentsOf: [92, 114])
                case UInt8(ascii: "\t"): out.append(contentsOf: [92, 116])
                default:
                    let hex: StaticString = "0123456789abcdef"
                    let h = hex.utf8Start
                    out.append(contentsOf: [92, 117, 48, 48, h[Int(b >> 4)], h[Int(b & 15)]])
                }
            }
            if start < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}
