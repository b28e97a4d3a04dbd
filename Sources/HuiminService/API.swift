import DecisionEngine
import PolicyExpr
import RosterScreening
import RuleCompiler
import SourceDiagnostics

/// What huimin answers over HTTP, as plain functions of a request. The server in front of it only
/// carries bytes; everything here is tested without a network.
///
/// Routes: `GET /` (the worker's page) and its assets, `GET /openapi.yaml`, `GET /healthz`,
/// `GET /v1/schema`, `GET /v1/policies`, `GET /v1/policies/{id}`, `POST /v1/check`, `POST /v1/screen`.
public final class API: Sendable {
    public let store: RuleStore
    public let limits: Limits
    let assets: Assets
    let screening: RosterUpload

    public struct Limits: Sendable {
        /// Largest household body for /v1/check.
        public var checkBody = 1 << 20
        /// Largest roster upload for /v1/screen (a street's roster; a city's goes to `huimin screen`).
        public var upload = 16 << 20
        /// Workers per screening (default: every core).
        public var screeningJobs: Int?

        public init(checkBody: Int = 1 << 20, upload: Int = 16 << 20, screeningJobs: Int? = nil) {
            self.checkBody = checkBody
            self.upload = upload
            self.screeningJobs = screeningJobs
        }
    }

    /// What keeps the service from starting: its page's files missing, or no private folder for uploads.
    public struct StartupFailure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(store: RuleStore, limits: Limits = Limits()) throws(StartupFailure) {
        // The server owns SIGTERM (it finishes requests in flight); uploads are removed by the handler.
        InterruptCleanup.disable()
        self.store = store
        self.limits = limits
        do {
            assets = try Assets.load()
        } catch {
            throw StartupFailure(description: error.description)
        }
        do {
            screening = RosterUpload(jobs: limits.screeningJobs, spool: try UploadSpool())
        } catch {
            throw StartupFailure(description: error.message)
        }
    }

    /// The route a path takes, as the log names it: `/v1/policies/{id}`, never the id itself (a
    /// path can carry anything a client types, an ID number included).
    public static func route(of path: String) -> String {
        switch path {
        case "/", "/index.html", "/openapi.yaml", "/healthz", "/v1/schema", "/v1/policies", "/v1/check", "/v1/screen": path
        case _ where path.hasPrefix("/assets/"): "/assets/{name}"
        case _ where path.hasPrefix("/v1/policies/"): "/v1/policies/{id}"
        default: "(no route)"
        }
    }

    /// The largest body a route takes: the server stops reading beyond it and answers 413.
    public func bodyLimit(method: String, path: String) -> Int {
        path == "/v1/screen" ? limits.upload : path == "/v1/check" ? limits.checkBody : 0
    }

    /// True for the requests that take long (a roster): the server runs them off its event loops.
    public func isHeavy(method: String, path: String) -> Bool { path == "/v1/screen" }

    public func respond(_ request: ServiceRequest) -> ServiceResponse {
        do {
            return try route(request)
        } catch {
            return error.response
        }
    }

    func route(_ r: ServiceRequest) throws(ServiceError) -> ServiceResponse {
        let get = r.method == "GET" || r.method == "HEAD"
        switch r.path {
        case "/", "/index.html":
            try allow(r, get, "GET")
            return assets.response(for: "index.html")
        case "/openapi.yaml":
            try allow(r, get, "GET")
            return assets.response(for: "openapi.yaml")
        case "/healthz":
            try allow(r, get, "GET")
            return health()
        case "/v1/schema":
            try allow(r, get, "GET")
            return ServiceResponse(contentType: "application/json; charset=utf-8", body: store.current.derived.schema)
        case "/v1/policies":
            try allow(r, get, "GET")
            return ServiceResponse(contentType: "application/json; charset=utf-8", body: store.current.derived.policies)
        case "/v1/check":
            try allow(r, r.method == "POST", "POST")
            return try check(r)
        case "/v1/screen":
            try allow(r, r.method == "POST", "POST")
            return try screening.screen(r, rules: store.current.rules)
        default:
            if r.path.hasPrefix("/assets/") {
                try allow(r, get, "GET")
                let name = String(r.path.dropFirst("/assets/".count))
                guard assets.has(name) else { throw .notFound(r.path) }
                return assets.response(for: name)
            }
            if r.path.hasPrefix("/v1/policies/") {
                try allow(r, get, "GET")
                return try policySheet(r, id: String(r.path.dropFirst("/v1/policies/".count)))
            }
            throw .notFound(r.path)
        }
    }

