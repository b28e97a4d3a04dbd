import PolicyExpr
import SourceDiagnostics

/// A checked, compiled rule set: the schema, the regions and the policies, with every
/// expression resolved to slots. Evaluation needs nothing else.
public final class RuleSet: Sendable {
    public let directory: String
    public let schema: Schema
    public let regions: [String: RegionSpec]
    public let policies: [CompiledPolicy]
    public let householdLets: [CompiledLet]
    public let memberLets: [CompiledLet]
    /// A hash of the rule files' bytes: a decision names the rules that made it.
    public let hash: String
    /// Policies in an order where each comes after the ones it refers to.
    public let evaluationOrder: [Int]
    /// Each region file's code, resolved once: its display name and, for every parameter, the
    /// entries of the nearest region that sets it. Evaluation reads these without string work.
    public let resolvedRegions: [String: ResolvedRegion]
    /// Output layouts declared in layouts.yaml, and the one screening uses by default.
    public let layouts: [OutputLayout]
    public let defaultLayout: String?

    public struct ResolvedRegion: Sendable {
        public let name: String
        public let parameters: [[ParameterEntry]?]
    }

    init(directory: String, schema: Schema, regions: [String: RegionSpec], policies: [CompiledPolicy], householdLets: [CompiledLet], memberLets: [CompiledLet], hash: String, evaluationOrder: [Int], layouts: [OutputLayout] = [], defaultLayout: String? = nil) {
        self.layouts = layouts
        self.defaultLayout = defaultLayout
        self.directory = directory
        self.schema = schema
        self.regions = regions
        self.policies = policies
        self.householdLets = householdLets
        self.memberLets = memberLets
        self.hash = hash
        self.evaluationOrder = evaluationOrder
        var resolved: [String: ResolvedRegion] = [:]
        for code in regions.keys {
            let chain = RuleSet.chain(code, regions)
            let parameters: [[ParameterEntry]?] = schema.parameters.indices.map { i in
                chain.first { $0.parameters[i] != nil }?.parameters[i]
            }
            resolved[code] = ResolvedRegion(name: RuleSet.displayName(code, chain) ?? code, parameters: parameters)
        }
        resolvedRegions = resolved
    }

    public func policy(_ id: String) -> CompiledPolicy? { policies.first { $0.id == id } }
    public func layout(_ name: String) -> OutputLayout? { layouts.first { $0.name == name } }

    /// The chain of regions from `code` up: explicit parents, else by prefix (420106 → 420100 → 420000).
    public func regionChain(_ code: String) -> [RegionSpec] { RuleSet.chain(code, regions) }

    static func chain(_ code: String, _ regions: [String: RegionSpec]) -> [RegionSpec] {
        var chain: [RegionSpec] = []
        var current: String? = code
        var seen = Set<String>()
        while let c = current, seen.insert(c).inserted {
            if let r = regions[c] {
                chain.append(r)
                current = r.parent ?? RuleSet.prefixParent(c)
            } else {
                current = RuleSet.prefixParent(c)
            }
        }
        return chain
    }

    static func prefixParent(_ code: String) -> String? {
        guard code.count == 6 else { return nil }
        if code.hasSuffix("0000") { return nil }
        if code.hasSuffix("00") { return String(code.prefix(2)) + "0000" }
        return String(code.prefix(4)) + "00"
    }

    /// A region's name as people say it: 武汉市江岸区 (the province is left out below it).
    public func regionName(_ code: String) -> String? {
        if let r = resolvedRegions[code] { return r.name }
        return RuleSet.displayName(code, regionChain(code))
    }

    static func displayName(_ code: String, _ chain: [RegionSpec]) -> String? {
        guard !chain.isEmpty else { return nil }
        let named = chain.reversed().filter { !$0.code.hasSuffix("0000") || $0.code == chain.first!.code }
        var name = named.map(\.name).joined()
        if chain.first!.code != code { name += "（\(code)）" }
        return name
    }

    /// The entry of a parameter for a region and date: the nearest region that sets it decides.
    /// The entries of a parameter that apply in a region (those of the nearest region that sets it).
    public func parameterEntries(_ index: Int, region: String) -> [ParameterEntry]? {
        if let r = resolvedRegions[region] { return r.parameters[index] }
        return regionChain(region).first { $0.parameters[index] != nil }?.parameters[index]
    }

    public func parameterEntry(_ index: Int, region: String, on day: Day) -> (entry: ParameterEntry?, region: RegionSpec?) {
        for r in regionChain(region) {
            guard let entries = r.parameters[index] else { continue }
            return (entries.last { $0.covers(day) }, r)
        }
        return (nil, nil)
    }
}
