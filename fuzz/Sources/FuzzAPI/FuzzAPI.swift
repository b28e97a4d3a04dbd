#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import HuiminService
import SourceDiagnostics
import YAMLSource

/// The API's `POST /v1/check` (and, on request, `GET /v1/policies/dibao`), through the service's
/// request handling as a plain function, on the bundled rules.
///
/// Input: byte 0 holds flags — bits 0–1 the content type (none, application/json,
/// application/yaml, text/plain), bits 2–3 `explain` (absent, none, summary, full), bit 4 no
/// `on` (else on=2023-12-01), bit 5 `reveal`, bit 6 also the policy sheet with the same query,
/// bit 7 the first line of the rest is a query string (`name=value&…`, taken as it is); the rest
/// is the body. Oracles: no crash, hang or runaway memory; never a 5xx; the body read by the
/// direct JSON reader gives the tree and spans libyaml gives, with no problem libyaml reports.
enum FuzzAPI {
    static let api: API = {
        do {
            let store = try RuleStore(directory: FuzzFixtures.rulesDirectory)
            return try API(store: store, limits: .init(screeningJobs: 1))
        } catch {
            Oracle.say("huimin fuzz: the API cannot start: \(error)\n")
            exit(2)
        }
    }()

    static func run(_ input: [UInt8]) {
        let flags = input.first ?? 0
        var body = Array(input.dropFirst())
        var query: [(name: String, value: String)] = []
        if flags & 0x10 == 0 { query.append(("on", "2023-12-01")) }
        if flags & 0x20 != 0 { query.append(("reveal", "true")) }
        let explain = Int(flags >> 2) & 3
        if explain > 0 { query.append(("explain", ["none", "summary", "full"][explain - 1])) }
        if flags & 0x80 != 0 {
            let line = body.firstIndex(of: 10) ?? body.count
            query += parse(String(decoding: body[..<line], as: UTF8.self))
            body = Array(body[min(body.count, line + 1)...])
        }
        let type = [nil, "application/json", "application/yaml", "text/plain"][Int(flags & 3)]
        answer(ServiceRequest(method: "POST", path: "/v1/check", query: query, contentType: type, body: body))
        if flags & 0x40 != 0 { answer(ServiceRequest(method: "GET", path: "/v1/policies/dibao", query: query)) }
        sameTree(body)
    }

    static func answer(_ request: ServiceRequest) {
        let response = api.respond(request)
        Oracle.expect(response.status < 500, "\(request.method) \(request.path) answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
    }

    /// `name=value&…` split as it is, without percent-decoding (the server decodes before the service).
    static func parse(_ line: String) -> [(name: String, value: String)] {
        line.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }

    /// The direct JSON reader may only take a document libyaml reads the same, spans and all.
    static func sameTree(_ body: [UInt8]) {
        let file = SourceFile(path: "body", bytes: body)
        let direct = YAMLParser(file: file).parse()
        let libyaml = YAMLParser(file: file).parse(readingJSONDirectly: false)
        let a = YAMLTree.dump(direct.root), b = YAMLTree.dump(libyaml.root)
        Oracle.expect(a == b, "the JSON reader and libyaml read different trees:\n  direct:  \(a.prefix(500))\n  libyaml: \(b.prefix(500))")
        let da = direct.diagnostics.map(\.id), db = libyaml.diagnostics.map(\.id)
        Oracle.expect(da == db, "the JSON reader and libyaml report different problems: \(da) vs \(db)")
    }
}

@_cdecl("FuzzAPI_main")
func fuzzAPIMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    _ = FuzzAPI.api
    return FuzzDriver.run(argc, argv) { data, size in
        FuzzAPI.run(FuzzDriver.bytes(data, size))
        return 0
    }
}
