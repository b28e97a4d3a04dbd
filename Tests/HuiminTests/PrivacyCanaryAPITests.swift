import Foundation
import HuiminService
import Testing

/// The API's answers with canaries in every field of a household, in the path and in each query
/// parameter: an error body never carries one (the server's logs are ServerTests' part).
@Suite("privacy canaries through the API")
struct PrivacyCanaryAPITests {
    @Test("POST /v1/check with a canary in each field, as JSON and YAML", arguments: PrivacyCanaryTests.canaries)
    func checkBodies(canary: String) {
        for planted in HouseholdDocuments.all(canary) {
            for (format, type) in [("json", "application/json"), ("yaml", "application/yaml")] {
                let body = Array(HouseholdDocuments.text(planted.document, format: format).utf8)
                let r = APITests.request("POST", "/v1/check?on=2023-12-01", type: type, body: body)
                let text = String(decoding: r.body, as: UTF8.self)
                if r.status != 200 || !planted.mayAnswer(canary) {
                    #expect(!text.contains(canary), "\(planted.field) (\(format)) → \(r.status): \(text.prefix(400))")
                }
            }
        }
    }

    @Test("malformed bodies with a canary inside", arguments: PrivacyCanaryTests.canaries)
    func malformedBodies(canary: String) {
        let bodies = ["{\"id\": \"\(canary)\", \"members\": [", "\"\(canary)\"", "[\"\(canary)\"]", "id: [\(canary)\nmembers: -", "{\"\(canary)\": {\"\(canary)\": 1}}",
                      "id: H1\n\(canary): 1\n\(canary): 2\nmembers: []\n", "id: *\(canary.unicodeScalars.allSatisfy(\.properties.isAlphabetic) ? canary : "a\(canary)")\n"]
        for body in bodies {
            let r = APITests.request("POST", "/v1/check", type: "application/json", body: Array(body.utf8))
            let text = String(decoding: r.body, as: UTF8.self)
            #expect(r.status >= 400 && !text.contains(canary), "\(body) → \(r.status): \(text.prefix(400))")
        }
    }

    @Test("a canary in the path and in each query parameter", arguments: PrivacyCanaryTests.canaries)
    func pathsAndQueries(canary: String) {
        let targets = [
            "/v1/policies/\(canary)?region=420102", "/v1/policies/dibao?region=\(canary)", "/v1/policies/dibao?region=420102&on=\(canary)",
            "/v1/policies/dibao?region=420102&format=\(canary)", "/v1/check?on=\(canary)", "/v1/check?policy=\(canary)",
            "/v1/check?explain=\(canary)", "/v1/check?reveal=\(canary)", "/v1/\(canary)", "/assets/\(canary).js",
            "/v1/screen?layout=\(canary)",
        ]
        for target in targets {
            for method in ["GET", "POST", "PUT"] {
                let r = APITests.request(method, target, type: "application/json", body: Array("{}".utf8))
                let text = String(decoding: r.body, as: UTF8.self)
                #expect(r.status >= 400 && !text.contains(canary), "\(method) \(target) → \(r.status): \(text.prefix(400))")
            }
        }
        let r = APITests.request(canary, "/v1/check")
        #expect(!String(decoding: r.body, as: UTF8.self).contains(canary), "method \(canary)")
    }
}
