#if canImport(Glibc)
import Glibc
#endif

/// The encodings rosters arrive in: what Excel and WPS write in China.
public enum RosterEncoding: String, Sendable, CaseIterable {
    case auto, utf8, gb18030

    /// Decides from the first bytes: a UTF-8 BOM or valid UTF-8 is UTF-8, anything else GB18030.
    public static func detect(_ prefix: ArraySlice<UInt8>) -> RosterEncoding {
        if prefix.starts(with: [0xEF, 0xBB, 0xBF]) { return .utf8 }
        return UTF8Validation.isValid(prefix, allowTruncatedEnd: true) ? .utf8 : .gb18030
    }
}

enum UTF8Validation {
    /// True when `bytes` is well-formed UTF-8; a sequence cut off at the end is allowed when asked.
    static func isValid(_ bytes: ArraySlice<UInt8>, allowTruncatedEnd: Bool) -> Bool {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return false
            }
            if i + length > bytes.endIndex { return allowTruncatedEnd }
            for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
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
