import SourceDiagnostics

/// A request as the service sees it, whatever server carried it.
public struct ServiceRequest: Sendable {
    public var method: String
    /// The path without the query (`/v1/policies/dibao`).
    public var path: String
    /// Query parameters in order, percent-decoded; a name may repeat (`policy=dibao&policy=tekun`).
    public var query: [(name: String, value: String)]
    /// The media type without parameters, lower-cased (`application/json`), or nil.
    public var contentType: String?
    public var body: [UInt8]

    public init(method: String, path: String, query: [(name: String, value: String)] = [], contentType: String? = nil, body: [UInt8] = []) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        self.contentType = contentType.map { Self.mediaType($0) }
        self.body = body
    }

    /// `text/csv; charset=utf-8` → `text/csv`.
    public static func mediaType(_ header: String) -> String {
        String(header.split(separator: ";", maxSplits: 1).first ?? "").trimmingSpaces.lowercased()
    }

    public func values(_ name: String) -> [String] { query.filter { $0.name == name }.map(\.value) }
    public func value(_ name: String) -> String? { query.last { $0.name == name }?.value }
}

/// What the service answers: a status, a media type, the body bytes and any extra headers.
public struct ServiceResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var headers: [(name: String, value: String)]

    public init(status: Int = 200, contentType: String, body: [UInt8], headers: [(name: String, value: String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    public static func json(_ value: JSONValue, status: Int = 200) -> ServiceResponse {
        json(bytes: value.bytes(), status: status)
    }

    /// JSON already written (by a `JSONWriter`).
    public static func json(bytes: [UInt8], status: Int = 200) -> ServiceResponse {
        ServiceResponse(status: status, contentType: "application/json; charset=utf-8", body: bytes)
    }

    public static func text(_ text: String, contentType: String, status: Int = 200) -> ServiceResponse {
        ServiceResponse(status: status, contentType: contentType, body: Array(text.utf8))
    }
}

/// An error answered as JSON with a stable code:
/// `{"error": {"code": "request.malformed-json", "message": …, "problems": […]}}`.
public struct ServiceError: Error, Sendable {
    public let status: Int
    /// Stable: clients may branch on it. Add codes, never rename them.
    public let code: String
    public let message: String
    public var problems: [JSONValue] = []
    public var headers: [(name: String, value: String)] = []

    public init(_ status: Int, _ code: String, _ message: String, problems: [JSONValue] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.problems = problems
    }

    public var response: ServiceResponse {
        var error: [(String, JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if !problems.isEmpty { error.append(("problems", .array(problems))) }
        var r = ServiceResponse.json(.object([("error", .object(error))]), status: status)
        r.headers = headers
        return r
    }

    /// No route for the path.
    public static func notFound(_ path: String) -> ServiceError {
        // The path is not repeated: it may carry an ID number or a name.
        ServiceError(404, "route.not-found", "no such resource (the routes are in /openapi.yaml)")
    }
}
