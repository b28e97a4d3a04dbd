import PolicyExpr

/// 公民身份号码 (GB 11643): the check digit, and the birth date and sex it encodes.
public struct IDNumber: Sendable, Equatable {
    public let text: String
    public let birthDate: Day
    public let isMale: Bool

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    /// The number, or why it is not a valid one.
    public static func parse(_ raw: String) -> Result<IDNumber, IDNumberError> {
        let text = raw.trimmingSpaces.uppercased()
        let chars = Array(text)
        let digits = chars.map { $0.wholeNumberValue }
        if chars.count == 15 {
            guard digits.allSatisfy({ $0 != nil }) else { return .failure(.notDigits) }
            let d = digits.map { $0! }
            let y = 1900 + d[6] * 10 + d[7], m = d[8] * 10 + d[9], day = d[10] * 10 + d[11]
            guard let birth = Day(year: y, month: m, day: day) else { return .failure(.badBirthDate) }
            return .success(IDNumber(text: text, birthDate: birth, isMale: d[14] % 2 == 1))
        }
        guard chars.count == 18 else { return .failure(.badLength(chars.count)) }
        guard digits.prefix(17).allSatisfy({ $0 != nil }), digits[17] != nil || chars[17] == "X" else { return .failure(.notDigits) }
        let d = digits.prefix(17).map { $0! }
        let sum = zip(d, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = checkCharacters[sum % 11]
        guard chars[17] == expected else { return .failure(.badCheckDigit(expected: expected)) }
        let y = d[6] * 1000 + d[7] * 100 + d[8] * 10 + d[9], m = d[10] * 10 + d[11], day = d[12] * 10 + d[13]
        guard let birth = Day(year: y, month: m, day: day) else { return .failure(.badBirthDate) }
        return .success(IDNumber(text: text, birthDate: birth, isMale: d[16] % 2 == 1))
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
