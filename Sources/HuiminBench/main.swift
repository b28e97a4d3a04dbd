// In-process benchmark: evaluation of one household with its full explanation.
// Usage: swift run -c release HuiminBench [household.json] [iterations] [only measures whose label contains this]
import DecisionEngine
import HuiminService
import PolicyExpr
import RuleCompiler
import SourceDiagnostics

#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments
let path = arguments.count > 1 ? arguments[1] : "examples/households/h001.json"
let iterations = arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000
let rulesDir = RuleLoader.directory(named: nil)

var t0 = now()
let outcome = RuleLoader.load(directory: rulesDir)
guard let rules = outcome.rules else {
    print(DiagnosticRenderer.text(outcome.diagnostics))
    exit(1)
}
let loadTime = now() - t0
guard case .success(let file) = SourceFile.load(path: path), let record = HouseholdDecoder(schema: rules.schema).decode(file: file).0 else {
    print("cannot read \(path)")
    exit(1)
}
let day = Day(parsing: "2023-12-01")!

let only = arguments.count > 3 ? arguments[3] : nil

func measure(_ label: String, _ body: () -> Int) {
    if let only, !label.contains(only) { return }
    var sink = 0
    for _ in 0..<min(1000, iterations) { sink &+= body() }  // warm up
    let start = now()
    for _ in 0..<iterations { sink &+= body() }
    let seconds = now() - start
    let micros = seconds / Double(iterations) * 1e6
    print("\(label): \(String(Int(micros * 100) / 100 == 0 ? micros : Double(Int(micros * 100)) / 100)) µs per household (\(iterations) runs, \(Int(Double(iterations) / seconds)) households/s) [\(sink % 7)]")
}

print("rules: load + compile \(Int(loadTime * 1e6)) µs (\(rules.policies.count) policies)")
measure("decisions only") {
    let e = HouseholdEvaluation(rules: rules, record: record, on: day)
    return e.evaluateAll().count
}
measure("decisions + explanation (reasons, values, changes, missing, texts)") {
    let r = CheckReport.make(rules: rules, record: record, on: day)
    return r.decisions.count
}
measure("decisions + explanation + rendered resident and worker text") {
    let r = CheckReport.make(rules: rules, record: record, on: day)
    return r.text(full: true).utf8.count
}
measure("decisions + JSON") {
    let r = CheckReport.make(rules: rules, record: record, on: day)
    return r.json().count
}
let made = CheckReport.make(rules: rules, record: record, on: day)
measure("JSON of a made report (no texts)") { made.json().count }
measure("JSON of a made report (the resident's texts, as POST /v1/check answers)") { made.json(texts: .resident).count }
let body = file.bytes
measure("read the household (JSON body → record)") {
    HouseholdDecoder(schema: rules.schema).decode(file: SourceFile(path: "body", bytes: body)).0?.members.count ?? 0
}
measure("one policy (dibao): decisions + JSON with the resident's texts") {
    CheckReport.make(rules: rules, record: record, on: day, policies: ["dibao"]).json(texts: .resident).count
}

// The API without HTTP: what the server does for a request once its body is in hand.
if let store = try? RuleStore(directory: rulesDir), let api = try? API(store: store) {
    for (label, query) in [
        ("API: POST /v1/check (every policy, the resident's texts)", [("on", "2023-12-01")]),
        ("API: POST /v1/check?policy=dibao", [("on", "2023-12-01"), ("policy", "dibao")]),
    ] {
        measure(label) {
            let request = ServiceRequest(method: "POST", path: "/v1/check", query: query, contentType: "application/json", body: body)
            return api.respond(request).body.count
        }
    }
}
