import Foundation
import Synchronization

/// A persistent pool of worker threads for kernels that take `(threadIndex, threadCount)`.
///
/// The calling thread is thread 0 and works too; `threads − 1` workers wait for jobs. A worker spins
/// briefly after each job (kernels come in quick succession during decoding), then parks on a condition
/// variable. A dispatch allocates nothing: the job closure stays on the caller's stack, which is safe because
/// `run` returns only after every worker finished it. One dispatch at a time: calls from several threads
/// are serialized.
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
        shared = Shared(spinIterations: spinIterations)
        for index in 1..<threadCount {
            let s = shared, count = threadCount
            let t = Thread { s.workerLoop(index: index, count: count) }
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
        withoutActuallyEscaping(body) { job in
            shared.start(job, workers: threadCount - 1)
            job(0, threadCount)
            shared.waitForWorkers()
            shared.job = nil
        }
    }

    /// Runs `body` like `run` if no other dispatch is in progress and returns true; returns false at once
    /// (without running anything) when the pool is busy: called from inside a job, or by another thread.
    public func tryRun(_ body: (_ threadIndex: Int, _ threadCount: Int) -> Void) -> Bool {
        if threadCount == 1 { body(0, 1); return true }
        guard dispatchLock.try() else { return false }
        defer { dispatchLock.unlock() }
        withoutActuallyEscaping(body) { job in
            shared.start(job, workers: threadCount - 1)
            job(0, threadCount)
            shared.waitForWorkers()
            shared.job = nil
        }
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
    /// Workers still running the current job.
    let pending = Atomic<Int>(0)
    /// Workers alive.
    let running = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    /// The current job; written before `generation` is bumped (release), read after (acquire).
    nonisolated(unsafe) var job: ((Int, Int) -> Void)?
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()
    let spinIterations: Int

    init(spinIterations: Int) {
        self.spinIterations = spinIterations
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
    }

    deinit {
        pthread_cond_destroy(&wake)
        pthread_mutex_destroy(&mutex)
    }

    func start(_ body: @escaping (Int, Int) -> Void, workers: Int) {
        job = body
        pending.store(workers, ordering: .relaxed)
        pthread_mutex_lock(&mutex)
        generation.wrappingAdd(1, ordering: .releasing)
        pthread_cond_broadcast(&wake)
        pthread_mutex_unlock(&mutex)
    }

    /// Polls before a waiting thread starts yielding its core on each poll: a worker that was descheduled
    /// (more runnable threads than cores) then gets the core back at once instead of after a time slice.
    static let pollsBeforeYield = 1_000

    func waitForWorkers() {
        var spins = 0
        while pending.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > Self.pollsBeforeYield { sched_yield() }
        }
    }

    func shutdown() {
        pthread_mutex_lock(&mutex)
        stopping.store(true, ordering: .releasing)
        generation.wrappingAdd(1, ordering: .releasing)
        pthread_cond_broadcast(&wake)
        pthread_mutex_unlock(&mutex)
    }

    func workerLoop(index: Int, count: Int) {
        running.wrappingAdd(1, ordering: .relaxed)
        defer { running.wrappingSubtract(1, ordering: .releasing) }
        // Generation 0 is "no job yet": a worker that starts late still runs the first job.
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
            job?(index, count)
            pending.wrappingSubtract(1, ordering: .releasing)
        }
    }
}
