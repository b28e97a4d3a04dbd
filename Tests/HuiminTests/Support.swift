import Foundation
import PolicyExpr
import RuleCompiler
import SourceDiagnostics
import Testing

/// Paths of the repository and its test fixtures.
enum Repo {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let rules = root + "/rules"
    static let fixtures = root + "/Tests/HuiminTests/Fixtures"
    static var recording: Bool { ProcessInfo.processInfo.environment["HUIMIN_RECORD"] == "1" }

    /// The bundled rules, loaded once.
    static let bundledRules: RuleSet = {
        let outcome = RuleLoader.load(directory: rules)
        guard let r = outcome.rules else { fatalError(DiagnosticRenderer.text(outcome.diagnostics)) }
        return r
    }()

    /// A fresh temporary directory for one test, removed when `body` returns.
    static func withTemporaryDirectory<T>(_ prefix: String, _ body: (URL) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        return try body(dir)
    }

    /// The first line where two long texts differ, for a failure that reads in a line; nil when
    /// they are the same.
    static func firstDifference(_ actual: String, _ expected: String) -> String? {
        guard actual != expected else { return nil }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false), e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let i = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
        return "line \(i + 1):\n  got:  \(i < a.count ? a[i] : "<end>")\n  want: \(i < e.count ? e[i] : "<end>")"
    }

    /// Compares `actual` with a golden file, or writes it when recording (HUIMIN_RECORD=1).
    static func expectGolden(_ actual: String, _ path: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        if recording || !FileManager.default.fileExists(atPath: path) && ProcessInfo.processInfo.environment["CI"] == nil {
            try? actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing golden file \(path)>"
        #expect(actual == expected, "golden file \(path) differs; re-record with HUIMIN_RECORD=1", sourceLocation: sourceLocation)
    }
}

/// A symbol table for checker tests: a few fields, lets and parameters.
final class StubTable: SymbolTable {
    let relation = EnumType(name: "relation", values: ["head", "spouse", "child"], labels: ["户主", "配偶", "子女"])
    var symbols: [String: Symbol] = [:]
    var memberSymbols: [String: Symbol] = [:]

    init() {
        symbols["deposits"] = .field(0, .household, .money)
        symbols["vehicles"] = .field(1, .household, .int)
        symbols["standard"] = .householdLet(0, .money)
        symbols["income"] = .householdLet(1, .money)
        symbols["moved_in"] = .field(2, .household, .date)
        memberSymbols["relation"] = .field(0, .person, .enumeration(relation))
        memberSymbols["birth_date"] = .field(1, .person, .date)
        memberSymbols["incomes.wage"] = .kind(field: 2, kind: 0, .person)
        memberSymbols["disabled"] = .field(3, .person, .bool)
    }

    func lookup(_ name: String, memberScope: Bool) -> SymbolLookup {
        if memberScope, let s = memberSymbols[name] { return .found(s) }
        if let s = symbols[name] { return .found(s) }
        if memberSymbols[name] != nil { return .misplaced("use it per member") }
        return .notFound
    }
    func visibleNames(memberScope: Bool) -> [String] { Array(symbols.keys) + (memberScope ? Array(memberSymbols.keys) : []) }
    func parameter(named name: String) -> (index: Int, type: ExprType)? { name == "dibao.standard" ? (0, .money) : nil }
    var parameterNames: [String] { ["dibao.standard"] }
}

/// An evaluation context for evaluator tests: values by slot, members by index.
final class StubContext: EvaluationContext {
    var today = Day(year: 2023, month: 12, day: 1)!
    var household: [Value]
    var people: [[Value]]
    var lets: [Value]
    var memberCount: Int { people.count }
    var regionName: String { "武汉市" }

    init(household: [Value], people: [[Value]], lets: [Value]) {
        self.household = household
        self.people = people
        self.lets = lets
    }
    func field(_ index: Int, _ level: FieldLevel, member: Int) -> Value {
        let v = level == .household ? household[index] : people[member][index]
        return v.isUnknown ? .unknown([.field(index, member: level == .household ? -1 : member)]) : v
    }
    func kind(field: Int, kind: Int, _ level: FieldLevel, member: Int) -> Value { self.field(field, level, member: member) }
    func householdLet(_ slot: Int) -> Value { lets[slot] }
    func memberLet(_ slot: Int, member: Int) -> Value { .unknown([]) }
    func parameter(_ index: Int) -> Value { .fixed(Fixed(940)) }
    func policy(_ index: Int, _ facet: PolicyFacet, member: Int) -> Value { .unknown([]) }
    func age(member: Int) -> Value {
        guard case .date(let b) = field(1, .person, member: member) else { return .unknown([]) }
        return .int(Int64(today.age(bornOn: b, birthdayCounts: true)))
    }
    func dateOfAge(_ years: Int64, member: Int) -> Value {
        guard case .date(let b) = field(1, .person, member: member) else { return .unknown([]) }
        return .date(Day.dateOfAge(Int(years), bornOn: b, birthdayCounts: true))
    }
    func personName(member: Int) -> String { "成员\(member)" }
}
