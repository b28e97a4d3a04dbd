import PolicyExpr

/// 公民身份号码 (GB 11643): the check digit, and the birth date and sex it encodes.
public struct IDNumber: Sendable, Equatable {
    public let text: String
    public let birthDate: Day
    public let isMale: Bool

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]
    /// The check characters as `parse` reads them (X is 10).
    static let checkValues = checkCharacters.map { $0 == "X" ? 10 : $0.wholeNumberValue! }

    /// The number, or why it is not a valid one. Full-width digits and Ｘ (as some input methods
    /// type them) are read as their ASCII forms; any other character is not a digit.
    public static func parse(_ raw: String) -> Result<IDNumber, IDNumberError> {
        // Digits 0…9, or 10 for X; -1 for anything else.
        var d: [Int] = []
        d.reserveCapacity(18)
        for u in raw.trimmingSpaces.unicodeScalars {
            switch u.value {
            case 0x30...0x39: d.append(Int(u.value - 0x30))
            case 0xFF10...0xFF19: d.append(Int(u.value - 0xFF10))
            case 0x58, 0x78, 0xFF38, 0xFF58: d.append(10)
            default: d.append(-1)
            }
        }
        let isDigit = { (i: Int) in d[i] >= 0 && d[i] <= 9 }
        // Built once the characters are known to be digits (and X).
        func text() -> String { String(decoding: d.map { $0 == 10 ? UInt8(ascii: "X") : UInt8(48 + $0) }, as: UTF8.self) }
        if d.count == 15 {
            guard (0..<15).allSatisfy(isDigit) else { return .failure(.notDigits) }
            let y = 1900 + d[6] * 10 + d[7], m = d[8] * 10 + d[9], day = d[10] * 10 + d[11]
            guard let birth = Day(year: y, month: m, day: day) else { return .failure(.badBirthDate) }
            return .success(IDNumber(text: text(), birthDate: birth, isMale: d[14] % 2 == 1))
        }
        guard d.count == 18 else { return .failure(.badLength(d.count)) }
        guard (0..<17).allSatisfy(isDigit), d[17] >= 0 else { return .failure(.notDigits) }
        var sum = 0
        for i in 0..<17 { sum += d[i] * weights[i] }
        guard d[17] == checkValues[sum % 11] else { return .failure(.badCheckDigit(expected: checkCharacters[sum % 11])) }
        let y = d[6] * 1000 + d[7] * 100 + d[8] * 10 + d[9], m = d[10] * 10 + d[11], day = d[12] * 10 + d[13]
        guard let birth = Day(year: y, month: m, day: day) else { return .failure(.badBirthDate) }
        return .success(IDNumber(text: text(), birthDate: birth, isMale: d[16] % 2 == 1))
    }

    /// 420102********1234: the region and the last four, for outputs that must not show the number.
    public static func masked(_ text: String) -> String {
        let chars = Array(text)
        guard chars.count > 10 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(6)) + String(repeating: "*", count: chars.count - 10) + String(chars.suffix(4))
    }
}

public enum IDNumberError: Error, Sendable, Equatable, CustomStringConvertible {
    case badLength(Int)
    case notDigits
    case badCheckDigit(expected: Character)
    case badBirthDate

    public var description: String {
        switch self {
        case .badLength(let n): "身份证号应为18位（或旧的15位），这里是\(n)位"
        case .notDigits: "身份证号只能由数字组成，第18位可以是X"
        case .badCheckDigit(let c): "身份证号的校验位不对（按GB 11643计算应为\(c)），请核对是否抄错"
        case .badBirthDate: "身份证号中的出生日期不存在"
        }
    }
}
