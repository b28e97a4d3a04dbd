#if canImport(Glibc)
import Glibc
#endif
import PolicyExpr
import SourceDiagnostics
import YAMLSource

/// Loads a rules directory through an ordered table of named stages. All problems of a stage
/// are collected; a stage with errors stops the ones after it.
public enum RuleLoader {
    public struct Outcome: Sendable {
        public let rules: RuleSet?
        public let diagnostics: [Diagnostic]
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    public static let maxFileBytes = 4 << 20

    /// The stages, in order. Each reads and extends the shared state. Stages marked `lintOnly`
    /// find problems that do not stop evaluation (a missing parameter makes a decision
    /// undetermined and says so); `huimin lint` runs them, evaluation skips them.
    static let stages: [(name: String, lintOnly: Bool, run: @Sendable (inout LoadState) -> Void)] = [
        ("read", false, readFiles),
        ("schema", false, decodeSchema),
        ("regions", false, decodeRegions),
        ("policies", false, decodePolicies),
        ("expressions", false, compileExpressions),
        ("layouts", false, decodeLayouts),
        ("parameters", true, checkParameterCoverage),
        ("usage", true, checkUsage),
    ]

    /// The rules directory a program uses when none is named: `$HUIMIN_RULES`, else `./rules`.
    public static func directory(named explicit: String?) -> String {
        explicit ?? getenv("HUIMIN_RULES").map { String(cString: $0) } ?? "rules"
    }

    public static func load(directory: String, lint: Bool = true) -> Outcome {
        var state = LoadState(directory: directory)
        let timing = getenv("HUIMIN_TIMING") != nil
        for stage in stages where lint || !stage.lintOnly {
            let start = timing ? monotonicMicros() : 0
            stage.run(&state)
            if timing { Output.stderr("stage \(stage.name): \(monotonicMicros() - start) µs\n") }
            if state.bag.hasErrors { break }
        }
        let diagnostics = state.bag.sorted
        guard !state.bag.hasErrors, let schema = state.schema else { return Outcome(rules: nil, diagnostics: diagnostics) }
        let rules = RuleSet(
            directory: directory, schema: schema, regions: state.regions, policies: state.compiled,
            householdLets: state.householdLets, memberLets: state.memberLets, hash: state.hash, evaluationOrder: state.order,
            layouts: state.layouts, defaultLayout: state.defaultLayout)
        return Outcome(rules: rules, diagnostics: diagnostics)
    }

    struct LoadState {
        let directory: String
        var bag = DiagnosticBag()
        var schemaNode: YAMLNode?
        var regionNodes: [YAMLNode] = []
        var policyNodes: [YAMLNode] = []
        var hash = ""
        var schema: Schema?
        var regions: [String: RegionSpec] = [:]
        var raw: [RawPolicy] = []
        var compiled: [CompiledPolicy] = []
        var householdLets: [CompiledLet] = []
        var memberLets: [CompiledLet] = []
        var order: [Int] = []
        var layoutNode: YAMLNode?
        var layouts: [OutputLayout] = []
        var defaultLayout: String?
    }

    static func readFiles(_ s: inout LoadState) {
        guard FileBytes.isDirectory(s.directory) else {
            s.bag.add(Diagnostic("rules.no-directory", "no rules directory at \(s.directory)", at: nil,
                help: "give the folder that holds schema.yaml, policies/ and regions/ with --rules, or set HUIMIN_RULES", path: s.directory))
            return
        }
        let base = s.directory.hasSuffix("/") ? String(s.directory.dropLast()) : s.directory
        var hasher = FNV1a()
        func parse(_ path: String) -> YAMLNode? {
            switch SourceFile.load(path: path, maxBytes: maxFileBytes) {
            case .failure(let e):
                s.bag.add(Diagnostic("rules.unreadable", "cannot read this file: \(e.reason)", at: nil, path: path))
                return nil
            case .success(let file):
                hasher.add(Array(path.dropFirst(base.count).utf8))
                hasher.add(file.bytes)
                let (root, diagnostics) = YAMLParser(file: file).parse()
                s.bag.append(contentsOf: diagnostics)
                if root == nil, diagnostics.isEmpty {
                    s.bag.add(Diagnostic("rules.empty-file", "this file is empty", at: nil, path: path))
                }
                return diagnostics.contains { $0.severity == .error } ? nil : root
            }
        }
        let schemaPath = base + "/schema.yaml"
        if FileBytes.exists(schemaPath) {
            s.schemaNode = parse(schemaPath)
        } else {
            s.bag.add(Diagnostic("rules.no-schema", "the rules have no schema.yaml", at: nil, help: "every rules directory needs schema.yaml beside policies/ and regions/", path: schemaPath))
        }
        let layoutsPath = base + "/layouts.yaml"
        if FileBytes.exists(layoutsPath) { s.layoutNode = parse(layoutsPath) }
        s.regionNodes = FileBytes.files(under: base + "/regions", suffixes: [".yaml", ".yml"]).compactMap(parse)
        s.policyNodes = FileBytes.files(under: base + "/policies", suffixes: [".yaml", ".yml"]).compactMap(parse)
        s.hash = hasher.hex
    }

