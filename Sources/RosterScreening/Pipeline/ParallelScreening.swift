import Dispatch
import DecisionEngine
import RuleCompiler

#if canImport(Glibc)
import Glibc
#endif

/// What a roster job does with each household: screening, or comparing two rule sets.
public protocol HouseholdWorker: Sendable {
    /// The first bytes of the output (a CSV header), if any.
    var header: [UInt8] { get }
    /// Appends the household's output and counts it into `summary`.
    func screen(_ record: HouseholdRecord, into out: inout [UInt8], summary: inout ScreeningSummary)
    /// Adds the worker's own tallies to an empty summary (the job's and each worker's part).
    func prepare(_ summary: inout ScreeningSummary)
}

extension HouseholdWorker {
    public func prepare(_ summary: inout ScreeningSummary) {}
}

/// Splits a batch of households among workers; each returns its bytes and its part of the
/// summary, and the parts come back in input order.
public enum ParallelScreening {
    public struct Part: Sendable {
        public var bytes: [UInt8]
        public var rejects: [Reject] = []
        public var summary: ScreeningSummary
    }

    public static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// For a process that screens one roster and exits: freed memory is kept for the next batch
    /// rather than handed back to the kernel, so each batch's arrays do not cost fresh zeroed pages
    /// (page faults that the workers contend on). Peak memory is still bounded by the batches.
    /// (1M bench roster on 2 cores: 1.6 s → 1.2 s.) Not for a long-running server.
    public static func keepFreedMemory() {
        #if canImport(Glibc)
        // <malloc.h>: M_TRIM_THRESHOLD -1, M_TOP_PAD -2, M_MMAP_THRESHOLD -3.
        _ = glibcMallopt(-3, 256 << 20)
        _ = glibcMallopt(-1, 1 << 30)
        _ = glibcMallopt(-2, 64 << 20)
        #endif
    }

    /// Assembles and screens one household into a part: its output, or its rejects.
    static func process(_ raw: RawHousehold, _ assembler: HouseholdAssembler, _ screener: some HouseholdWorker, into part: inout Part) {
        part.summary.rows += raw.rows.count
        switch assembler.assemble(raw) {
        case .household(let record, _):
            screener.screen(record, into: &part.bytes, summary: &part.summary)
        case .rejected(let rejects, let rows):
            part.summary.rejectedRows += rows.count
            part.summary.rejectedHouseholds += 1
            part.rejects += rejects
        }
    }

    public static func screen(_ households: [RawHousehold], assembler: HouseholdAssembler, with screener: some HouseholdWorker, jobs: Int, template: ScreeningSummary) -> [Part] {
        PendingParts(households.count, jobs: jobs, template: template) { range, _, part in
            for i in range { process(households[i], assembler, screener, into: &part) }
        }.finish()
    }
}

#if canImport(Glibc)
/// glibc's `int mallopt(int, int)`, which the Glibc module does not export (it is in <malloc.h>).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// Workers under way on a batch; `finish` waits for them and gives their parts in input order.
final class PendingParts: @unchecked Sendable {
    private let group = DispatchGroup()
    private let box: PartBox

    /// Starts `body` on `count` items split among up to `jobs` workers, and returns at once.
    init(_ count: Int, jobs: Int, template: ScreeningSummary, _ body: @escaping @Sendable (Range<Int>, Int, inout ParallelScreening.Part) -> Void) {
        let workers = max(1, min(jobs, count))
        let slice = (count + workers - 1) / workers
        box = PartBox(count: workers, template: template)
        for w in 0..<workers {
            group.enter()
            DispatchQueue.global().async { [box, group] in
                var part = ParallelScreening.Part(bytes: [], summary: template)
                part.bytes.reserveCapacity(slice * 256)
                let start = w * slice, end = min(count, start + slice)
                if start < end { body(start..<end, w, &part) }
                box.set(w, part)
                group.leave()
            }
        }
    }

    func finish() -> [ParallelScreening.Part] {
        group.wait()
        return box.parts
    }
}

/// One slot a worker, each written by exactly one worker before the batch ends. The slots live
/// in memory allocated once, so workers never touch a shared array's bookkeeping.
private final class PartBox: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<ParallelScreening.Part>

    init(count: Int, template: ScreeningSummary) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: ParallelScreening.Part(bytes: [], summary: template))
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func set(_ i: Int, _ part: ParallelScreening.Part) { slots[i] = part }
    var parts: [ParallelScreening.Part] { Array(slots) }
}
