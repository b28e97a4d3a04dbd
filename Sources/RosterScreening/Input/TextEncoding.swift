#if canImport(Glibc)
import Glibc
#endif

/// The encodings rosters arrive in: what Excel and WPS write in China.
public enum RosterEncoding: String, Sendable, CaseIterable {
    case auto, utf8, gb18030

    /// Decides from the text where the file's first byte beyond ASCII stands (ASCII reads the
    /// same either way): a UTF-8 BOM is UTF-8; else its lines that hold such bytes vote. A line
    /// that is well-formed in one encoding and not the other votes for that one (UTF-8 Chinese
    /// is often not GB18030: three bytes a character leave a lead byte alone before a comma), and
    /// GB18030 wins only with more such votes; without any, only when more lines are not UTF-8
    /// than are. A UTF-8 file with a row of GB18030 in it stays UTF-8 (the row is refused with
    /// its number, `CSVRecord.undecodable`), where deciding GB18030 would read every other row
    /// wrong without a word.
    public static func detect(_ window: ArraySlice<UInt8>) -> RosterEncoding {
        if window.starts(with: [0xEF, 0xBB, 0xBF]) { return .utf8 }
        var onlyUTF8 = 0, onlyGB = 0, utf8 = 0, notUTF8 = 0
        var start = window.startIndex
        while start < window.endIndex {
            let end = window[start...].firstIndex(of: 10) ?? window.endIndex
            let line = window[start..<end]
            if line.contains(where: { $0 >= 0x80 }) {
                // The window's last line may be cut inside a character: only the end may be short.
                let last = end == window.endIndex
                let isUTF8 = UTF8Validation.isValid(line, allowTruncatedEnd: last), isGB = GB18030Validation.isValid(line, allowTruncatedEnd: last)
                if isUTF8 { utf8 += 1 } else { notUTF8 += 1 }
                if isUTF8, !isGB { onlyUTF8 += 1 }
                if isGB, !isUTF8 { onlyGB += 1 }
            }
            start = end + 1
        }
        if onlyUTF8 + onlyGB > 0 { return onlyGB > onlyUTF8 ? .gb18030 : .utf8 }
        return notUTF8 > utf8 ? .gb18030 : .utf8
    }
}

/// Whether bytes are well-formed GB18030 in form: one byte 00–7F, two bytes 81–FE then 40–7E
/// or 80–FE, four bytes 81–FE 30–39 81–FE 30–39. For `RosterEncoding.detect` only: iconv
/// decodes.
enum GB18030Validation {
    static func isValid(_ bytes: ArraySlice<UInt8>, allowTruncatedEnd: Bool) -> Bool {
        var i = bytes.startIndex
        let n = bytes.endIndex
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            guard b != 0x80, b != 0xFF else { return false }
            guard i + 1 < n else { return allowTruncatedEnd }
            let c = bytes[i + 1]
            if (0x40...0x7E).contains(c) || (0x80...0xFE).contains(c) {
                i += 2
            } else if (0x30...0x39).contains(c) {
                guard i + 3 < n else { return allowTruncatedEnd && (i + 2 >= n || (0x81...0xFE).contains(bytes[i + 2])) }
                guard (0x81...0xFE).contains(bytes[i + 2]), (0x30...0x39).contains(bytes[i + 3]) else { return false }
                i += 4
            } else {
                return false
            }
        }
        return true
    }
}

/// Whether bytes are well-formed UTF-8, exactly as Swift's `String(decoding:as:)` sees it (no
/// overlong forms, no surrogates, nothing past U+10FFFF): a cell that passes decodes without
/// a U+FFFD of its own making.
enum UTF8Validation {
    /// True when `bytes` is well-formed UTF-8; a sequence cut off at the end is allowed when asked.
    static func isValid(_ bytes: some Collection<UInt8>, allowTruncatedEnd: Bool = false) -> Bool {
        if let valid = bytes.withContiguousStorageIfAvailable({ isValid($0, allowTruncatedEnd: allowTruncatedEnd) }) { return valid }
        return Array(bytes).withUnsafeBufferPointer { isValid($0, allowTruncatedEnd: allowTruncatedEnd) }
    }

