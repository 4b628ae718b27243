import Foundation
import Synchronization

/// A persistent pool of worker threads for kernels that take `(threadIndex, threadCount)`.
///
/// A job has `threadCount` shares; the calling thread and `threads − 1` workers claim them one at a time
/// from an atomic ticket, so when a worker is descheduled (more runnable threads than cores) the caller
/// runs its share instead of waiting for it. A worker spins briefly after each job (kernels come in quick
/// succession during decoding), then parks on a condition variable. A dispatch allocates nothing: the job
/// closure stays on the caller's stack, which is safe because a thread reads it only after claiming a share
/// of the current job, and `run` returns only after every claimed share finished. One dispatch at a time:
/// calls from several threads are serialized.
public final class ThreadPool: @unchecked Sendable {
    /// Threads a job runs on, the caller included.
    public let threadCount: Int
    private let shared: Shared
    private var workers: [Thread] = []
    private let dispatchLock = NSLock()

    /// - Parameters:
    ///   - threads: total threads including the caller (values below 1 count as 1).
    ///   - spinIterations: polls of the job counter before a worker parks.
    public init(threads: Int, spinIterations: Int = 100_000) {
        threadCount = max(1, threads)
        shared = Shared(spinIterations: spinIterations, shares: threadCount)
        for index in 1..<threadCount {
            let s = shared
            let t = Thread { s.workerLoop() }
            t.name = "owl-kernel-\(index)"
            t.stackSize = 1 << 20
            workers.append(t)
            t.start()
        }
    }

    deinit {
        shared.shutdown()
        // Workers hold only `shared` and exit on their own; wait so no thread outlives the pool's users.
        while shared.running.load(ordering: .acquiring) > 0 { usleep(50) }
    }

    /// Runs `body(threadIndex, threadCount)` on every thread of the pool and returns when all are done.
    public func run(_ body: (_ threadIndex: Int, _ threadCount: Int) -> Void) {
        if threadCount == 1 { body(0, 1); return }
        dispatchLock.lock()
        defer { dispatchLock.unlock() }
        shared.dispatch(body)
    }

    /// Runs `body` like `run` if no other dispatch is in progress and returns true; returns false at once
    /// (without running anything) when the pool is busy: called from inside a job, or by another thread.
    public func tryRun(_ body: (_ threadIndex: Int, _ threadCount: Int) -> Void) -> Bool {
        if threadCount == 1 { body(0, 1); return true }
        guard dispatchLock.try() else { return false }
        defer { dispatchLock.unlock() }
        shared.dispatch(body)
        return true
    }

    /// Calls `body(index, threadIndex)` for each index in 0..<count, handing indices out dynamically.
    public func parallelFor(_ count: Int, _ body: (_ index: Int, _ threadIndex: Int) -> Void) {
        if threadCount == 1 || count <= 1 {
            for i in 0..<count { body(i, 0) }
            return
        }
        let next = Atomic<Int>(0)
        run { thread, _ in
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= count { break }
                body(i, thread)
            }
        }
    }
}

/// State shared by the pool and its workers.
private final class Shared: @unchecked Sendable {
    /// Bumped once per job; workers run each generation once.
    let generation = Atomic<Int>(0)
    /// generation << 20 | next unclaimed share: a claim succeeds only for the job it was made for.
    let ticket = Atomic<Int>(0)
    /// Shares of the current job finished.
    let done = Atomic<Int>(0)
    /// Workers alive.
    let running = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    /// The current job; written before `ticket` (release), read only after a successful claim (acquire).
    nonisolated(unsafe) var job: ((Int, Int) -> Void)?
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()
    let spinIterations: Int
    /// Shares per job (the pool's thread count).
    let shares: Int
    static let shareBits = 20

    init(spinIterations: Int, shares: Int) {
        self.spinIterations = spinIterations
        self.shares = shares
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
    }

    deinit {
        pthread_cond_destroy(&wake)
        pthread_mutex_destroy(&mutex)
    }

    /// Polls before a waiting thread starts yielding its core on each poll: a worker that was descheduled
    /// then gets the core back at once instead of after a time slice.
    static let pollsBeforeYield = 1_000

    /// Publishes `body`, wakes the workers, claims shares on the caller's thread too, and returns when every
    /// share has finished. Called with the pool's dispatch lock held.
    func dispatch(_ body: (Int, Int) -> Void) {
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            done.store(0, ordering: .relaxed)
            pthread_mutex_lock(&mutex)
            let g = generation.load(ordering: .relaxed) + 1
            ticket.store(g << Self.shareBits, ordering: .releasing)
            generation.store(g, ordering: .releasing)
            pthread_cond_broadcast(&wake)
            pthread_mutex_unlock(&mutex)
            claim(generation: g)
            var spins = 0
            while done.load(ordering: .acquiring) < shares {
                spins += 1
                if spins > Self.pollsBeforeYield { sched_yield() }
            }
            job = nil
        }
    }

    /// Runs unclaimed shares of job `g` until none is left (or a newer job started).
    func claim(generation g: Int) {
        let mask = (1 << Self.shareBits) - 1
        var t = ticket.load(ordering: .acquiring)
        while t >> Self.shareBits == g && t & mask < shares {
            let (won, current) = ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiringAndReleasing)
            if won {
                job?(t & mask, shares)
                done.wrappingAdd(1, ordering: .releasing)
                t = ticket.load(ordering: .acquiring)
            } else {
                t = current
            }
        }
    }

    func shutdown() {
        pthread_mutex_lock(&mutex)
        stopping.store(true, ordering: .releasing)
        generation.wrappingAdd(1, ordering: .releasing)
        pthread_cond_broadcast(&wake)
        pthread_mutex_unlock(&mutex)
    }

    func workerLoop() {
        running.wrappingAdd(1, ordering: .relaxed)
        defer { running.wrappingSubtract(1, ordering: .releasing) }
        // Generation 0 is "no job yet": a worker that starts late still sees the first job's ticket.
        var seen = 0
        while true {
            var spins = 0
            var now = generation.load(ordering: .acquiring)
            while now == seen && spins < spinIterations && !stopping.load(ordering: .relaxed) {
                spins += 1
                if spins > Self.pollsBeforeYield { sched_yield() }
                now = generation.load(ordering: .acquiring)
            }
            if now == seen {
                pthread_mutex_lock(&mutex)
                now = generation.load(ordering: .acquiring)
                while now == seen && !stopping.load(ordering: .acquiring) {
                    pthread_cond_wait(&wake, &mutex)
                    now = generation.load(ordering: .acquiring)
                }
                pthread_mutex_unlock(&mutex)
            }
            seen = now
            if stopping.load(ordering: .acquiring) { return }
            claim(generation: now)
        }
    }
}
