import Foundation
import HuiminService
import Testing

/// What the server answers, asked directly: routes, errors and their codes, without a network.
@Suite("HTTP API answers (HuiminService)", .serialized)
struct APITests {
    static let api: API = {
        let store = try! RuleStore(directory: Repo.rules)
        return try! API(store: store, limits: .init(checkBody: 64 << 10, upload: 4 << 20, screeningJobs: 1))
    }()

    /// The bundled example household as JSON, the way another system would send it.
    static let h001 = try! Array(Data(contentsOf: URL(fileURLWithPath: Repo.root + "/examples/households/h001.json")))

    static func request(_ method: String, _ target: String, type: String? = nil, body: [UInt8] = []) -> ServiceResponse {
        let parts = target.split(separator: "?", maxSplits: 1)
        let query = parts.count > 1 ? parts[1].split(separator: "&").map { pair -> (name: String, value: String) in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(kv[0]), kv.count > 1 ? String(kv[1]).removingPercentEncoding ?? "" : "")
        } : []
        return api.respond(ServiceRequest(method: method, path: String(parts[0]), query: query, contentType: type, body: body))
    }

    static func json(_ r: ServiceResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any], "not a JSON object: \(String(decoding: r.body, as: UTF8.self).prefix(300))")
    }

    static func errorCode(_ r: ServiceResponse) -> String? {
        ((try? json(r))?["error"] as? [String: Any])?["code"] as? String
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let method: String, target: String, type: String?, body: String
        let status: Int, code: String?
        var testDescription: String { "\(method) \(target) → \(status) \(code ?? "")" }
    }

    static let errorCases: [Case] = [
        Case(method: "GET", target: "/nope", type: nil, body: "", status: 404, code: "route.not-found"),
        Case(method: "GET", target: "/v1/check", type: nil, body: "", status: 405, code: "route.method-not-allowed"),
        Case(method: "DELETE", target: "/v1/policies", type: nil, body: "", status: 405, code: "route.method-not-allowed"),
        Case(method: "POST", target: "/v1/check", type: "application/json", body: "", status: 400, code: "request.empty-body"),
        Case(method: "POST", target: "/v1/check", type: "application/json", body: #"{"id": "H1", "members": ["#, status: 400, code: "request.malformed-json"),
        Case(method: "POST", target: "/v1/check", type: "application/json", body: "[1, 2]", status: 422, code: "record.invalid"),
        Case(method: "POST", target: "/v1/check", type: "text/html", body: "{}", status: 415, code: "request.unsupported-media-type"),
        Case(method: "POST", target: "/v1/check?on=2023-02-30", type: "application/json", body: "{}", status: 400, code: "request.bad-parameter"),
        Case(method: "GET", target: "/v1/policies/dibao?region=420102&on=2023-1-99999999999999999999", type: nil, body: "", status: 400, code: "request.bad-parameter"),
        Case(method: "POST", target: "/v1/check?on=0001-01-01", type: "application/json", body: "{}", status: 400, code: "request.bad-parameter"),
        Case(method: "POST", target: "/v1/check?explain=everything", type: "application/json", body: "{}", status: 400, code: "request.bad-parameter"),
        Case(method: "POST", target: "/v1/check?policy=dibo", type: "application/json", body: "{}", status: 400, code: "request.unknown-policy"),
        Case(method: "POST", target: "/v1/check?reveal=perhaps", type: "application/json", body: "{}", status: 400, code: "request.bad-parameter"),
        Case(method: "GET", target: "/v1/policies/dibo?region=420102", type: nil, body: "", status: 404, code: "policy.not-found"),
        Case(method: "GET", target: "/v1/policies/dibao", type: nil, body: "", status: 400, code: "request.missing-parameter"),
        Case(method: "GET", target: "/v1/policies/dibao?region=999999", type: nil, body: "", status: 404, code: "region.not-found"),
        Case(method: "GET", target: "/v1/policies/dibao?region=420102&format=pdf", type: nil, body: "", status: 400, code: "request.bad-parameter"),
        Case(method: "POST", target: "/v1/screen", type: "text/csv", body: "", status: 400, code: "request.empty-body"),
        Case(method: "POST", target: "/v1/screen", type: "multipart/form-data", body: "x", status: 415, code: "request.unsupported-media-type"),
        Case(method: "POST", target: "/v1/screen", type: "text/csv", body: "a,b\n1,2\n", status: 422, code: "roster.unreadable"),
        Case(method: "POST", target: "/v1/screen?layout=tall", type: "text/csv", body: "a\n", status: 400, code: "request.bad-parameter"),
        Case(method: "GET", target: "/assets/nothing.js", type: nil, body: "", status: 404, code: "route.not-found"),
    ]

    @Test("errors are JSON with a stable code and the right status", arguments: errorCases)
    func errors(_ c: Case) throws {
        let r = Self.request(c.method, c.target, type: c.type, body: Array(c.body.utf8))
        #expect(r.status == c.status)
        #expect(r.contentType.hasPrefix("application/json"))
        #expect(Self.errorCode(r) == c.code)
        let message = try #require((try Self.json(r)["error"] as? [String: Any])?["message"] as? String)
        #expect(!message.isEmpty)
    }

    @Test("405 names the method the route takes")
    func allowHeader() {
        let r = Self.request("GET", "/v1/check")
        #expect(r.headers.contains { $0.name == "Allow" && $0.value == "POST" })
    }

    @Test("POST /v1/check answers the DESIGN §7 object with the resident's text")
    func check() throws {
        let r = Self.request("POST", "/v1/check?on=2023-12-01", type: "application/json", body: Self.h001)
        #expect(r.status == 200)
        let json = try Self.json(r)
        #expect(json["household"] as? String == "H001")
        #expect(json["household_label"] as? String == "张某某家")
        #expect(json["members"] as? Int == 3)
        #expect((json["region"] as? [String: Any])?["name"] as? String == "武汉市江岸区")
        let decisions = try #require(json["decisions"] as? [[String: Any]])
        let dibao = try #require(decisions.first { $0["policy"] as? String == "dibao" })
        #expect(dibao["status"] as? String == "eligible")
        #expect(dibao["amount"] as? String == "1320.00")
        #expect((dibao["text"] as? String)?.hasPrefix("✔ 最低生活保障：符合，预计每月1,320元。") == true)
        #expect(dibao["worker_text"] == nil)
        #expect((json["text"] as? String)?.hasPrefix("张某某家（3人）· 武汉市江岸区 · 2023年12月1日\n") == true)
        // Names masked, ID numbers never returned.
        let body = String(decoding: r.body, as: UTF8.self)
        #expect(!body.contains("张建国"))
        #expect(!body.contains("420102198003150032"))
    }

    @Test("explain=none leaves the texts out, explain=full adds the worker view, policy= narrows, reveal=true unmasks names")
    func checkOptions() throws {
        let none = try Self.json(Self.request("POST", "/v1/check?on=2023-12-01&explain=none", type: "application/json", body: Self.h001))
        #expect(none["text"] == nil)
        #expect((none["decisions"] as? [[String: Any]])?.allSatisfy { $0["text"] == nil } == true)
        let full = try Self.json(Self.request("POST", "/v1/check?on=2023-12-01&explain=full&policy=dibao", type: "application/json", body: Self.h001))
        let decisions = try #require(full["decisions"] as? [[String: Any]])
        #expect(decisions.map { $0["policy"] as? String } == ["dibao"])
        #expect((decisions[0]["worker_text"] as? String)?.contains("规则：policies/dibao.yaml") == true)
        let two = try Self.json(Self.request("POST", "/v1/check?on=2023-12-01&policy=dibao,gaoling", type: "application/json", body: Self.h001))
        #expect(Set((two["decisions"] as? [[String: Any]] ?? []).compactMap { $0["policy"] as? String }) == ["dibao", "gaoling"])
        let revealed = Self.request("POST", "/v1/check?on=2023-12-01&reveal=true", type: "application/json", body: Self.h001)
        #expect(String(decoding: revealed.body, as: UTF8.self).contains("张建国"))
        #expect(!String(decoding: revealed.body, as: UTF8.self).contains("420102198003150032"))
    }

    @Test("a household with unknown fields and bad values: every problem with its field, line and column")
    func unprocessable() throws {
        let body = #"{"id": "H1", "region": "420102", "members": [{"id": "P1", "relation": "hed", "bogus": 1}]}"#
        let r = Self.request("POST", "/v1/check", type: "application/json", body: Array(body.utf8))
        #expect(r.status == 422)
        let error = try #require(try Self.json(r)["error"] as? [String: Any])
        let problems = try #require(error["problems"] as? [[String: Any]])
        let byCode = Dictionary(problems.map { ($0["code"] as! String, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byCode["record.unknown-field"]?["field"] as? String == "members[0].bogus")
        #expect(byCode["record.bad-value"]?["field"] as? String == "members[0].relation")
        #expect((byCode["record.bad-value"]?["help"] as? String)?.contains("head") == true)
        #expect(byCode["record.unknown-field"]?["line"] as? Int == 1)
        #expect(byCode["record.unknown-field"]?["column"] as? Int == 78)
    }

    @Test("malformed JSON says where")
    func malformed() throws {
        let r = Self.request("POST", "/v1/check", type: "application/json", body: Array("{\n  \"id\": \"H1\",\n  \"members\": [\n".utf8))
        #expect(r.status == 400)
        let problems = try #require((try Self.json(r)["error"] as? [String: Any])?["problems"] as? [[String: Any]])
        #expect(problems.first?["code"] as? String == "yaml.syntax")
        #expect(problems.first?["line"] is Int)
    }

    @Test("GET /v1/schema describes the form: labels, choices, what proves each field")
    func schema() throws {
        let json = try Self.json(Self.request("GET", "/v1/schema"))
        let household = try #require(json["household"] as? [[String: Any]])
        let hukou = try #require(household.first { $0["key"] as? String == "hukou_type" })
        #expect(hukou["label"] as? String == "户籍类型")
        #expect(hukou["type"] as? String == "enum")
        #expect((hukou["values"] as? [[String: Any]])?.map { $0["label"] as? String } == ["城镇", "农村"])
        #expect((hukou["ask"] as? String)?.contains("户口簿") == true)
        let person = try #require(json["person"] as? [[String: Any]])
        let incomes = try #require(person.first { $0["key"] as? String == "incomes" })
        #expect(incomes["type"] as? String == "money_by_kind")
        #expect((incomes["kinds"] as? [[String: Any]])?.isEmpty == false)
        #expect(person.first { $0["key"] as? String == "birth_date" }?["derive"] as? String == "id_number.birth_date")
        let regions = try #require(json["regions"] as? [[String: Any]])
        #expect(regions.contains { $0["code"] as? String == "420102" && $0["name"] as? String == "武汉市江岸区" })
        #expect((json["policies"] as? [[String: Any]])?.count == 8)
    }

    @Test("GET /v1/policies lists every policy with its sheet", arguments: ["json", "html", "markdown", "text"])
    func policySheet(_ format: String) throws {
        let list = try Self.json(Self.request("GET", "/v1/policies"))
        let policies = try #require(list["policies"] as? [[String: Any]])
        #expect(policies.count == 8)
        let r = Self.request("GET", "/v1/policies/dibao?region=420102&on=2023-12-01&format=\(format)")
        #expect(r.status == 200)
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(text.contains("940"))
        switch format {
        case "json": #expect(try Self.json(r)["title"] as? String == "最低生活保障")
        case "html": #expect(r.contentType.hasPrefix("text/html") && text.contains("<html"))
        default: #expect(text.contains("最低生活保障政策明白纸"))
        }
    }

    @Test("the page, its assets and the OpenAPI document are served")
    func assets() {
        let page = Self.request("GET", "/")
        #expect(page.status == 200 && page.contentType.hasPrefix("text/html"))
        #expect(String(decoding: page.body, as: UTF8.self).contains("/assets/app.js"))
        #expect(!String(decoding: page.body, as: UTF8.self).contains("http"), "no CDN: everything comes from huimin")
        #expect(Self.request("GET", "/assets/app.js").contentType.hasPrefix("text/javascript"))
        #expect(Self.request("GET", "/assets/app.css").contentType.hasPrefix("text/css"))
        let openapi = Self.request("GET", "/openapi.yaml")
        #expect(String(decoding: openapi.body, as: UTF8.self).hasPrefix("openapi: 3.0.3"))
    }

    @Test("POST /v1/screen: a CSV roster, as JSON with results, rejects and a reconciled summary")
    func screenCSV() throws {
        let csv = try Array(Data(contentsOf: URL(fileURLWithPath: Repo.root + "/examples/rosters/wuhan-sample.csv")))
        let broken = csv + Array("H9,P9,某某,户主,2023-02-30,420102,城镇,-5,1,0,否,否,否,是,是,不在学,0,,有具备履行能力的义务人,否,否,否,0,0,\n".utf8)
        let r = Self.request("POST", "/v1/screen?on=2023-12-01", type: "text/csv", body: broken)
        #expect(r.status == 200)
        let json = try Self.json(r)
        let summary = try #require(json["summary"] as? [String: Any])
        // The sample's H003 has a date that does not exist (2 rows); H9 adds one more bad row.
        #expect(summary["rows"] as? Int == 8)
        #expect(summary["rejected_rows"] as? Int == 3)
        #expect(summary["reconciled"] as? Bool == true)
        let results = try #require(json["results"] as? [[String: Any]])
        // The long layout: a row per subject and policy, keyed by its columns.
        let dibao = try #require(results.first { $0["policy"] as? String == "dibao" && $0["household_id"] as? String == "H001" })
        #expect(dibao["status"] as? String == "eligible")
        #expect(dibao["amount"] as? String == "1320.00")
        #expect(dibao["unmet"] is NSNull)
        #expect(Set(results.compactMap { $0["household_id"] as? String }).count == summary["households"] as? Int)
        let rejects = try #require(json["rejects"] as? [[String: Any]])
        let h9 = rejects.filter { $0["household"] as? String == "H9" }
        #expect(h9.map { $0["row"] as? Int } == [9, 9])
        #expect(h9.contains { ($0["reason"] as? String)?.contains("不是存在的日期") == true })
        // The results file itself, for a spreadsheet.
        let file = Self.request("POST", "/v1/screen?on=2023-12-01&format=csv&layout=wide", type: "text/csv", body: csv)
        #expect(file.status == 200 && file.contentType.hasPrefix("text/csv"))
        #expect(file.body.starts(with: [0xEF, 0xBB, 0xBF]), "a BOM, so Excel shows Chinese")
        #expect(file.headers.contains { $0.name == "X-Huimin-Rejected-Rows" && $0.value == "2" })
    }

    @Test("POST /v1/screen: a workbook written by openpyxl, recognised by its bytes")
    func screenXLSX() throws {
        let xlsx = try Array(Data(contentsOf: URL(fileURLWithPath: Repo.fixtures + "/rosters/openpyxl.xlsx")))
        for type in ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"] {
            let r = Self.request("POST", "/v1/screen?on=2023-12-01", type: type, body: xlsx)
            #expect(r.status == 200)
            let summary = try #require(try Self.json(r)["summary"] as? [String: Any])
            #expect((summary["households"] as? Int ?? 0) > 0)
            #expect(summary["reconciled"] as? Bool == true)
        }
    }

    @Test("no upload is left behind in the temporary folder")
    func noLeftovers() throws {
        let tmp = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        func leftovers() -> Set<String> { Set(((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter { $0.hasPrefix("huimin-screen-") }) }
        let before = leftovers()
        _ = Self.request("POST", "/v1/screen", type: "text/csv", body: Array("a,b\n".utf8))
        _ = Self.request("POST", "/v1/screen?on=2023-12-01", type: "text/csv", body: try Array(Data(contentsOf: URL(fileURLWithPath: Repo.root + "/examples/rosters/wuhan-sample.csv"))))
        #expect(leftovers().subtracting(before).isEmpty)
    }
}
