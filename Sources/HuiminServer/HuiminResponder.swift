import Dispatch
import HTTPTypes
import Hummingbird
import HuiminService
import Logging
import NIOCore

/// A request's context: Hummingbird's, and the connection it came on (so that a body past its
/// deadline can be stopped at the socket).
struct ConnectionContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Carries a request to the service and its answer back; logs the method, the route (never the
/// raw path or its query), the status and the time.
struct HuiminResponder: HTTPResponder {
    typealias Context = ConnectionContext
    static let chunk = 256 << 10
    let service: API
    let intake: RequestBodyIntake
    let logger: Logger
    let signals: SignalPipe

    func respond(to request: Request, context: ConnectionContext) async throws -> Response {
        let started = ContinuousClock.now
        let path = request.uri.path
        let method = request.method.rawValue
        let answer = await answer(request, path: path, method: method, started: started, channel: context.channel)
        var fields = HTTPFields()
        fields[.contentType] = answer.contentType
        fields[.init("X-Content-Type-Options")!] = "nosniff"
        fields[.init("Referrer-Policy")!] = "no-referrer"
        if answer.contentType.hasPrefix("text/html") {
            fields[.init("Content-Security-Policy")!] =
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
        }
        for h in answer.headers { if let name = HTTPField.Name(h.name) { fields[name] = h.value } }
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000 + Double(elapsed.components.seconds) * 1000
        logger.info("\(method) \(API.route(of: path)) \(answer.status) \(String(format3: ms))ms")
        let bytes = answer.body
        guard bytes.count > Self.chunk else {
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        // A large answer (a roster's results) is written a piece at a time, each write awaited, so
        // the request is not over — and a graceful shutdown waits — until the last byte is sent.
        return Response(
            status: .init(code: answer.status), headers: fields,
            body: .init(contentLength: bytes.count) { writer in
                var start = 0
                while start < bytes.count {
                    let end = min(start + Self.chunk, bytes.count)
                    try await writer.write(ByteBuffer(bytes: bytes[start..<end]))
                    start = end
                }
                // When stopping, the connection is closed as soon as the answer ends, and what the
                // event loop has not yet sent would be lost: hold the end until it has had time to go.
                if signals.stopping.load(ordering: .relaxed) { try? await Task.sleep(for: .seconds(1)) }
                try await writer.finish(nil)
            })
    }

    func answer(_ request: Request, path: String, method: String, started: ContinuousClock.Instant, channel: any Channel) async -> ServiceResponse {
        // The body's bytes count against every upload's budget until the answer is made.
        let lease = UploadBudget.Lease(intake.budget)
        defer { lease.release() }
        let limit = service.bodyLimit(method: method, path: path)
        let body: [UInt8]
        switch await intake.read(request, limit: limit, startedAt: started, lease: lease, channel: channel) {
        case .body(let bytes): body = bytes
        case .refused(let error): return error.response
        }
        var query: [(name: String, value: String)] = []
        for (k, v) in request.uri.queryParameters { query.append((String(k), String(v))) }
        let serviceRequest = ServiceRequest(
            method: method, path: path, query: query, contentType: request.headers[.contentType], body: body)
        guard service.isHeavy(method: method, path: path) else { return service.respond(serviceRequest) }
        // A roster takes seconds and uses every core itself: run it off the server's threads.
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: service.respond(serviceRequest)) }
        }
    }
}

extension String {
    /// A number with up to three decimals, without Foundation.
    init(format3 value: Double) {
        let thousandths = Int((value * 1000).rounded())
        let frac = String(thousandths % 1000)
        self = "\(thousandths / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
    }
}
