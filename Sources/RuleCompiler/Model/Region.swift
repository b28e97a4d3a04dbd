import PolicyExpr
import SourceDiagnostics

/// One dated value of a parameter in a region: a single value, or one per variant (urban, rural).
public struct ParameterEntry: Sendable {
    public let from: Day?
    public let to: Day?
    public let value: Value?
    public let variantValues: [Int: Value]
    public let source: String?
    public let placeholder: String?
    public let span: Span

    public func covers(_ day: Day) -> Bool {
        (from.map { $0 <= day } ?? true) && (to.map { day <= $0 } ?? true)
    }

    public func value(variant: Int?) -> Value? {
        if let value { return value }
        guard let variant else { return nil }
        return variantValues[variant]
    }
}

/// rules/regions/<code>.yaml: a region's name, its parent and its dated parameters.
public struct RegionSpec: Sendable {
    public let code: String
    public let name: String
    public let parent: String?
    /// Parameter index → its entries, sorted by start date.
    public let parameters: [Int: [ParameterEntry]]
    public let span: Span
}
