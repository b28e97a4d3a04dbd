/// Reads the XML of one workbook part as it is inflated, chunk after chunk, and checks that it is
/// well formed: UTF-8, one root element of the expected name, tags that pair, quoted attributes,
/// known entities, no DTD. A part that is not XML is an error, never an empty part.
///
/// Bounds: a tag, comment or processing instruction is at most `maxMarkup` bytes (64 KiB); text
/// is handed on in pieces as it comes, so neither grows with the input.
struct XMLStream {
    enum Event {
        case open(String, [String: String])
        case close(String)
        /// Text (entities decoded) inside the innermost open element; long text comes in pieces.
        case text(String)
    }

    /// Why the part is not well-formed XML, at a byte of the inflated part.
    struct Malformed: Error {
        let offset: Int
        let reason: String
    }

    static let maxMarkup = 1 << 16
    /// Bytes kept back at the end of a chunk of text, so that an entity or a UTF-8 sequence is
    /// never cut in two (the longest entity spelled out is `&#x10FFFF;`).
    static let textTail = 12

    /// The local name the root element must have (`worksheet`, `sst`, …).
    let root: String
    private var carry: [UInt8] = []
    /// Offset in the part of `carry`'s first byte.
    private var offset = 0
    private var stack: [String] = []
    private var rootSeen = false

    init(root: String) { self.root = root }

    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ body: (Event) throws -> Void) throws {
        carry.append(contentsOf: chunk)
        try scan(final: false, body)
    }

    /// The end of the part: nothing may be left open.
    mutating func finish(_ body: (Event) throws -> Void) throws {
        try scan(final: true, body)
        guard rootSeen else { throw Malformed(offset: offset, reason: "没有根元素<\(root)>") }
        if let open = stack.last { throw Malformed(offset: offset, reason: "元素<\(open)>没有结束") }
    }

    private mutating func scan(final: Bool, _ body: (Event) throws -> Void) throws {
        let bytes = carry
        var i = 0
        let n = bytes.count
        defer {
            offset += i
            carry.removeFirst(i)
        }
        while i < n {
            if bytes[i] == 60 {  // <
                guard let end = try markupEnd(bytes, from: i, final: final) else { return }
                try markup(bytes, i, end, body)
                i = end
            } else {
                var j = i
                while j < n, bytes[j] != 60 { j += 1 }
                if j == n, !final {
                    // Hand on all but the tail, cut where no entity or character is split.
                    var cut = max(i, n - Self.textTail)
                    while cut > i, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
                    if let amp = bytes[max(i, cut - Self.textTail)..<cut].lastIndex(of: 38), !bytes[amp..<cut].contains(59) { cut = amp }
                    if cut > i { try text(bytes, i, cut, body) }
                    i = cut
                    return
                }
                try text(bytes, i, j, body)
                i = j
            }
        }
    }

    /// The index just past the markup that starts at `i`, or nil when it is not all here yet.
    private func markupEnd(_ b: [UInt8], from i: Int, final: Bool) throws -> Int? {
        let n = b.count
        func find(_ terminator: [UInt8], from start: Int) throws -> Int? {
            var j = start
            while j + terminator.count <= n {
                if b[j] == terminator[0], b[j..<(j + terminator.count)].elementsEqual(terminator) { return j + terminator.count }
                j += 1
            }
            if final { throw Malformed(offset: offset + i, reason: "标签没有结束") }
            if n - i > Self.maxMarkup { throw Malformed(offset: offset + i, reason: "标签超过\(Self.maxMarkup)字节") }
            return nil
        }
        // Too little here to tell a tag from a comment or CDATA: wait for more.
        if !final, i + 1 >= n || b[i + 1] == 33 && n - i < 9 { return nil }
        if i + 1 >= n { throw Malformed(offset: offset + i, reason: "标签没有结束") }
        if b[i + 1] == 63 { return try find([63, 62], from: i + 2) }  // <? … ?>
        if b[i + 1] == 33 {
            if b[(i + 2)...].starts(with: [45, 45]) { return try find([45, 45, 62], from: i + 4) }  // <!-- … -->
            if b[(i + 2)...].starts(with: Array("[CDATA[".utf8)) { return try find([93, 93, 62], from: i + 9) }
            throw Malformed(offset: offset + i, reason: "含有DTD或未知的声明")
        }
        // A tag: its '>' is the first one outside quotes.
        var j = i + 1, quote: UInt8 = 0
        while j < n {
            let c = b[j]
            if quote != 0 { if c == quote { quote = 0 } } else if c == 34 || c == 39 { quote = c } else if c == 62 { return j + 1 } else if c == 60 {
                throw Malformed(offset: offset + j, reason: "标签中有“<”")
            }
            j += 1
        }
        if final { throw Malformed(offset: offset + i, reason: "标签没有结束") }
        if n - i > Self.maxMarkup { throw Malformed(offset: offset + i, reason: "标签超过\(Self.maxMarkup)字节") }
        return nil
    }

    private mutating func markup(_ b: [UInt8], _ start: Int, _ end: Int, _ body: (Event) throws -> Void) throws {
        if b[start + 1] == 63 || b[start + 1] == 33 && b[start + 2] == 45 { return }  // a declaration or comment
        if b[start + 1] == 33 {  // CDATA: its text as it is
            guard !stack.isEmpty else { throw Malformed(offset: offset + start, reason: "根元素之外有文字") }
            try body(.text(try utf8(b[(start + 9)..<(end - 3)], at: start)))
            return
        }
        let tag = try XMLTag(b[(start + 1)..<(end - 1)], at: offset + start)
        if tag.closing {
            guard let open = stack.last, open == tag.name else {
                throw Malformed(offset: offset + start, reason: stack.last.map { "结束标签</\(tag.name)>与<\($0)>不配对" } ?? "结束标签</\(tag.name)>之前没有开始标签")
            }
            stack.removeLast()
            try body(.close(tag.localName))
            return
        }
        if stack.isEmpty {
            guard !rootSeen else { throw Malformed(offset: offset + start, reason: "根元素之后还有元素") }
            guard tag.localName == root else { throw Malformed(offset: offset + start, reason: "根元素不是<\(root)>") }
            rootSeen = true
        }
        try body(.open(tag.localName, tag.attributes))
        if tag.selfClosing { try body(.close(tag.localName)) } else { stack.append(tag.name) }
    }

    private func text(_ b: [UInt8], _ start: Int, _ end: Int, _ body: (Event) throws -> Void) throws {
        guard start < end else { return }
        if stack.isEmpty {
            // Only white space around the root, after a byte-order mark at the very start.
            let bom = offset + start == 0 && b[start...].starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            guard b[(start + bom)..<end].allSatisfy({ $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }) else {
                throw Malformed(offset: offset + start, reason: "根元素之外有文字")
            }
            return
        }
        let s = try utf8(b[start..<end], at: start)
        guard let decoded = XMLTag.decodeEntities(s) else { throw Malformed(offset: offset + start, reason: "文字中有无法识别的“&”") }
        try body(.text(decoded))
    }

    private func utf8(_ bytes: ArraySlice<UInt8>, at start: Int) throws -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw Malformed(offset: offset + start, reason: "不是UTF-8编码") }
        return s
    }
}