    func allow(_ r: ServiceRequest, _ ok: Bool, _ method: String) throws(ServiceError) {
        guard !ok else { return }
        var e = ServiceError(405, "route.method-not-allowed", "\(Self.route(of: r.path)) takes \(method), not \(Self.quoted(r.method, among: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]))")
        e.headers = [("Allow", method)]
        throw e
    }

    // MARK: GET /healthz

    func health() -> ServiceResponse {
        let snapshot = store.current
        var rules: [(String, JSONValue)] = [
            ("hash", .string(snapshot.rules.hash)), ("policies", .int(snapshot.rules.policies.count)),
            ("loaded_at", .int(snapshot.loadedAt)),
        ]
        if let last = store.lastReload {
            rules.append(("last_reload", .object([
                ("at", .int(last.at)), ("loaded", .bool(last.loaded)), ("errors", .int(last.errors)), ("message", .string(last.summary)),
            ])))
        }
        return .json(.object([("status", .string("ok")), ("version", .string(CheckReport.version)), ("rules", .object(rules))]))
    }

    // MARK: POST /v1/check

    func check(_ r: ServiceRequest) throws(ServiceError) -> ServiceResponse {
        let rules = store.current.rules
        let day = try Self.date(r)
        let policies = try Self.policies(r, rules)
        let texts = try Self.choice(r, "explain", default: "summary", among: ["none", "summary", "full"])
        let reveal = try Self.flag(r, "reveal")
        guard r.contentType == nil || ["application/json", "application/yaml", "application/x-yaml", "text/yaml"].contains(r.contentType!) else {
            throw ServiceError(415, "request.unsupported-media-type", "send the household as application/json (or application/yaml), not \(r.contentType!)")
        }
        guard !r.body.isEmpty else {
            throw ServiceError(400, "request.empty-body", "the body is empty: send one household as JSON, with `members` a list")
        }
        guard String(validating: r.body, as: UTF8.self) != nil else {
            throw ServiceError(400, "request.malformed-json", "the body is not UTF-8 text: JSON is sent as UTF-8")
        }
        let file = SourceFile(path: "body", bytes: r.body)
        let (record, problems) = HouseholdDecoder(schema: rules.schema).decode(file: file)
        guard let record else { throw Self.recordError(problems) }
        let report = CheckReport.make(rules: rules, record: record, on: day, policies: policies, revealNames: reveal)
        let level: CheckReport.Texts = texts == "none" ? .none : texts == "full" ? .worker : .resident
        return .json(bytes: report.json(texts: level))
    }

    /// A body that is not JSON is malformed (400); one that is JSON but not a household the schema
    /// knows is unprocessable (422). Both list every problem with its line, column and field.
    static func recordError(_ problems: [Diagnostic]) -> ServiceError {
        let errors = problems.filter { $0.severity == .error }
        let list = errors.map(problem)
        if let syntax = errors.first(where: { $0.id.hasPrefix("yaml.") }) {
            return ServiceError(400, "request.malformed-json", "the body is not valid JSON: \(syntax.message)", problems: list)
        }
        let summary = errors.first.map { $0.message } ?? "the household cannot be read"
        return ServiceError(422, "record.invalid", errors.count == 1 ? summary : "\(summary)（共\(errors.count)处问题）", problems: list)
    }