    /// `isValid` for bytes in memory: eight bytes at a time while they are ASCII, straight to
    /// the first that is not, then a run of the three-byte sequences of Chinese text; anything
    /// else, and the last few bytes, a sequence at a time. (It runs on every row the batch path
    /// reads, where it costs about 5% of a run of the benchmark's rules.)
    static func isValid(_ b: UnsafeBufferPointer<UInt8>, allowTruncatedEnd: Bool = false) -> Bool {
        guard let p = b.baseAddress else { return true }
        let n = b.count
        var i = 0
        while i + 8 <= n {
            let high = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080
            if high == 0 {
                i += 8
                continue
            }
            i += high.trailingZeroBitCount &>> 3
            // A run of sequences, while the next byte is not ASCII: E1–EC and EE–EF lead any two
            // continuation bytes (most of CJK).
            repeat {
                let lead = p[i]
                guard lead &- 0xE1 < 12 || lead &- 0xEE < 2, i + 2 < n else { return rest(p, i, n, allowTruncatedEnd) }
                guard p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80 else { return false }
                i += 3
            } while i < n && p[i] >= 0x80
        }
        // The last bytes: ASCII when the last eight are (read again, overlapping), as they mostly are.
        if i < n, n >= 8, UnsafeRawPointer(p + n - 8).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { return true }
        return rest(p, i, n, allowTruncatedEnd)
    }

    /// `isValid` from `i` on, a byte or a sequence at a time.
    private static func rest(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int, _ allowTruncatedEnd: Bool) -> Bool {
        var i = start
        while i < n {
            if p[i] < 0x80 {
                i += 1
                continue
            }
            guard let length = sequence(p, i, n, allowTruncatedEnd: allowTruncatedEnd) else { return false }
            if length == 0 { return true }
            i += length
        }
        return true
    }

    /// The length of the sequence at `i` (lead byte 80 or above), nil when it is not UTF-8, 0
    /// when it is cut off by the end and that is allowed. The second byte's range is Unicode's
    /// table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF.
    private static func sequence(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, allowTruncatedEnd: Bool) -> Int? {
        let length: Int, low: UInt8, high: UInt8
        switch p[i] {
        case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
        case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
        case 0xED: (length, low, high) = (3, 0x80, 0x9F)
        case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
        case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
        case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
        default: return nil
        }
        for k in 1..<length {
            guard i + k < n else { return allowTruncatedEnd ? 0 : nil }
            let c = p[i + k]
            guard k == 1 ? c >= low && c <= high : c & 0xC0 == 0x80 else { return nil }
        }
        return length
    }
}

/// Converts GB18030 to UTF-8 chunk by chunk with iconv, carrying an incomplete character over.
public final class GB18030Decoder {
    private let handle: iconv_t
    private var carry: [UInt8] = []
    public private(set) var invalidAt: Int?
    private var consumed = 0

    public init?() {
        let h = iconv_open("UTF-8", "GB18030")
        if h == iconv_t(bitPattern: -1) { return nil }
        handle = h!
    }

    deinit { iconv_close(handle) }

    /// UTF-8 for `chunk`; bytes of a character split across chunks wait for the next call.
    /// An invalid sequence is replaced by U+FFFD and its offset remembered.
    public func decode(_ chunk: ArraySlice<UInt8>, final: Bool) -> [UInt8] {
        var input = Array(carry) + Array(chunk)
        carry = []
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        var result: [UInt8] = []
        result.reserveCapacity(input.count * 3 / 2)
        var start = 0
        while start < input.count {
            let (read, written, status) = input.withUnsafeMutableBufferPointer { inBuf -> (Int, Int, Int32) in
                output.withUnsafeMutableBufferPointer { outBuf -> (Int, Int, Int32) in
                    var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress! + start).assumingMemoryBound(to: CChar.self)
                    var inLeft = inBuf.count - start
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuf.count
                    let r = iconv(handle, &inPtr, &inLeft, &outPtr, &outLeft)
                    return ((inBuf.count - start) - inLeft, outBuf.count - outLeft, r == -1 ? errno : 0)
                }
            }
            result.append(contentsOf: output[0..<written])
            start += read
            switch status {
            case 0: break
            case E2BIG: continue
            case EINVAL where !final:
                carry = Array(input[start...])
                start = input.count
            default:
                // EILSEQ (or a truncated character at the very end): mark it and skip one byte.
                if invalidAt == nil { invalidAt = consumed + start }
                result.append(contentsOf: [0xEF, 0xBF, 0xBD])
                start += 1
            }
        }
        consumed += input.count - carry.count
        return result
    }
}
