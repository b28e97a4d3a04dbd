@testable import RosterScreening
import Testing

/// The sheet's XML arrives in chunks cut anywhere: every cut gives the same events, and what is
/// not XML is an error wherever it is cut.
@Suite("XMLStream: XML parsed as it is inflated")
struct XMLStreamTests {
    static let sheet = Array(
        """
        \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
        <worksheet xmlns="main"><!-- a comment, with <tags> --><sheetData>\
        <row r="1"><c r="A1" t="inlineStr"><is><t>户编号 &amp; 成员 &#x4E00;&#19968;</t></is></c>\
        <c r='B1'><v><![CDATA[a<b]]></v></c></row></sheetData></worksheet>

        """.utf8)

    /// The events of `xml` fed `size` bytes at a time, texts joined, as one line each.
    static func events(_ xml: [UInt8], chunk size: Int) throws -> [String] {
        var out: [String] = [], stream = XMLStream(root: "worksheet")
        func take(_ e: XMLStream.Event) {
            switch e {
            case .open(let n, let a): out.append("<\(n) \(a.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))>")
            case .close(let n): out.append("</\(n)>")
            case .text(let t): if out.last?.hasPrefix("text:") == true { out[out.count - 1] += t } else { out.append("text:" + t) }
            }
        }
        var i = 0
        while i < xml.count {
            let piece = Array(xml[i..<min(xml.count, i + size)])
            try piece.withUnsafeBufferPointer { try stream.feed($0, take) }
            i += size
        }
        try stream.finish(take)
        return out
    }

    @Test("chunks of every size give the same events")
    func chunkSizes() throws {
        let whole = try Self.events(Self.sheet, chunk: Self.sheet.count)
        #expect(whole.contains("text:户编号 & 成员 一一"))
        #expect(whole.contains("text:a<b"))
        for size in 1..<64 { #expect(try Self.events(Self.sheet, chunk: size) == whole, "chunks of \(size)") }
    }

    @Test("not XML is an error, in any chunk size", arguments: [
        "", "   ", "hello", "<worksheet>", "<worksheet></sheet>", "<sheet/>", "<worksheet/><worksheet/>",
        "<worksheet a=1/>", "<worksheet a=\"1/>", "<worksheet>&bogus;</worksheet>", "<worksheet>a & b</worksheet>",
        "<!DOCTYPE x><worksheet/>", "<worksheet><!-- open</worksheet>", "<worksheet/>tail", "<worksheet>\u{FFFD}</worksheet>\u{FEFF}",
    ])
    func malformed(_ text: String) {
        for size in [1, 3, 1 << 16] {
            #expect(throws: XMLStream.Malformed.self, "chunks of \(size)") { try Self.events(Array(text.utf8), chunk: size) }
        }
        let invalidUTF8: [UInt8] = Array("<worksheet><t>".utf8) + [0xFF, 0xFE] + Array("</t></worksheet>".utf8)
        #expect(throws: XMLStream.Malformed.self) { try Self.events(invalidUTF8, chunk: 5) }
    }
}
