import Foundation
import RuleCompiler
import SourceDiagnostics
import Testing

/// Broken rule sets under Fixtures/lint/<case>/ (laid over Fixtures/lint/_base/) with their
/// diagnostics in golden files: expected.txt (as a terminal shows them) and expected.json.
@Suite("Diagnostics for rule authors (golden files)")
struct DiagnosticGoldenTests {
    static let cases: [String] = {
        let dir = Repo.fixtures + "/lint"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix("_") }.sorted()
    }()

    /// Copies the base rules and the case's files into a temporary directory named after the case.
    static func materialize(_ name: String) throws -> (root: String, rules: String) {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("huimin-lint-\(UUID().uuidString)").path
        let rules = root + "/" + name
        for source in [Repo.fixtures + "/lint/_base", Repo.fixtures + "/lint/" + name] {
            let items = fm.enumerator(atPath: source)?.allObjects as? [String] ?? []
            for item in items.sorted() where !item.hasPrefix("expected") {
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: source + "/" + item, isDirectory: &isDir) else { continue }
                let target = rules + "/" + item
                if isDir.boolValue {
                    try fm.createDirectory(atPath: target, withIntermediateDirectories: true)
                } else {
                    try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
                    try fm.copyItem(atPath: source + "/" + item, toPath: target)
                }
            }
        }
        return (root, rules)
    }

    @Test("the base fixture is clean")
    func baseIsClean() throws {
        let outcome = RuleLoader.load(directory: Repo.fixtures + "/lint/_base")
        #expect(outcome.diagnostics.map(DiagnosticRenderer.text) == [])
    }

    @Test("each broken rule set gives exactly its golden diagnostics (errors, or warnings for the *-warnings cases)", arguments: cases)
    func golden(_ name: String) throws {
        let (root, rules) = try Self.materialize(name)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outcome = RuleLoader.load(directory: rules)
        if name.hasSuffix("-warnings") {
            #expect(!outcome.hasErrors && !outcome.diagnostics.isEmpty)
        } else {
            #expect(outcome.hasErrors)
        }
        let text = DiagnosticRenderer.text(outcome.diagnostics).replacingOccurrences(of: root + "/", with: "")
        let json = JSONValue.array(outcome.diagnostics.map(DiagnosticRenderer.json)).serialized(pretty: true)
            .replacingOccurrences(of: root + "/", with: "") + "\n"
        Repo.expectGolden(text, Repo.fixtures + "/lint/\(name)/expected.txt")
        Repo.expectGolden(json, Repo.fixtures + "/lint/\(name)/expected.json")
    }

    @Test("every condition of the bundled rules cites its basis; every parameter value cites a source or says it is a placeholder")
    func basisEverywhere() throws {
        let rules = try #require(RuleLoader.load(directory: Repo.rules).rules)
        for p in rules.policies {
            for (c, _) in p.conditions {
                guard case .leaf = c.kind, !c.isOverlap else { continue }
                #expect(!c.basis.isEmpty, "\(p.id).\(c.id) cites no basis")
            }
        }
        for region in rules.regions.values {
            for (_, entries) in region.parameters {
                for e in entries { #expect(e.source != nil || e.placeholder != nil, "\(region.code) has a value without a source") }
            }
        }
    }

    @Test("the bundled rules lint clean")
    func bundledRules() {
        let outcome = RuleLoader.load(directory: Repo.rules)
        #expect(outcome.diagnostics.map(DiagnosticRenderer.text) == [])
        #expect(outcome.rules?.policies.map(\.id) == ["dibao", "dibao_edge", "dibao_single", "tekun", "gaoling", "elderly_care", "disability_living", "disability_care"])
    }
}
