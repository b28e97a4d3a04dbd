/// One start or end tag of a workbook part, read from the bytes between its `<` and `>`: its
/// name, its attributes (entities decoded), and whether it closes itself. Anything that is not
/// a well-formed tag is `XMLStream.Malformed`.
struct XMLTag {
    let name: String
    let closing: Bool
    let selfClosing: Bool
    let attributes: [String: String]

    /// The name without its namespace prefix (`x:row` → `row`).
    var localName: String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    init(_ b: ArraySlice<UInt8>, at offset: Int) throws {
        func fail(_ reason: String) -> XMLStream.Malformed { XMLStream.Malformed(offset: offset, reason: reason) }
        func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }
        func isNameByte(_ c: UInt8) -> Bool { !isSpace(c) && c != 61 && c != 47 && c != 62 && c != 34 && c != 39 && c != 60 && c != 38 }
        func text(_ s: ArraySlice<UInt8>) throws -> String {
            guard let t = String(validating: s, as: UTF8.self) else { throw fail("不是UTF-8编码") }
            return t
        }
        var i = b.startIndex
        let end = b.endIndex
        closing = i < end && b[i] == 47
        if closing { i += 1 }
        var last = end
        selfClosing = !closing && last > i && b[last - 1] == 47
        if selfClosing { last -= 1 }
        let nameStart = i
        while i < last, isNameByte(b[i]) { i += 1 }
        guard i > nameStart, !(48...57).contains(b[nameStart]), b[nameStart] != 45, b[nameStart] != 46 else { throw fail("标签没有合法的名称") }
        name = try text(b[nameStart..<i])
        var attributes: [String: String] = [:]
        while i < last {
            guard isSpace(b[i]) else { throw fail("标签<\(name)>的属性之间缺少空格") }
            while i < last, isSpace(b[i]) { i += 1 }
            if i == last { break }
            guard !closing else { throw fail("结束标签</\(name)>带有属性") }
            let keyStart = i
            while i < last, isNameByte(b[i]) { i += 1 }
            guard i > keyStart else { throw fail("标签<\(name)>中有无法识别的字符") }
            let key = try text(b[keyStart..<i])
            while i < last, isSpace(b[i]) { i += 1 }
            guard i < last, b[i] == 61 else { throw fail("标签<\(name)>的属性\(key)没有“=”") }
            i += 1
            while i < last, isSpace(b[i]) { i += 1 }
            guard i < last, b[i] == 34 || b[i] == 39 else { throw fail("标签<\(name)>的属性\(key)的值没有引号") }
            let quote = b[i]
            i += 1
            let valueStart = i
            while i < last, b[i] != quote { i += 1 }
            guard i < last else { throw fail("标签<\(name)>的属性\(key)的引号没有结束") }
            guard let value = Self.decodeEntities(try text(b[valueStart..<i])) else { throw fail("标签<\(name)>的属性\(key)中有无法识别的“&”") }
            guard attributes.updateValue(value, forKey: key) == nil else { throw fail("标签<\(name)>的属性\(key)出现了两次") }
            i += 1
        }
        self.attributes = attributes
    }

    /// `s` with its entities decoded, or nil when an `&` starts no entity XML knows.
    static func decodeEntities(_ s: String) -> String? {
        guard s.utf8.contains(38) else { return s }
        var out = "", i = s.startIndex
        while i < s.endIndex {
            guard s[i] == "&" else {
                out.append(s[i])
                i = s.index(after: i)
                continue
            }
            guard let semi = s[i...].prefix(12).firstIndex(of: ";") else { return nil }
            let entity = s[s.index(after: i)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let code: UInt32? = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                guard let code, code != 0, let scalar = Unicode.Scalar(code) else { return nil }
                out.unicodeScalars.append(scalar)
            }
            i = s.index(after: semi)
        }
        return out
    }
}
