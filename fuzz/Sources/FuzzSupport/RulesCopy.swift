#if canImport(Glibc)
import Glibc
#endif

/// A copy of a rules directory inside a scratch folder, in which one file at a time is replaced
/// by the fuzzer's bytes and then put back.
public struct RulesCopy: Sendable {
    public let folder: ScratchFolder
    /// The file names under policies/ and regions/, sorted.
    public let policies: [String]
    public let regions: [String]

    /// Copies schema.yaml, layouts.yaml (when there is one), policies/ and regions/ of `source`.
    public init(of source: String, into folder: ScratchFolder) {
        self.folder = folder
        let from = ScratchFolder(existing: source)
        for name in ["schema.yaml", "layouts.yaml"] {
            if let bytes = from.read(name) { folder.write(bytes, to: name) }
        }
        for sub in ["policies", "regions"] {
            folder.makeFolder(sub)
            for name in from.names(in: sub) where name.hasSuffix(".yaml") {
                folder.write(from.read(sub + "/" + name)!, to: sub + "/" + name)
            }
        }
        policies = folder.names(in: "policies")
        regions = folder.names(in: "regions")
    }

    /// Writes `bytes` as `name` (relative to the copy), runs `body`, then puts back what was there.
    public func with<T>(_ bytes: [UInt8], as name: String, _ body: () -> T) -> T {
        let original = folder.read(name)
        folder.write(bytes, to: name)
        defer {
            if let original { folder.write(original, to: name) } else { folder.remove(name) }
        }
        return body()
    }
}

extension ScratchFolder {
    /// An existing folder read through the same calls (never removed).
    convenience init(existing path: String) {
        self.init(adopting: path)
    }
}
