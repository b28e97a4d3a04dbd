import HTTPTypes
import Hummingbird
import HuiminService
import NIOCore
import Synchronization

/// The bytes of request bodies the server holds at once, across all connections, bounded: a body
/// is counted from its first byte (or, when its length is announced, before it is read) until its
/// answer is made, so forty slow uploads cannot pile up hundreds of megabytes between them.
final class UploadBudget: Sendable {
    /// Bytes all bodies together may hold (`--max-upload-total-mib`).
    let limit: Int
    private let held = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    var bytesHeld: Int { held.load(ordering: .relaxed) }

    /// Counts `n` more bytes held, unless that would pass the limit.
    func take(_ n: Int) -> Bool {
        var current = held.load(ordering: .relaxed)
        while current + n <= limit {
            let (done, now) = held.compareExchange(expected: current, desired: current + n, ordering: .acquiringAndReleasing)
            if done { return true }
            current = now
        }
        return false
    }

    func give(_ n: Int) { held.subtract(n, ordering: .acquiringAndReleasing) }

    /// The share of one request, given back whole when its answer is made.
    final class Lease: Sendable {
        let budget: UploadBudget
        private let taken = Atomic<Int>(0)

        init(_ budget: UploadBudget) { self.budget = budget }

        func take(_ n: Int) -> Bool {
            guard budget.take(n) else { return false }
            taken.add(n, ordering: .relaxed)
            return true
        }

        func release() { budget.give(taken.exchange(0, ordering: .acquiringAndReleasing)) }
    }
}

/// Reads a request's body under three bounds: its route's size limit (413), the budget of all
/// uploads together (503, `Retry-After`), and a deadline counted from the request's head (408,
/// `--body-timeout`): a body trickled a byte every few seconds never trips the idle timeout,
/// which only notices silence. A body refused early is still read to its end and dropped (so the
/// client can read the answer) — but never past the deadline, where the connection's input is
/// closed.
struct RequestBodyIntake: Sendable {
    let budget: UploadBudget
    /// Seconds from the request's head to its body's last byte.
    let timeout: Int

    enum Received: Sendable {
        case body([UInt8])
        case refused(ServiceError)
    }

    func read(_ request: Request, limit: Int, startedAt start: ContinuousClock.Instant, lease: UploadBudget.Lease, channel: any Channel) async -> Received {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        guard declared.map({ $0 > 0 }) ?? (request.headers[.transferEncoding] != nil) else { return .body([]) }
        var verdict: ServiceError?
        if limit > 0, let declared, declared > limit {
            verdict = tooLarge(limit)
        } else if limit > 0, let declared, !lease.take(declared) {
            verdict = busy()
        }
        let deadline = start + .seconds(timeout)
        let early = verdict
        let outcome: Received? = await withTaskGroup(of: Received?.self) { group in
            group.addTask { await collect(request.body, limit: limit, reserved: declared != nil, verdict: early, lease: lease) }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // The deadline passed with the body still coming: stop reading it for good. The
            // collector's stream ends, and the connection closes after the answer.
            if first == nil { channel.close(mode: .input, promise: nil) }
            return first
        }
        return outcome ?? .refused(timedOut())
    }

    /// Keeps the body while it is within bounds; past one, drops the rest as it arrives.
    private func collect(_ body: RequestBody, limit: Int, reserved: Bool, verdict early: ServiceError?, lease: UploadBudget.Lease) async -> Received {
        var verdict = early
        var bytes: [UInt8] = []
        var keeping = early == nil && limit > 0
        do {
            for try await chunk in body {
                guard keeping else { continue }
                if bytes.count + chunk.readableBytes > limit {
                    verdict = tooLarge(limit)
                } else if !reserved, !lease.take(chunk.readableBytes) {
                    verdict = busy()
                } else {
                    bytes.append(contentsOf: chunk.readableBytesView)
                    continue
                }
                keeping = false
                bytes = []
            }
        } catch {
            if Task.isCancelled { return .refused(timedOut()) }
            return .refused(ServiceError(400, "request.incomplete", "请求体没有传完，连接就断了"))
        }
        return verdict.map { .refused($0) } ?? .body(bytes)
    }

    func tooLarge(_ limit: Int) -> ServiceError {
        ServiceError(413, "request.too-large", "the body is larger than this server takes (\(limit >> 10) KiB)")
    }

    func busy() -> ServiceError {
        var e = ServiceError(503, "server.busy", "服务器同时接收的上传已达上限（共\(budget.limit >> 20) MiB），请稍后再试")
        e.headers = [("Retry-After", "5")]
        return e
    }

    func timedOut() -> ServiceError {
        var e = ServiceError(408, "request.timeout", "请求体没有在\(timeout)秒内传完：请检查网络后重新发送")
        e.headers = [("Connection", "close")]
        return e
    }
}
