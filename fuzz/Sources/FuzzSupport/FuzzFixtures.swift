#if canImport(Glibc)
import Glibc
#endif
import DecisionEngine
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

/// What every harness reads from the repository: the bundled rules, an example household, a date.
public enum FuzzFixtures {
    /// The repository's root: `$HUIMIN_REPO`, else the folder this file was compiled in, three up.
    public static let root: String = {
        if let env = getenv("HUIMIN_REPO") { return String(cString: env) }
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)  // fuzz/Sources/FuzzSupport/FuzzFixtures.swift
        return parts.joined(separator: "/")
    }()

    public static var rulesDirectory: String { root + "/rules" }

    /// The date every harness decides on, so that a crash reproduces on any day.
    public static let date = Day(year: 2023, month: 12, day: 1)!

    /// The bundled rules, loaded once; a harness cannot run without them.
    public static let rules: RuleSet = {
        let outcome = RuleLoader.load(directory: rulesDirectory)
        guard let rules = outcome.rules else {
            Oracle.say("huimin fuzz: the bundled rules at \(rulesDirectory) do not load (set HUIMIN_REPO)\n")
            exit(2)
        }
        return rules
    }()

    /// An example household of the repository, decoded against the bundled rules.
    public static func household(_ name: String = "h001.yaml") -> HouseholdRecord {
        let path = root + "/examples/households/" + name
        guard case .success(let file) = SourceFile.load(path: path),
            let record = HouseholdDecoder(schema: rules.schema).decode(file: file).0
        else {
            Oracle.say("huimin fuzz: cannot read the household \(path)\n")
            exit(2)
        }
        return record
    }
}
