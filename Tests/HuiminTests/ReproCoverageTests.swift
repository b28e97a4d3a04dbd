import Foundation
import Testing

/// Every reproducer of a hostile-input defect stays a test (issue 20): each file of
/// ../shared/repro has its copy under Fixtures/repro (or the fuzz corpus), and a test names it.
@Suite("every reproducer is a test")
struct ReproCoverageTests {
    static let fixtures = Repo.fixtures + "/repro"
    static let corpus = Repo.root + "/fuzz/corpus"

    /// The reproducers' top-level names: files, and rule folders (`rules-*`).
    static func names(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted()
    }

    /// The text of every test source, where a reproducer's name must appear.
    static let testSources: String = {
        let dir = Repo.root + "/Tests/HuiminTests"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.filter { $0.hasSuffix(".swift") && $0 != "ReproCoverageTests.swift" } ?? []
        return files.compactMap { try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }.joined(separator: "\n")
    }()

    @Test("each kept reproducer is named by a test")
    func named() {
        let kept = Self.names(in: Self.fixtures)
        #expect(kept.count >= 20)
        for name in kept {
            #expect(Self.testSources.contains(name), "no test names Fixtures/repro/\(name)")
        }
    }

    @Test("each reproducer of ../shared/repro is kept (the fuzz artifacts in the fuzz corpus)")
    func kept() throws {
        let shared = Repo.root + "/../shared/repro"
        let names = Self.names(in: shared)
        try #require(!names.isEmpty || ProcessInfo.processInfo.environment["CI"] == nil, "../shared/repro is missing")
        let corpus = (FileManager.default.subpaths(atPath: Self.corpus) ?? []).map { ($0 as NSString).lastPathComponent }
        for name in names {
            if name.hasPrefix("fuzz-") {
                let seed = "repro-" + name.replacingOccurrences(of: ".bin", with: "")
                #expect(corpus.contains(seed), "fuzz/corpus has no copy of \(name) (as \(seed))")
            } else {
                #expect(FileManager.default.fileExists(atPath: Self.fixtures + "/" + name), "Fixtures/repro has no copy of \(name)")
            }
        }
    }
}