    static func problem(_ d: Diagnostic) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("code", .string(d.id)), ("message", .string(d.message))]
        if let span = d.span {
            let at = span.startLocation
            pairs.append(("line", .int(at.line)))
            pairs.append(("column", .int(at.column)))
        }
        if let field = d.field { pairs.append(("field", .string(field))) }
        if let help = d.help { pairs.append(("help", .string(help))) }
        return .object(pairs)
    }

    // MARK: GET /v1/policies/{id}

    func policySheet(_ r: ServiceRequest, id: String) throws(ServiceError) -> ServiceResponse {
        let rules = store.current.rules
        guard let p = rules.policy(id) else {
            let s = Suggestion.closest(to: id, among: rules.policies.map(\.id))
            throw ServiceError(404, "policy.not-found", "no policy is named \(Self.quoted(id, among: rules.policies.map(\.id)))" + (s.map { "; did you mean `\($0)`?" } ?? ""))
        }
        let format = try Self.choice(r, "format", default: "json", among: PolicySheet.Format.allCases.map(\.rawValue))
        let day = try Self.date(r)
        var region = r.value("region")
        if region == nil, case .text(let c)? = rules.schema.field(rules.schema.conventions.region, .household)?.defaultValue { region = c }
        guard let region else {
            throw ServiceError(400, "request.missing-parameter", "give `region`, e.g. region=\(rules.regions.keys.sorted().first ?? "420102")")
        }
        guard !rules.regionChain(region).isEmpty else {
            let s = Suggestion.closest(to: region, among: Array(rules.regions.keys))
            // A region code is public; anything else in its place is described.
            let shown = FieldValueParser.isRegionCode(region.utf8) ? region : Self.quoted(region)
            throw ServiceError(404, "region.not-found", "the rules have no region \(shown) or a region above it" + (s.map { "; did you mean \($0)?" } ?? ""))
        }
        let sheet = PolicySheet(policy: p, rules: rules, region: region, date: day)
        switch PolicySheet.Format(rawValue: format)! {
        case .json: return .json(sheet.json)
        case .html: return .text(sheet.html, contentType: "text/html; charset=utf-8")
        case .markdown: return .text(sheet.markdown, contentType: "text/markdown; charset=utf-8")
        case .text: return .text(sheet.text, contentType: "text/plain; charset=utf-8")
        }
    }

    // MARK: Query parameters

    static func date(_ r: ServiceRequest) throws(ServiceError) -> Day {
        guard let text = r.value("on") else { return Day.today }
        guard let day = Day(evaluationDate: text) else {
            throw ServiceError(400, "request.bad-parameter", "`on` must be a date from 1900-01-01 to 2199-12-31, YYYY-MM-DD (got \(quoted(text)))")
        }
        return day
    }

    static func policies(_ r: ServiceRequest, _ rules: RuleSet) throws(ServiceError) -> Set<String>? {
        let ids = r.values("policy").flatMap { $0.split(separator: ",").map(String.init) }
        for id in ids where rules.policy(id) == nil {
            let s = Suggestion.closest(to: id, among: rules.policies.map(\.id))
            throw ServiceError(400, "request.unknown-policy", "no policy is named \(quoted(id, among: rules.policies.map(\.id)))" + (s.map { "; did you mean `\($0)`?" } ?? ""))
        }
        return ids.isEmpty ? nil : Set(ids)
    }

    static func choice(_ r: ServiceRequest, _ name: String, default value: String, among choices: [String]) throws(ServiceError) -> String {
        let v = r.value(name) ?? value
        guard choices.contains(v) else {
            throw ServiceError(400, "request.bad-parameter", "`\(name)` must be one of \(choices.joined(separator: ", ")) (got \(quoted(v, among: choices)))")
        }
        return v
    }

    static func flag(_ r: ServiceRequest, _ name: String) throws(ServiceError) -> Bool {
        switch r.value(name) {
        case nil, "false", "0": return false
        case "", "true", "1": return true
        case let v?: throw ServiceError(400, "request.bad-parameter", "`\(name)` must be true or false (got \(quoted(v, among: ["true", "false"])))")
        }
    }

    /// A parameter named in an error: it comes from the client and may be anything, an ID number
    /// too, so it is repeated only as `QuotedValue` allows (a near-spelling of one of `choices`).
    static func quoted(_ s: String, among choices: [String] = []) -> String {
        QuotedValue.subject(s, choices: choices)
    }
}

extension Error {
    var response: ServiceResponse {
        (self as? ServiceError)?.response ?? ServiceError(500, "internal", "internal error").response
    }
}
