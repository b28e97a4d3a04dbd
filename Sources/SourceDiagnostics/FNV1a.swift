/// FNV-1a, 64 bits: a stable fingerprint (of the rule files, of a household id).
public struct FNV1a: Sendable {
    public init() {}
    public var value: UInt64 = 0xcbf2_9ce4_8422_2325
    public mutating func add(_ bytes: [UInt8]) {
        for b in bytes {
            value ^= UInt64(b)
            value = value &* 0x100_0000_01b3
        }
        value ^= 0xff
        value = value &* 0x100_0000_01b3
    }
    public var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

extension FNV1a {
    /// The hash of one string's bytes, without the separator `add` puts after each part.
    public static func hash(_ s: String) -> UInt64 { hash(bytes: s.utf8) }

    /// The same hash of bytes as they are (a roster cell read without making a string).
    public static func hash(bytes: some Sequence<UInt8>) -> UInt64 {
        var h = FNV1a().value
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
