import Dispatch
import Kernels
import Synchronization
import XCTest

final class ThreadPoolTests: XCTestCase {
    func testRunGivesEachThreadItsIndexOnce() {
        for threads in [1, 2, 3, 5] {
            let pool = ThreadPool(threads: threads)
            let seen = Mutex([Int](repeating: 0, count: threads))
            let counts = Atomic<Int>(0)
            pool.run { index, count in
                seen.withLock { $0[index] += 1 }
                if count == threads { counts.wrappingAdd(1, ordering: .relaxed) }
            }
            XCTAssertEqual(seen.withLock { $0 }, [Int](repeating: 1, count: threads), "threads = \(threads)")
            XCTAssertEqual(counts.load(ordering: .relaxed), threads)
        }
    }

    func testParallelForVisitsEveryIndexOnce() {
        for threads in [1, 2, 4] {
            let pool = ThreadPool(threads: threads)
            for count in [0, 1, 7, 1000] {
                let hits = Mutex([Int](repeating: 0, count: count))
                let badThread = Atomic<Bool>(false)
                pool.parallelFor(count) { i, thread in
                    hits.withLock { $0[i] += 1 }
                    if thread < 0 || thread >= threads { badThread.store(true, ordering: .relaxed) }
                }
                XCTAssertEqual(hits.withLock { $0 }, [Int](repeating: 1, count: count), "threads \(threads), count \(count)")
                XCTAssertFalse(badThread.load(ordering: .relaxed))
            }
        }
    }

    /// 100k tiny jobs back to back: no deadlock, no lost job (each adds its thread count exactly).
    func testRepeatedDispatch() {
        let pool = ThreadPool(threads: 2)
        let total = Atomic<Int>(0)
        let jobs = 100_000
        for _ in 0..<jobs { pool.run { _, _ in total.wrappingAdd(1, ordering: .relaxed) } }
        XCTAssertEqual(total.load(ordering: .relaxed), jobs * 2)
    }

    /// Workers that parked (spin budget 0) still wake for every job; the pool shuts down cleanly.
    func testParkedWorkersWake() {
        let total = Atomic<Int>(0)
        do {
            let pool = ThreadPool(threads: 3, spinIterations: 0)
            for _ in 0..<2_000 {
                pool.run { i, _ in total.wrappingAdd(i, ordering: .relaxed) }
                if Int.random(in: 0..<100) == 0 { usleep(200) }  // let workers park now and then
            }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), 2_000 * (0 + 1 + 2))
    }

    func testThreadsBelowOneMeansOne() {
        let pool = ThreadPool(threads: 0)
        XCTAssertEqual(pool.threadCount, 1)
        var ran = 0
        pool.run { i, n in XCTAssertEqual(i, 0); XCTAssertEqual(n, 1); ran += 1 }
        XCTAssertEqual(ran, 1)
    }
}

final class ParallelTests: XCTestCase {
    /// Every share runs once per call, on a pool reused across calls.
    func testRunCoversEveryThreadOnce() {
        for threads in [1, 2, 3] {
            let parallel = Parallel(threads: threads)
            for _ in 0..<100 {
                let seen = Mutex([Int](repeating: 0, count: threads))
                parallel.run { t, n in
                    XCTAssertEqual(n, threads)
                    seen.withLock { $0[t] += 1 }
                }
                XCTAssertEqual(seen.withLock { $0 }, [Int](repeating: 1, count: threads), "threads \(threads)")
            }
        }
    }

    /// A run inside a run (from the caller's thread and from a worker) completes, covering every share of
    /// the inner split, instead of deadlocking on the busy pool.
    func testNestedRunDoesNotDeadlock() {
        let parallel = Parallel(threads: 2)
        let inner = Atomic<Int>(0)
        parallel.run { _, _ in
            parallel.run { t, n in inner.wrappingAdd(1 << (8 * t), ordering: .relaxed); XCTAssertEqual(n, 2) }
        }
        // Two outer shares × inner shares 0 and 1, once each.
        XCTAssertEqual(inner.load(ordering: .relaxed), 2 * (1 + (1 << 8)))
    }

    /// Copies share the pool; concurrent callers from several threads all finish with the right counts.
    func testConcurrentCallers() {
        let parallel = Parallel(threads: 2)
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let copy = parallel
            for _ in 0..<500 { copy.run { _, _ in total.wrappingAdd(1, ordering: .relaxed) } }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), 4 * 500 * 2)
    }
}
