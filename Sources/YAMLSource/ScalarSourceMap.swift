import SourceDiagnostics

extension YAMLNode {
    /// The span in the file of a byte range of this scalar's value.
    ///
    /// Expressions sit inside scalars — plain, quoted, or `|` and `>` blocks — and errors in
    /// them must be reported in the file's coordinates. The value's characters are matched in
    /// order against the source text, skipping indentation, line breaks and block headers.
    public func sourceSpan(ofValueRange range: Range<Int>) -> Span {
        let map = valueToSourceOffsets()
        let lo = map[min(max(0, range.lowerBound), map.count - 1)]
        let hiIndex = min(max(0, range.upperBound), map.count - 1)
        var hi = map[hiIndex]
        if range.upperBound > range.lowerBound, hiIndex > 0 {
            hi = map[hiIndex - 1] + 1
            let bytes = span.file.bytes
            while hi < bytes.count, bytes[hi] & 0xC0 == 0x80 { hi += 1 }
        }
        return Span(file: span.file, start: lo, end: max(lo, hi))
    }

    /// For each byte of the scalar's value (and one past the end), its byte offset in the file.
    public func valueToSourceOffsets() -> [Int] {
        guard case .scalar(let value, let style) = content else { return [span.start] }
        let src = span.file.bytes
        let val = Array(value.utf8)
        var i = span.start
        switch style {
        case .plain: break
        case .singleQuoted, .doubleQuoted: i += 1
        case .literal, .folded:
            // The header line ends at its line break: LF, CR LF, or a lone CR.
            while i < span.end, src[i] != UInt8(ascii: "\n"), src[i] != UInt8(ascii: "\r") { i += 1 }
            if i < span.end { i += 1 }
        }
        var map: [Int] = []
        map.reserveCapacity(val.count + 1)
        let end = min(span.end, src.count)
        for v in val {
            if Self.isSpace(v) {
                map.append(i)
                if i < end, Self.isSpace(src[i]) { i += 1 }
                continue
            }
            var k = i
            while k < end, src[k] != v, Self.isSpace(src[k]) { k += 1 }
            if k < end, src[k] == v {
                map.append(k)
                i = k + 1
                if style == .singleQuoted, v == UInt8(ascii: "'"), i < end, src[i] == v { i += 1 }
            } else {
                map.append(i)
            }
        }
        map.append(i)
        return map
    }

    private static func isSpace(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r")
    }
}
