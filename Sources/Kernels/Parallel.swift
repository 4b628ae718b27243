/// Splits work over `threads` workers; each call of `body(thread, threads)` handles its own share.
///
/// Kernels take `(thread, threads)` and compute their own range (`Parallel.range`), so the caller
/// owns the threads and kernels stay pure. With one thread the body runs inline. Copies share one
/// persistent `ThreadPool` (spin, then park), so a dispatch costs about a microsecond and allocates nothing.
public struct Parallel: Sendable {
    /// Number of workers, at least 1.
    public let threads: Int
    private let pool: ThreadPool?

    /// Starts `threads − 1` worker threads (none for one thread); they live as long as a copy of this value.
    public init(threads: Int) {
        self.threads = max(1, threads)
        pool = self.threads > 1 ? ThreadPool(threads: self.threads) : nil
    }

    /// One worker: everything runs on the caller's thread.
    public static let serial = Parallel(threads: 1)

    /// Runs `body(thread, threads)` for every thread index and returns when all are done.
    ///
    /// A call made while the pool is busy (from inside a running body, or from another thread at the same
    /// time) runs every share on the caller's thread instead of waiting: nested parallelism cannot deadlock.
    public func run(_ body: (Int, Int) -> Void) {
        guard let pool else { body(0, 1); return }
        if !pool.tryRun(body) {
            for t in 0..<threads { body(t, threads) }
        }
    }

    /// The share of `0..<count` that worker `thread` of `threads` handles (contiguous, balanced).
    @inline(__always)
    public static func range(_ count: Int, thread: Int, threads: Int) -> Range<Int> {
        let base = count / threads, extra = count % threads
        let start = thread * base + min(thread, extra)
        return start..<(start + base + (thread < extra ? 1 : 0))
    }
}