    static func decodeSchema(_ s: inout LoadState) {
        guard let node = s.schemaNode else { return }
        // The policy ids and titles make the enumeration `policy` (for the `receiving` field).
        let ids: [(String, String)] = s.policyNodes.compactMap { n in
            guard let id = n["policy"]?.scalar else { return nil }
            return (id, n["title"]?.scalar ?? id)
        }
        let decoder = RuleDecoder()
        s.schema = decoder.decodeSchema(node, policies: ids)
        s.bag.append(contentsOf: decoder.bag)
    }

    static func decodeRegions(_ s: inout LoadState) {
        guard let schema = s.schema else { return }
        let decoder = RuleDecoder()
        for node in s.regionNodes {
            guard let r = decoder.decodeRegion(node, schema: schema) else { continue }
            if let existing = s.regions[r.code] {
                decoder.bag.error("region.duplicate", "the region \(r.code) is defined twice", at: r.span, notes: ["also in \(existing.span.file.path)"])
            }
            s.regions[r.code] = r
        }
        s.bag.append(contentsOf: decoder.bag)
    }

    static func decodePolicies(_ s: inout LoadState) {
        let decoder = RuleDecoder()
        var seen: [String: RawPolicy] = [:]
        for node in s.policyNodes {
            guard let p = decoder.decodePolicy(node) else { continue }
            if seen[p.id] != nil {
                decoder.bag.error("policy.duplicate", "two files define the policy `\(p.id)`", at: p.idNode.span)
                continue
            }
            seen[p.id] = p
            s.raw.append(p)
        }
        s.raw.sort { ($0.order, $0.id) < ($1.order, $1.id) }
        s.bag.append(contentsOf: decoder.bag)
    }

    static func decodeLayouts(_ s: inout LoadState) {
        guard let schema = s.schema, let node = s.layoutNode else { return }
        let decoder = RuleDecoder()
        (s.layouts, s.defaultLayout) = decoder.decodeLayouts(node, schema: schema, policies: s.compiled)
        s.bag.append(contentsOf: decoder.bag)
    }

    static func compileExpressions(_ s: inout LoadState) {
        guard let schema = s.schema else { return }
        let compiler = ExpressionCompiler(schema: schema, raw: s.raw, rulesDirectory: s.directory)
        var compiled: [CompiledPolicy] = []
        for i in s.raw.indices {
            if let p = compiler.compilePolicy(i) { compiled.append(p) }
        }
        compiler.checkRemainingLets()
        s.order = compiler.checkCycles()
        s.bag.append(contentsOf: compiler.bag)
        guard !compiler.bag.hasErrors else { return }
        s.compiled = compiled
        s.householdLets = compiler.householdLets.map { info in
            guard case .done(let t) = info.state else { fatalError("unchecked let after a clean compile") }
            return CompiledLet(name: info.raw.name, qualifiedName: "\(s.raw[info.policy].id).\(info.raw.name)", label: info.raw.label, expr: t, memberScope: false, policy: info.policy, span: info.raw.nameNode.span)
        }
        s.memberLets = compiler.memberLets.map { info in
            guard case .done(let t) = info.state else { fatalError("unchecked let after a clean compile") }
            return CompiledLet(name: info.raw.name, qualifiedName: "\(s.raw[info.policy].id).\(info.raw.name)", label: info.raw.label, expr: t, memberScope: true, policy: info.policy, span: info.raw.nameNode.span)
        }
    }
}

func monotonicMicros() -> Int {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return t.tv_sec * 1_000_000 + t.tv_nsec / 1000
}

