import Foundation
import Synchronization

/// Threads that run the independent parts of one training step side by side (the `threads` setting).
/// A job is numbered work 0..<n whose parts touch disjoint memory; part k always does the same
/// arithmetic whichever thread runs it, so results never depend on the number of threads.
/// With one thread (or none to spare) `run` is a plain loop on the caller's thread.
public final class WorkerPool: @unchecked Sendable {
    /// Threads taking part in a job, the caller's included.
    public let threads: Int
    private var workers: [Worker] = []
    /// Set while a job runs: a part that starts a job of its own on the same pool runs it inline.
    private let busy = Atomic<Bool>(false)

    /// The machine's cores, capped at `useful` (more threads than independent parts only wait).
    public static func automaticThreads(useful: Int) -> Int {
        Swift.max(1, Swift.min(ProcessInfo.processInfo.activeProcessorCount, useful))
    }

    /// A pool of `threads` threads in all (the caller's and threads − 1 started here).
    public init(threads: Int) {
        self.threads = Swift.max(1, threads)
        workers = (1..<self.threads).map { _ in Worker() }
    }

    deinit {
        for worker in workers { worker.stop() }
    }

    /// Runs body(0), …, body(count − 1) and returns when all have finished; part k runs on thread
    /// k mod threads (the caller is thread 0). Parts must not share anything they write.
    public func run(_ count: Int, _ body: (Int) -> Void) {
        if threads == 1 || count <= 1 || !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            for k in 0..<count { body(k) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            let helpers = Swift.min(workers.count, count - 1)
            for w in 0..<helpers { workers[w].start(body, first: w + 1, stride: threads, count: count) }
            var k = 0
            while k < count { body(k); k += threads }
            for w in 0..<helpers { workers[w].wait() }
        }
    }
}

/// One thread that takes parts first, first + stride, … < count of a job (stored as fields, not a new
/// closure, so handing over allocates nothing). Between jobs it spins for a while before it sleeps:
/// the parts of an update are a few hundred microseconds apart, and waking a sleeping thread costs
/// more than that on a virtual machine (measured: a semaphore hand-over made two threads no faster
/// than one).
private final class Worker: @unchecked Sendable {
    /// Jobs posted and jobs finished; the worker has a job while finished < posted.
    private let posted = Atomic<Int>(0), finished = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private var body: ((Int) -> Void)?
    private var first = 0, stride = 1, count = 0
    private let stopping = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)
    /// How long an idle worker spins before it sleeps.
    private static let spinNanoseconds: UInt64 = 2_000_000

    init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func start(_ body: @escaping (Int) -> Void, first: Int, stride: Int, count: Int) {
        self.body = body
        self.first = first
        self.stride = stride
        self.count = count
        posted.add(1, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
    }

    func wait() {
        let target = posted.load(ordering: .relaxed)
        var spins = 0
        while finished.load(ordering: .acquiring) < target {
            spins += 1
            if spins & 1023 == 0 { sched_yield() }
        }
        body = nil
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        wake.signal()
        exited.wait()
    }

    private func loop() {
        var done = 0
        while true {
            // Spin, then sleep, until a job is posted or the pool goes away.
            var idleSince: UInt64 = 0, spins = 0
            while posted.load(ordering: .acquiring) == done {
                if stopping.load(ordering: .relaxed) { exited.signal(); return }
                spins += 1
                if spins & 255 != 0 { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                if idleSince == 0 { idleSince = now; continue }
                guard now - idleSince > Self.spinNanoseconds else { continue }
                // Announce the sleep, then look again: a job posted in between is seen here, or its
                // poster saw `sleeping` and signals.
                sleeping.store(true, ordering: .sequentiallyConsistent)
                if posted.load(ordering: .sequentiallyConsistent) == done && !stopping.load(ordering: .sequentiallyConsistent) { wake.wait() }
                sleeping.store(false, ordering: .sequentiallyConsistent)
                idleSince = 0
            }
            if let body {
                var k = first
                while k < count { body(k); k += stride }
            }
            done += 1
            finished.store(done, ordering: .releasing)
        }
    }
}
