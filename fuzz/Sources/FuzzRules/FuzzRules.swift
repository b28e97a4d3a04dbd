import DecisionEngine
import FuzzSupport
import RuleCompiler
import SourceDiagnostics

/// Rule loading: one file of a copy of the bundled rules is replaced by the input, and the rules
/// are loaded (with lint); rules that load decide the example households.
///
/// Input: byte 0 picks the file (0 a policy, 1 a region, 2 schema.yaml, 3 layouts.yaml); byte 1
/// picks which policy or region file it replaces (one past the last adds `zz.yaml`); the rest
/// is the file's bytes. Oracles: no crash, hang or runaway memory; rules that load have no
/// error; the loaded rules decide a household without crashing.
enum FuzzRules {
    static let copy = RulesCopy(of: FuzzFixtures.rulesDirectory, into: ScratchFolder("rules"))
    static let households = ["h001.yaml", "h002.yaml"].map { name in
        (name, FuzzFixtures.root + "/examples/households/" + name)
    }

    static func name(for input: [UInt8]) -> String {
        let index = input.count > 1 ? Int(input[1]) : 0
        switch input.first.map({ $0 % 4 }) ?? 0 {
        case 0: return "policies/" + pick(copy.policies, index)
        case 1: return "regions/" + pick(copy.regions, index)
        case 2: return "schema.yaml"
        default: return "layouts.yaml"
        }
    }

    static func pick(_ names: [String], _ index: Int) -> String {
        let i = index % (names.count + 1)
        return i < names.count ? names[i] : "zz.yaml"
    }

    static func run(_ input: [UInt8]) {
        let file = name(for: input)
        copy.with(Array(input.dropFirst(2)), as: file) {
            let outcome = RuleLoader.load(directory: copy.folder.path)
            guard let rules = outcome.rules else {
                Oracle.expect(outcome.hasErrors, "no rules loaded, yet no error was reported")
                return
            }
            Oracle.expect(!outcome.hasErrors, "rules with errors were loaded")
            decide(rules)
        }
    }

    /// Each example household that still reads under these rules, decided and explained.
    static func decide(_ rules: RuleSet) {
        for (_, path) in households {
            guard case .success(let source) = SourceFile.load(path: path),
                let record = HouseholdDecoder(schema: rules.schema).decode(file: source).0
            else { continue }
            let report = CheckReport.make(rules: rules, record: record, on: FuzzFixtures.date)
            _ = report.json(texts: .worker)
        }
    }
}

@_cdecl("FuzzRules_main")
func fuzzRulesMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    _ = FuzzRules.copy
    return FuzzDriver.run(argc, argv) { data, size in
        FuzzRules.run(FuzzDriver.bytes(data, size))
        return 0
    }
}
